package io.layerd.cimfs.nativeapi;

/** Flag values of the CimFS functions (cimfs.h, as hcsshim's {@code pkg/cimfs} names them). */
public final class CimFsFlags {
    private CimFsFlags() {
    }

    /** {@code CimMountImage} / merge-mount flags. */
    public static final int MOUNT_NONE = 0x0;
    public static final int MOUNT_ENABLE_DAX = 0x2;
    public static final int MOUNT_BLOCK_DEVICE_CIM = 0x10;
    public static final int MOUNT_SINGLE_FILE_CIM = 0x20;
    public static final int MOUNT_VERIFIED_CIM = 0x80;

    /** {@code CimCreateImage2} flags. */
    public static final int CREATE_NONE = 0x0;
    public static final int CREATE_DO_NOT_EXPAND_PE_IMAGES = 0x1;
    public static final int CREATE_FIXED_SIZE_CHUNKS = 0x2;
    public static final int CREATE_BLOCK_DEVICE_CIM = 0x4;
    public static final int CREATE_SINGLE_FILE_CIM = 0x8;
    public static final int CREATE_CONSISTENT_CIM = 0x10;
    public static final int CREATE_VERIFIED_CIM = 0x40;

    /** {@code CimAddFsToMergedImage2} flags. */
    public static final int MERGE_NONE = 0x0;
    public static final int MERGE_SINGLE_FILE = 0x1;
    public static final int MERGE_BLOCK_DEVICE = 0x2;
    public static final int MERGE_VERIFIED_CIM = 0x4;

    /** Size of the root hash of a sealed block CIM ({@code CimSealImage}, verified mounts). */
    public static final int HASH_SIZE = 32;
}
