package io.layerd.cimfs.image;

/**
 * What {@code CimCreateFile} takes for one file ({@code CIMFS_FILE_METADATA}): Win32 attributes,
 * the size of its default stream, the four times (FILETIME: 100 ns since 1601), and the raw
 * security descriptor, reparse buffer and FILE_FULL_EA_INFORMATION chain (empty: none).
 */
public record CimFileMetadata(int attributes, long size, long creationTime, long lastWriteTime, long changeTime, long lastAccessTime,
                              byte[] securityDescriptor, byte[] reparseData, byte[] extendedAttributes) {
    public static final int FILE_ATTRIBUTE_DIRECTORY = 0x10;

    public CimFileMetadata {
        securityDescriptor = securityDescriptor == null ? new byte[0] : securityDescriptor.clone();
        reparseData = reparseData == null ? new byte[0] : reparseData.clone();
        extendedAttributes = extendedAttributes == null ? new byte[0] : extendedAttributes.clone();
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
    }

    public boolean isDirectory() {
        return (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    }
}
