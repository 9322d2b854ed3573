package io.layerd.lcow.convert;

import io.layerd.core.fs.DirectIo;
import io.layerd.core.fs.Durable;
import io.layerd.core.tar.UncompressedLayer;
import io.layerd.lcow.ext4.Ext4Image;
import io.layerd.lcow.ext4.Ext4Writer;
import io.layerd.lcow.vhd.VhdFooter;
import io.layerd.lcow.verity.BackgroundVerityHashing;
import io.layerd.lcow.verity.VerityTree;
import io.layerd.lcow.verity.VerityTreeBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes an LCOW layer file from a (possibly compressed) layer tar in one pass:
 * {@code [ext4 image][dm-verity superblock + tree][VHD footer]}, the latter two optional.
 *
 * <p>The output appears atomically: everything is written to a temporary file beside it,
 * flushed to disk, then renamed over {@code output}. On any failure the temporary file is
 * deleted, so a failed conversion leaves nothing behind. The ext4 UUID, directory hash seed,
 * verity UUID and VHD unique id are derived from the diffID, so the same tar gives the same bytes.
 */
public final class LayerVhdWriter {
    /** Conversion options; {@code ext4} carries the maximum disk size and inline data. */
    public record Options(boolean convertWhiteouts, boolean verity, boolean vhdFooter, Ext4Writer.Options ext4) {
        public static Options defaults() {
            return new Options(true, false, true, Ext4Writer.Options.defaults());
        }
    }

    /**
     * @param diffId      {@code sha256:<hex>} of the uncompressed tar
     * @param tarBytes    size of the uncompressed tar
     * @param ext4Bytes   size of the ext4 image (the data a VHD footer describes without verity)
     * @param verityRoot  dm-verity root hash in hex, or null
     * @param fileBytes   size of the whole output file
     */
    public record Result(String diffId, long tarBytes, long ext4Bytes, String verityRoot, long fileBytes) {
    }

    private LayerVhdWriter() {
    }

    /**
     * A last look at a finished, flushed layer file before it takes its name, for checks that can
     * only be made once the input is consumed (the blob's own digest). Throwing discards the file.
     */
    @FunctionalInterface
    public interface BeforeRename {
        void check(Result result) throws IOException;
    }

    public static Result write(InputStream layer, Path output, Options options, TarToExt4.Progress progress) throws IOException {
        return write(layer, output, options, progress, r -> {
        });
    }

    public static Result write(InputStream layer, Path output, Options options, TarToExt4.Progress progress,
                               BeforeRename beforeRename) throws IOException {
        Path dir = output.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + output.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            Result r = writeTo(tmp, layer, options, progress, dir);
            beforeRename.check(r);
            Durable.rename(tmp, output);
            Durable.syncDirectory(dir);
            done = true;
            return r;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static Result writeTo(Path file, InputStream layer, Options options, TarToExt4.Progress progress, Path scratch)
            throws IOException {
        try (UncompressedLayer tar = UncompressedLayer.open(layer);
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             // The image's blocks bypass the page cache where the file system allows (see DirectIo).
             FileChannel blocks = DirectIo.open(file, StandardOpenOption.WRITE).orElse(null);
             BackgroundVerityHashing verity = options.verity() ? new BackgroundVerityHashing(new VerityTreeBuilder(scratch)) : null) {
            Ext4Writer writer = new Ext4Writer(ch, blocks == null ? ch : blocks, 0, options.ext4(),
                    verity == null ? null : verity::onBlocks);
            new TarToExt4(writer, options.convertWhiteouts(), progress).convert(tar.tar());
            byte[] digest = tar.diffIdBytes();
            Ext4Image image = writer.finish(uuid(digest, 0), hashSeed(digest));
            long end = image.bytes();
            String root = null;
            if (verity != null) {
                try (VerityTree tree = verity.finish(image.blocks(), uuidOf(uuid(digest, 8)))) {
                    end += tree.writeTo(ch, end);
                    root = tree.rootHashHex();
                }
            }
            if (options.vhdFooter()) {
                ByteBuffer footer = ByteBuffer.allocate(VhdFooter.SIZE);
                VhdFooter.fixed(end, uuidOf(uuid(digest, 16))).writeTo(footer);
                footer.flip();
                long pos = end;
                while (footer.hasRemaining()) {
                    pos += ch.write(footer, pos);
                }
                end = pos;
            }
            ch.truncate(end);
            ch.force(true);
            return new Result(tar.diffId(), tar.size(), image.bytes(), root, end);
        }
    }

    /** 16 bytes of the digest from {@code offset}, stamped as an RFC 4122 name-based (v5-style) UUID. */
    private static byte[] uuid(byte[] digest, int offset) {
        byte[] u = java.util.Arrays.copyOfRange(digest, offset, offset + 16);
        u[6] = (byte) ((u[6] & 0x0f) | 0x50);
        u[8] = (byte) ((u[8] & 0x3f) | 0x80);
        return u;
    }

    private static UUID uuidOf(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b);
        return new UUID(bb.getLong(), bb.getLong());
    }

    private static int[] hashSeed(byte[] digest) {
        ByteBuffer b = ByteBuffer.wrap(digest, 16, 16).order(ByteOrder.LITTLE_ENDIAN);
        return new int[]{b.getInt(), b.getInt(), b.getInt(), b.getInt()};
    }
}
