package io.layerd.daemon.host;

import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.nativeapi.CimFsLibraries;
import io.layerd.cimfs.nativeapi.CimFsProbe;
import io.layerd.cimfs.nativeapi.NativeCimWriters;
import io.layerd.cimfs.nativeapi.NativeLibraries;
import io.layerd.cimfs.nativeapi.OffregApi;
import io.layerd.cimfs.nativeapi.OffregHiveMerger;
import io.layerd.cimfs.wclayer.HiveMerger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * Which CIM writer this host uses: CimFS.dll (cimwriter.dll when present) where Windows supports
 * CimFS, so that the images are what Windows itself writes; layerd's portable writer everywhere
 * else. Hive merges need offreg.dll, which only Windows has.
 */
final class CimWriters {
    private static final Logger log = LoggerFactory.getLogger(CimWriters.class);

    private CimWriters() {
    }

    static CimWriterFactory forThisHost() {
        CimFsProbe.Result probe = CimFsProbe.probe();
        if (probe.supported()) {
            try {
                log.info("CIM layers are written by CimFS.dll ({})", probe.reason());
                return NativeCimWriters.system();
            } catch (IOException | RuntimeException e) {
                log.warn("CimFS.dll cannot be used ({}); CIM layers are written by layerd's portable writer", e.getMessage());
            }
        }
        return CimWriterFactory.PORTABLE;
    }

    static Optional<HiveMerger> hiveMerger() {
        if (!com.sun.jna.Platform.isWindows()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new OffregHiveMerger(NativeLibraries.load(CimFsLibraries.systemDll("offreg.dll"), OffregApi.class), 10, 0));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            log.warn("offreg.dll cannot be loaded ({}): delta hives of CIM layers are kept unmerged", e.getMessage());
            return Optional.empty();
        }
    }
}
