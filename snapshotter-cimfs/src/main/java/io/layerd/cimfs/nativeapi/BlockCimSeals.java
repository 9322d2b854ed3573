package io.layerd.cimfs.nativeapi;

import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Sealing a block CIM (no more changes; a root hash over it is written into its block header)
 * and reading that verification data back, through the writer library. The hash is always 32
 * bytes; a different size reported by the DLL is an error, as in hcsshim.
 */
public final class BlockCimSeals {
    private final CimWriterApi api;

    public BlockCimSeals(CimWriterApi api) {
        this.api = api;
    }

    /** What sealing produced. */
    public record Seal(byte[] rootHash, long fixedHeaderSize) {
    }

    /** A block CIM's verification data; the signature itself is not read. */
    public record Verification(boolean sealed, byte[] rootHash, long fixedHeaderSize, long signatureSize) {
    }

    /** Seals the block CIM file or device {@code blockCim}. */
    public Seal seal(Path blockCim) throws IOException {
        String path = NativePaths.hostPath(blockCim);
        LongByReference hashSize = new LongByReference();
        LongByReference fixedHeaderSize = new LongByReference();
        Memory hash = new Memory(CimFsFlags.HASH_SIZE);
        hash.clear();
        CimFsException.check(api.CimSealImage(WideStrings.encode(path), hashSize, fixedHeaderSize, hash), "CimSealImage", path);
        return new Seal(hashOf(hash, hashSize.getValue(), path), fixedHeaderSize.getValue());
    }

    public Verification verification(Path blockCim) throws IOException {
        String path = NativePaths.hostPath(blockCim);
        IntByReference sealed = new IntByReference();
        LongByReference hashSize = new LongByReference();
        LongByReference signatureSize = new LongByReference();
        LongByReference fixedHeaderSize = new LongByReference();
        Memory hash = new Memory(CimFsFlags.HASH_SIZE);
        hash.clear();
        CimFsException.check(api.CimGetVerificationInformation(WideStrings.encode(path), sealed, hashSize, signatureSize, fixedHeaderSize,
                hash, null), "CimGetVerificationInformation", path);
        return new Verification(sealed.getValue() != 0, hashOf(hash, hashSize.getValue(), path), fixedHeaderSize.getValue(),
                signatureSize.getValue());
    }

    private static byte[] hashOf(Memory hash, long size, String path) throws IOException {
        if (size != CimFsFlags.HASH_SIZE) {
            throw new IOException(path + ": unexpected CIM hash size " + size + " (expected " + CimFsFlags.HASH_SIZE + ")");
        }
        return hash.getByteArray(0, CimFsFlags.HASH_SIZE);
    }
}
