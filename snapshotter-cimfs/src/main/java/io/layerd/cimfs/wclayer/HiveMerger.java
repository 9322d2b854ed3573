package io.layerd.cimfs.wclayer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Merges a parent layer's registry hive with a layer's delta hive into the layer's own base hive
 * (offreg.dll's ORMergeHives + ORSaveHive on Windows). Nothing outside Windows can do this.
 */
@FunctionalInterface
public interface HiveMerger {
    void merge(Path parentBase, Path delta, Path mergedBase) throws IOException;
}
