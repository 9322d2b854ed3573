package io.layerd.daemon.host;

import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.wclayer.HiveMerger;

import java.util.Optional;

/**
 * Which CIM writer this host uses: CimFS.dll where Windows supports it, layerd's portable writer
 * everywhere else; and the hive merger (offreg.dll), which only Windows has.
 */
final class CimWriters {
    private CimWriters() {
    }

    static CimWriterFactory forThisHost() {
        return CimWriterFactory.PORTABLE;
    }

    static Optional<HiveMerger> hiveMerger() {
        return Optional.empty();
    }
}
