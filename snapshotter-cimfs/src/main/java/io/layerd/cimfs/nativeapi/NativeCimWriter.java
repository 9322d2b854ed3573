package io.layerd.cimfs.nativeapi;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.layerd.cimfs.image.CimFileMetadata;
import io.layerd.cimfs.image.CimImageWriter;
import io.layerd.cimfs.image.DeclaredSizeStream;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.ref.Reference;
import java.nio.file.Path;

/**
 * A {@link CimImageWriter} over CimFS's writer functions ({@code cimwriter.dll} or
 * {@code cimfs.dll}), with the same contract as layerd's portable writer: a file's stream takes
 * exactly its declared size, one stream is open at a time, and closing without a commit leaves
 * no image. Opened by {@link NativeCimWriters}. Not thread-safe (neither is the DLL's image
 * handle, which allows one open stream).
 *
 * <p>What the DLL is given follows hcsshim's writer: paths {@code \}-separated without a trailing
 * {@code \}; an empty security descriptor replaced by a null-DACL one, because an empty one
 * "creates a CIM in a weird state"; data in chunks of at most {@link #CHUNK} bytes (the call takes
 * a UINT32 length). Closing without a commit calls {@code CimCloseImage} — which discards the
 * image — and then removes a {@code .cim} of this name and its own region files should the DLL
 * have left any ({@link UncommittedImageFiles}); a name that existed before the image was created
 * is never removed.
 */
public final class NativeCimWriter implements CimImageWriter {
    /** Bytes per {@code CimWriteStream} call: well under UINT32, and one native buffer of this size per writer. */
    public static final int CHUNK = 1 << 20;

