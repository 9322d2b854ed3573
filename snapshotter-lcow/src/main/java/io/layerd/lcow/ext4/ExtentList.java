package io.layerd.lcow.ext4;

import java.util.Arrays;

/**
 * The data extents of one file as parallel primitive arrays (a sparse 50 GiB file may have
 * thousands): logical block, physical block, length. Appending a block that continues the last
 * extent both logically and physically grows it, up to ext4's 32768-block limit.
 */
final class ExtentList {
    private static final long[] NO_LONGS = {};
    private static final int[] NO_INTS = {};
    // Most files have one extent or none: start empty (shared arrays) and grow on the first add.
    private long[] logical = NO_LONGS;
    private long[] physical = NO_LONGS;
    private int[] length = NO_INTS;
    private int count;
    private long blocks;

    void add(long logicalBlock, long physicalBlock, int n) {
        while (n > 0) {
            if (count > 0) {
                int last = count - 1;
                int room = Ext4.MAX_EXTENT_BLOCKS - length[last];
                if (room > 0 && logical[last] + length[last] == logicalBlock && physical[last] + length[last] == physicalBlock) {
                    int take = Math.min(room, n);
                    length[last] += take;
                    blocks += take;
                    logicalBlock += take;
                    physicalBlock += take;
                    n -= take;
                    continue;
                }
            }
            if (count == logical.length) {
                int grown = Math.max(1, count * 2);
                logical = Arrays.copyOf(logical, grown);
                physical = Arrays.copyOf(physical, grown);
                length = Arrays.copyOf(length, grown);
            }
            int take = Math.min(Ext4.MAX_EXTENT_BLOCKS, n);
            logical[count] = logicalBlock;
            physical[count] = physicalBlock;
            length[count] = take;
            count++;
            blocks += take;
            logicalBlock += take;
            physicalBlock += take;
            n -= take;
        }
    }

    int count() {
        return count;
    }

    long logical(int i) {
        return logical[i];
    }

    long physical(int i) {
        return physical[i];
    }

    int length(int i) {
        return length[i];
    }

    /** Data blocks the extents cover. */
    long blocks() {
        return blocks;
    }
}
