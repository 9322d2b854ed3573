package io.layerd.lcow.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end without the image writer: mke2fs makes a real ext4 image, debugfs creates the
 * directory and the inodes its entries point at and grows the directory to the right number of
 * blocks, our blocks are copied over the directory's data blocks (at the physical block numbers
 * debugfs reports), EXT4_INDEX_FL is set, and {@code e2fsck -fn} must find nothing to complain
 * about: pass 2 checks every dirent, the dx_root/dx_node headers, counts and limits, that every
 * leaf's hashes (recomputed by e2fsck with the image's hash version, seed and unsigned flag) lie
 * within its dx_entry's range, depth and references; pass 4 checks the link counts.
 * A deliberately corrupted copy must then fail, showing that the htree was really checked.
 */
class DirectoryBlocksE2fsckTest {
    private static final UUID HASH_SEED = UUID.fromString("5a1e7c3d-9b2f-4e61-8d0a-7f3c2b1e9d84");
    private static final int BS = 4096;

    @TempDir
    Path tmp;

    @BeforeAll
    static void needE2fsprogs() {
        assumeTrue(E2fsprogs.available("mke2fs", "debugfs", "dumpe2fs", "e2fsck"), "e2fsprogs not installed");
    }

    @Test
    void twentyEntriesLinear() throws IOException {
        Result r = roundTrip(20, 12, null);
        assertFalse(r.blocks.indexed());
    }

    @Test
    void threeHundredEntriesOneLevelHtree() throws IOException {
        Result r = roundTrip(300, 30, null);
        assertTrue(r.blocks.indexed());
        assertEquals(0, r.blocks.blocks().get(0).get(30), "indirect_levels");
        assertCorruptionDetected(r);
    }

    @Test
    void sixtyThousandEntriesTwoLevelHtree() throws IOException {
        Result r = roundTrip(60_000, 200, null);
        assertTrue(r.blocks.indexed());
        assertEquals(1, r.blocks.blocks().get(0).get(30), "indirect_levels");
        assertCorruptionDetected(r);
    }

    @Test
    void realHashCollisionAcrossLeafBoundary() throws IOException {
        int[] seed = DirHash.seedFromUuid(HASH_SEED);
        byte[][] pair = DirectoryBlocksTest.collidingPair(DirHash.HALF_MD4_UNSIGNED, seed);
        Result r = roundTrip(0, 0, pair);
        assertTrue(r.blocks.indexed());
    }

    // ---------------------------------------------------------------------------------------

    private record Result(Path image, int dirInode, DirectoryBlocks blocks, long[] physical) {
    }

