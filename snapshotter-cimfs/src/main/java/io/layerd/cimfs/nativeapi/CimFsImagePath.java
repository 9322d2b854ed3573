package io.layerd.cimfs.nativeapi;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

import java.util.List;

/**
 * {@code CIMFS_IMAGE_PATH}: {@code ImageDir} (PCWSTR) at 0 and {@code ImageName} (PCWSTR) at 8,
 * 16 bytes. The merge-mount functions take a contiguous array of them, which {@link #array}
 * builds (JNA passes a {@code Structure[]} made by {@link Structure#toArray} as one block).
 */
@Structure.FieldOrder({"ImageDir", "ImageName"})
public final class CimFsImagePath extends Structure {
    public static final int SIZE = 16;

    public Pointer ImageDir;
    public Pointer ImageName;

    public CimFsImagePath() {
    }

    /**
     * A contiguous array, one element per image: containing path (a directory without trailing
     * separator, or a block CIM's file) and image name. The strings are owned by the elements'
     * fields, so they live as long as the array does.
     */
    public static CimFsImagePath[] array(List<ImageLocation> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("at least one image path");
        }
        CimFsImagePath[] paths = (CimFsImagePath[]) new CimFsImagePath().toArray(images.size());
        for (int i = 0; i < images.size(); i++) {
            Memory dir = WideStrings.encode(NativePaths.hostPath(images.get(i).containing()));
            Memory name = WideStrings.encode(images.get(i).name());
            paths[i].ImageDir = dir;
            paths[i].ImageName = name;
            paths[i].write();
        }
        return paths;
    }
}