    /**
     * "D:NO_ACCESS_CONTROL": revision 1, control SE_SELF_RELATIVE | SE_DACL_PRESENT with no DACL
     * (a null DACL grants everyone access), no owner, group or SACL: 20 bytes.
     */
    static final byte[] NULL_DACL = {1, 0, 4, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    private final CimWriterApi api;
    private final Path dir;
    private final String name;
    private final String image;
    private final boolean removeIfUncommitted;
    private Pointer handle;
    private NativeStream open;
    private Memory chunk;
    private boolean committed;
    private boolean closed;

    NativeCimWriter(CimWriterApi api, Path dir, String name, Pointer handle, boolean removeIfUncommitted) {
        this.api = api;
        this.dir = dir;
        this.name = name;
        this.image = NativePaths.hostPath(dir.resolve(name));
        this.handle = handle;
        this.removeIfUncommitted = removeIfUncommitted;
    }

    /** The image file this writer makes: the containing path and the image name, as the DLL was given them. */
    public String image() {
        return image;
    }

    @Override
    public OutputStream createFile(String path, CimFileMetadata metadata) throws IOException {
        String p = usable(path);
        byte[] sdBytes = metadata.securityDescriptor().length == 0 ? NULL_DACL : metadata.securityDescriptor();
        Memory sd = copy(sdBytes);
        Memory reparse = copy(metadata.reparseData());
        Memory ea = copy(metadata.extendedAttributes());
        CimFsFileMetadata m = CimFsFileMetadata.of(metadata, sd, sdBytes.length, reparse, ea);
        Memory wide = WideStrings.encode(p);
        PointerByReference stream = new PointerByReference();
        try {
            CimFsException.check(api.CimCreateFile(handle, wide, m, stream), "CimCreateFile", p);
        } finally {
            // The structure holds only addresses: the buffers must outlive the call.
            Reference.reachabilityFence(sd);
            Reference.reachabilityFence(reparse);
            Reference.reachabilityFence(ea);
            Reference.reachabilityFence(wide);
        }
        return stream(p, stream.getValue(), metadata.isDirectory() ? 0 : metadata.size(), "CimCreateFile");
    }

    @Override
    public OutputStream createAlternateStream(String path, long size) throws IOException {
        String p = usable(path);
        int colon = p.lastIndexOf(':');
        if (colon <= p.lastIndexOf('\\') + 1 || colon == p.length() - 1) {
            throw new IOException("\"" + path + "\": an alternate stream is named file:stream");
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        PointerByReference stream = new PointerByReference();
        Memory wide = WideStrings.encode(p);
        CimFsException.check(api.CimCreateAlternateStream(handle, wide, size, stream), "CimCreateAlternateStream", p);
        return stream(p, stream.getValue(), size, "CimCreateAlternateStream");
    }

    @Override
    public void createHardLink(String newPath, String existingPath) throws IOException {
        String n = usable(newPath);
        String o = NativePaths.imagePath(existingPath);
        CimFsException.check(api.CimCreateHardLink(handle, WideStrings.encode(n), WideStrings.encode(o)), "CimCreateHardLink", n + " -> " + o);
    }

    @Override
    public void deletePath(String path) throws IOException {
        String p = usable(path);
        CimFsException.check(api.CimDeletePath(handle, WideStrings.encode(p)), "CimDeletePath", p);
    }

    /** A tombstone: {@code path} of lower images is hidden when this image is merged above them. */
    public void tombstone(String path) throws IOException {
        String p = usable(path);
        CimFsException.check(api.CimTombstoneFile(handle, WideStrings.encode(p)), "CimTombstoneFile", p);
    }

    /** A hard link resolved when images are merged, so {@code existingPath} may live in another image. */
    public void createMergeLink(String newPath, String existingPath) throws IOException {
        String n = usable(newPath);
        String o = NativePaths.imagePath(existingPath);
        CimFsException.check(api.CimCreateMergeLink(handle, WideStrings.encode(n), WideStrings.encode(o)), "CimCreateMergeLink", n + " -> " + o);
    }

    /** Adds a source image to this merged image; sources go topmost first, base last. */
    public void addFsToMergedImage(Path cim) throws IOException {
        String s = NativePaths.hostPath(cim);
        requireNoOpenStream(s);
        CimFsException.check(api.CimAddFsToMergedImage(handle, WideStrings.encode(s)), "CimAddFsToMergedImage", s);
    }

    /** {@link #addFsToMergedImage(Path)} with merge flags ({@link CimFsFlags}{@code .MERGE_*}), for block CIMs. */
    public void addFsToMergedImage(Path cim, int mergeFlags) throws IOException {
        String s = NativePaths.hostPath(cim);
        requireNoOpenStream(s);
        CimFsException.check(api.CimAddFsToMergedImage2(handle, WideStrings.encode(s), mergeFlags), "CimAddFsToMergedImage2", s);
    }

    @Override
    public void commit() throws IOException {
        requireNoOpenStream("commit");
        CimFsException.check(api.CimCommitImage(handle), "CimCommitImage", image);
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (open != null) {
            // Abandoned mid-file: the image is being discarded, so the stream's result does not matter.
            Pointer stream = open.handle;
            open = null;
            api.CimCloseStream(stream);
        }
        api.CimCloseImage(handle);
        handle = null;
        if (!committed && removeIfUncommitted) {
            UncommittedImageFiles.delete(dir, name);
        }
    }

    /** The stream a caller writes {@code size} bytes to; one with nothing to write is closed at once. */
    private OutputStream stream(String path, Pointer stream, long size, String function) throws IOException {
        if (size == 0) {
            if (stream != null) {
                CimFsException.check(api.CimCloseStream(stream), "CimCloseStream", path);
            }
            return OutputStream.nullOutputStream();
        }
        if (stream == null) {
            throw new IOException(function + "(" + path + ") returned no stream handle for " + size + " bytes");
        }
        open = new NativeStream(path, stream, size);
        return open;
    }

    /** Exactly the declared bytes of one file or alternate stream, passed on in chunks. */
    private final class NativeStream extends DeclaredSizeStream {
        private final Pointer handle;

        NativeStream(String path, Pointer handle, long size) {
            super(path, size);
            this.handle = handle;
        }

        @Override
        protected void accept(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, CHUNK);
                Memory buffer = buffer(n);
                buffer.write(0, b, off, n);
                CimFsException.check(api.CimWriteStream(handle, buffer, n), "CimWriteStream", path);
                off += n;
                len -= n;
            }
        }

        /** The native stream is closed in any case; a short write is reported before a failed close. */
        @Override
        protected void end(boolean complete) throws IOException {
            open = null;
            CimFsException.check(api.CimCloseStream(handle), "CimCloseStream", path);
        }
    }

    private Memory buffer(int n) {
        if (chunk == null || chunk.size() < n) {
            chunk = new Memory(n);
        }
        return chunk;
    }

    private static Memory copy(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        Memory m = new Memory(bytes.length);
        m.write(0, bytes, 0, bytes.length);
        return m;
    }

    /** The path as the DLL gets it, after checking the writer can take another call. */
    private String usable(String path) throws IOException {
        requireNoOpenStream(path);
        return NativePaths.imagePath(path);
    }

    private void requireNoOpenStream(String what) throws IOException {
        if (closed || committed) {
            throw new IOException(what + ": the image " + image + " is " + (committed ? "committed" : "closed"));
        }
        if (open != null) {
            throw new IOException(what + ": the stream of \"" + open.path() + "\" is still open (one stream at a time)");
        }
    }
}