    /**
     * Builds an image whose directory /d holds {@code n} entries with {@code nameLen}-byte names
     * (or, with {@code collision}, a colliding pair placed across a leaf boundary plus fillers),
     * and asserts that e2fsck accepts it.
     */
    private Result roundTrip(int n, int nameLen, byte[][] collision) throws IOException {
        Path img = tmp.resolve("fs.img");
        E2fsprogs.ok("mke2fs", "-q", "-F", "-t", "ext4", "-O", "^metadata_csum,^has_journal", "-b", "4096",
                "-E", "hash_seed=" + HASH_SEED, img.toString(), "64M");

        // Special inodes: a regular file every other entry links to, one of each other type
        // (the socket only gets its link from /d, since debugfs can only make it as a file),
        // and /d with a subdirectory so that "." / ".." / link counts are all exercised.
        // s_flags = EXT2_FLAGS_UNSIGNED_HASH, as our writer sets it (mke2fs picks the build
        // host's char signedness).
        debugfsWrite(img, """
                ssv flags 2
                write /dev/null target
                symlink sl /some/where/else
                mknod fifo p
                mknod chr c 1 3
                mknod blk b 7 0
                write /dev/null tmpsock
                sif tmpsock mode 0140644
                sif tmpsock flags 0
                mkdir d
                mkdir d/sub
                """);
        int sock = inodeOf(img, "tmpsock");
        debugfsWrite(img, "unlink tmpsock\n");

        String sb = E2fsprogs.ok("dumpe2fs", "-h", img.toString()).out();
        assertTrue(field(sb, "Filesystem features").contains("dir_index"));
        assertTrue(field(sb, "Filesystem flags").contains("unsigned_directory_hash"));
        int hashVersion = switch (field(sb, "Default directory hash")) {
            case "legacy" -> DirHash.LEGACY;
            case "half_md4" -> DirHash.HALF_MD4;
            case "tea" -> DirHash.TEA;
            default -> throw new AssertionError(sb);
        };
        int[] seed = DirHash.seedFromUuid(UUID.fromString(field(sb, "Directory Hash Seed")));
        assertEquals(DirectoryBlocks.STORED_HASH_VERSION, hashVersion);

        int dir = inodeOf(img, "d");
        int target = inodeOf(img, "target");
        List<DirEntry> kids = new ArrayList<>();
        kids.add(DirEntry.of("sub", inodeOf(img, "d/sub"), DirEntry.FT_DIR));
        kids.add(DirEntry.of("sl", inodeOf(img, "sl"), DirEntry.FT_SYMLINK));
        kids.add(DirEntry.of("fifo", inodeOf(img, "fifo"), DirEntry.FT_FIFO));
        kids.add(DirEntry.of("chr", inodeOf(img, "chr"), DirEntry.FT_CHRDEV));
        kids.add(DirEntry.of("blk", inodeOf(img, "blk"), DirEntry.FT_BLKDEV));
        kids.add(DirEntry.of("sock", sock, DirEntry.FT_SOCK));
        if (collision == null) {
            Random r = new Random(n);
            for (int i = kids.size(); i < n; i++) {
                kids.add(new DirEntry(name(i, nameLen, r), target, DirEntry.FT_REG_FILE));
            }
        } else {
            kids = DirectoryBlocksTest.straddling(collision, kids, target, hashVersion, seed);
        }
        int regular = (int) kids.stream().filter(e -> e.fileType() == DirEntry.FT_REG_FILE).count();
        int subdirs = (int) kids.stream().filter(e -> e.fileType() == DirEntry.FT_DIR).count();

        DirectoryBlocks db = DirectoryBlocks.build(dir, 2, kids, hashVersion, seed);

        StringBuilder script = new StringBuilder();
        // mkdir gave /d one block; expand_dir appends one (empty) block per call.
        script.append("expand_dir d\n".repeat(db.blockCount() - 1));
        // EXT4_EXTENTS_FL (0x80000, already set by debugfs) | EXT4_INDEX_FL (0x1000).
        script.append("sif d flags ").append(db.indexed() ? "0x81000" : "0x80000").append('\n');
        script.append("sif d links_count ").append(2 + subdirs).append('\n');
        script.append("sif target links_count ").append(1 + regular).append('\n');
        for (String special : List.of("sl", "fifo", "chr", "blk")) {
            script.append("sif ").append(special).append(" links_count 2\n");
        }
        debugfsWrite(img, script.toString());

        String stat = E2fsprogs.ok("debugfs", "-R", "stat d", img.toString()).out();
        Matcher size = Pattern.compile("Size: (\\d+)").matcher(stat);
        assertTrue(size.find(), stat);
        assertEquals(db.sizeBytes(), Long.parseLong(size.group(1)), "i_size of /d");
        long[] physical = Arrays.stream(E2fsprogs.ok("debugfs", "-R", "blocks d", img.toString()).out().trim().split("\\s+"))
                .mapToLong(Long::parseLong).toArray();
        assertEquals(db.blockCount(), physical.length, "blocks of /d");
        writeBlocks(img, physical, db.blocks());

        E2fsprogs.Output fsck = E2fsprogs.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.exit(), "e2fsck -fn:\n" + fsck.out() + fsck.err());
        for (String line : fsck.out().split("\n")) {
            assertTrue(line.matches("Pass [1-5]: .*") || line.matches(".*: \\d+/\\d+ files .*") || line.isBlank(),
                    "e2fsck said: " + line + "\n" + fsck.out());
        }
        return new Result(img, dir, db, physical);
    }

    /** Swapping the first two root dx_entries' block pointers must make e2fsck object. */
    private static void assertCorruptionDetected(Result r) throws IOException {
        List<ByteBuffer> bad = HtreeVerifierTest.copy(r.blocks.blocks());
        ByteBuffer root = bad.get(0);
        int first = root.getInt(36);
        int second = root.getInt(44);
        root.putInt(36, second).putInt(44, first);
        writeBlocks(r.image, r.physical, bad);
        E2fsprogs.Output fsck = E2fsprogs.run("e2fsck", "-fn", r.image.toString());
        assertNotEquals(0, fsck.exit(), fsck.out());
        assertTrue(fsck.out().contains("HTREE"), fsck.out());
    }

    private static byte[] name(int i, int len, Random r) {
        // A unique ASCII prefix, then random bytes including >= 0x80 (so the unsigned hash
        // variant matters) but never '/' or NUL.
        byte[] prefix = (i + "_").getBytes(StandardCharsets.US_ASCII);
        byte[] name = new byte[Math.max(len, prefix.length)];
        System.arraycopy(prefix, 0, name, 0, prefix.length);
        for (int j = prefix.length; j < name.length; j++) {
            byte b;
            do {
                b = (byte) (0x21 + r.nextInt(0xff - 0x21));
            } while (b == '/');
            name[j] = b;
        }
        return name;
    }

    private static void writeBlocks(Path img, long[] physical, List<ByteBuffer> blocks) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            for (int i = 0; i < physical.length; i++) {
                byte[] data = new byte[BS];
                blocks.get(i).duplicate().position(0).get(data);
                f.seek(physical[i] * BS);
                f.write(data);
            }
        }
    }

    private void debugfsWrite(Path img, String script) throws IOException {
        Path file = Files.createTempFile(tmp, "debugfs", ".txt");
        Files.writeString(file, script, StandardCharsets.US_ASCII);
        E2fsprogs.Output o = E2fsprogs.ok("debugfs", "-w", "-f", file.toString(), img.toString());
        // debugfs exits 0 even when a command fails; failures are reported on stderr.
        for (String line : o.err().split("\n")) {
            assertTrue(line.isBlank() || line.startsWith("debugfs "), "debugfs: " + o.err());
        }
    }

    private static int inodeOf(Path img, String path) {
        String out = E2fsprogs.ok("debugfs", "-R", "stat " + path, img.toString()).out();
        Matcher m = Pattern.compile("Inode: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    private static String field(String dumpe2fs, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ":\\s*(.*?)\\s*$").matcher(dumpe2fs);
        assertTrue(m.find(), name + " missing from dumpe2fs -h");
        return m.group(1);
    }

    /** Runs the e2fsprogs tools (which often live in /sbin, outside a user's PATH). */
    static final class E2fsprogs {
        record Output(int exit, String out, String err) {
        }

        private E2fsprogs() {
        }

        static Optional<Path> find(String tool) {
            List<String> dirs = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(":")));
            dirs.addAll(List.of("/sbin", "/usr/sbin", "/usr/local/sbin"));
            return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, tool))
                    .filter(Files::isExecutable).findFirst();
        }

        static boolean available(String... tools) {
            return Arrays.stream(tools).allMatch(t -> find(t).isPresent());
        }

        /** Runs a tool; output is decoded as ISO-8859-1 so arbitrary name bytes survive. */
        static Output run(String tool, String... args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(find(tool).orElseThrow().toString());
            cmd.addAll(Arrays.asList(args));
            try {
                Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
                CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
                CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + cmd);
                }
                return new Output(p.exitValue(), new String(out.join(), StandardCharsets.ISO_8859_1),
                        new String(err.join(), StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        static Output ok(String tool, String... args) {
            Output o = run(tool, args);
            assertEquals(0, o.exit(), tool + " " + String.join(" ", args) + ":\n" + o.out() + o.err());
            return o;
        }

        private static byte[] drain(InputStream in) {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
