package io.layerd.lcow.verity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Leaf digests (one 32-byte SHA-256 per data block) kept in a scratch file at offset
 * {@code blockIndex * 32}, fronted by a small write-back page cache.
 *
 * <p>Why a file: 128 GiB of data has 32 Mi blocks and so 1 GiB of leaf digests, which must not sit on
 * the heap. Why a cache of several pages rather than one write buffer: the ext4 writer emits file data
 * mostly ascending but interleaves late runs (inode tables, directories, group descriptors) far behind
 * the stream; separate pages let both runs coalesce instead of evicting each other on every call.
 *
 * <p>A digest slot that was never written reads as 32 zero bytes (sparse file / zero-filled page). The
 * builder uses that as the "hole" marker: a real SHA-256 output of all zeros would be a preimage and is
 * not a practical concern.
 *
 * <p>Not thread-safe; owned by one {@link VerityTreeBuilder}.
 */
final class LeafHashStore {

    /**
     * Page size in bytes: 16 KiB = 512 digests = 2 MiB of data per page, small enough that loading a
     * page for an isolated late write costs little.
     */
    static final int PAGE_SIZE = 16 * 1024;
    static final int DIGESTS_PER_PAGE = PAGE_SIZE / VerityHashLayout.DIGEST_SIZE;
    /** Pages cached: 16 * 16 KiB = 256 KiB of heap, independent of the image size. */
    static final int PAGE_COUNT = 16;

    private final FileChannel channel;
    private final Page[] pages = new Page[PAGE_COUNT];
    /** Bytes of the file that may hold flushed digests; pages starting beyond it need no read. */
    private long fileEnd;
    private long useClock;
    private long maxIndex = -1;
    private Page lastHit;

    LeafHashStore(FileChannel channel) throws IOException {
        this.channel = channel;
        this.fileEnd = channel.size();
        for (int i = 0; i < PAGE_COUNT; i++) {
            pages[i] = new Page();
        }
    }

    /** Stores {@code digest} (32 bytes) for {@code blockIndex}, replacing any earlier value. */
    void put(long blockIndex, byte[] digest) throws IOException {
        long pageNo = blockIndex / DIGESTS_PER_PAGE;
        Page page = lastHit != null && lastHit.pageNo == pageNo ? lastHit : pageFor(pageNo);
        int offset = (int) (blockIndex % DIGESTS_PER_PAGE) * VerityHashLayout.DIGEST_SIZE;
        page.buffer.put(offset, digest, 0, VerityHashLayout.DIGEST_SIZE);
        page.dirtyFrom = Math.min(page.dirtyFrom, offset);
        page.dirtyTo = Math.max(page.dirtyTo, offset + VerityHashLayout.DIGEST_SIZE);
        page.lastUse = ++useClock;
        lastHit = page;
        maxIndex = Math.max(maxIndex, blockIndex);
    }

    /** Highest block index ever stored, or -1. */
    long maxIndex() {
        return maxIndex;
    }

    /** Writes every dirty page range to the file; afterwards the file alone is authoritative. */
    void flush() throws IOException {
        for (Page page : pages) {
            flush(page);
        }
    }

    /** Bytes of the file that hold flushed digests; everything beyond reads as zeros. */
    long fileEnd() {
        return fileEnd;
    }

    private Page pageFor(long pageNo) throws IOException {
        Page victim = pages[0];
        for (Page page : pages) {
            if (page.pageNo == pageNo) {
                return page;
            }
            if (page.lastUse < victim.lastUse) {
                victim = page;
            }
        }
        flush(victim);
        load(victim, pageNo);
        return victim;
    }

    private void load(Page page, long pageNo) throws IOException {
        ByteBuffer buffer = page.buffer;
        long start = pageNo * PAGE_SIZE;
        buffer.clear();
        // Pages past everything flushed so far are the common ascending case: nothing to read.
        if (start < fileEnd) {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, start + buffer.position());
                if (n < 0) {
                    break;
                }
            }
        }
        while (buffer.hasRemaining()) {
            buffer.put((byte) 0);
        }
        buffer.clear();
        page.pageNo = pageNo;
        page.dirtyFrom = PAGE_SIZE;
        page.dirtyTo = 0;
    }

    private void flush(Page page) throws IOException {
        if (page.dirtyTo <= page.dirtyFrom) {
            return;
        }
        long start = page.pageNo * PAGE_SIZE;
        ByteBuffer range = page.buffer.duplicate();
        range.limit(page.dirtyTo).position(page.dirtyFrom);
        while (range.hasRemaining()) {
            channel.write(range, start + range.position());
        }
        fileEnd = Math.max(fileEnd, start + page.dirtyTo);
        page.dirtyFrom = PAGE_SIZE;
        page.dirtyTo = 0;
    }

    /** One cached page of digests; {@code [dirtyFrom, dirtyTo)} is the byte range not yet in the file. */
    private static final class Page {
        final ByteBuffer buffer = ByteBuffer.allocate(PAGE_SIZE);
        long pageNo = -1;
        long lastUse;
        int dirtyFrom = PAGE_SIZE;
        int dirtyTo;
    }
}
