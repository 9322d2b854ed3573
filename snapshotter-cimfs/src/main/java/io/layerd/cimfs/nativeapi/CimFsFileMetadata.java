package io.layerd.cimfs.nativeapi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import io.layerd.cimfs.image.CimFileMetadata;

/**
 * {@code CIMFS_FILE_METADATA}, 96 bytes with natural alignment on amd64/arm64:
 *
 * <pre>
 *   0 Attributes (UINT32)            +4 padding
 *   8 FileSize (INT64)
 *  16 CreationTime  24 LastWriteTime  32 ChangeTime  40 LastAccessTime (LARGE_INTEGER, FILETIME)
 *  48 SecurityDescriptorBuffer (const void*)   56 SecurityDescriptorSize (UINT32) +4
 *  64 ReparseDataBuffer (const void*)          72 ReparseDataSize (UINT32) +4
 *  80 EaBuffer (const void*)                   88 EaBufferSize (UINT32, bytes) +4
 * </pre>
 *
 * JNA's default alignment gives exactly these offsets on both Linux and Windows x64 (the test
 * checks them against a C library reading the documented offsets). The buffers are pointers
 * into memory the caller keeps alive for the duration of the {@code CimCreateFile} call.
 */
@Structure.FieldOrder({"Attributes", "FileSize", "CreationTime", "LastWriteTime", "ChangeTime", "LastAccessTime",
        "SecurityDescriptorBuffer", "SecurityDescriptorSize", "ReparseDataBuffer", "ReparseDataSize", "EaBuffer", "EaBufferSize"})
public final class CimFsFileMetadata extends Structure {
    public static final int SIZE = 96;

    public int Attributes;
    public long FileSize;
    public long CreationTime;
    public long LastWriteTime;
    public long ChangeTime;
    public long LastAccessTime;
    public Pointer SecurityDescriptorBuffer;
    public int SecurityDescriptorSize;
    public Pointer ReparseDataBuffer;
    public int ReparseDataSize;
    public Pointer EaBuffer;
    public int EaBufferSize;

    public CimFsFileMetadata() {
    }

    /**
     * The structure for {@code m} with its three buffers at {@code sd}, {@code reparse} and
     * {@code ea} (each {@code null} with size 0 when absent): sizes come from {@code m}.
     */
    public static CimFsFileMetadata of(CimFileMetadata m, Pointer sd, int sdSize, Pointer reparse, Pointer ea) {
        CimFsFileMetadata s = new CimFsFileMetadata();
        s.Attributes = m.attributes();
        s.FileSize = m.size();
        s.CreationTime = m.creationTime();
        s.LastWriteTime = m.lastWriteTime();
        s.ChangeTime = m.changeTime();
        s.LastAccessTime = m.lastAccessTime();
        s.SecurityDescriptorBuffer = sd;
        s.SecurityDescriptorSize = sdSize;
        s.ReparseDataBuffer = reparse;
        s.ReparseDataSize = reparse == null ? 0 : m.reparseData().length;
        s.EaBuffer = ea;
        s.EaBufferSize = ea == null ? 0 : m.extendedAttributes().length;
        s.write();
        return s;
    }
}
