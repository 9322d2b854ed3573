package io.layerd.lcow.ext4;

/** What {@link Ext4Writer#finish} produced: the image's size in blocks and bytes, and its inodes. */
public record Ext4Image(long blocks, long inodes, int groups) {
    public long bytes() {
        return blocks * Ext4.BLOCK_SIZE;
    }
}
