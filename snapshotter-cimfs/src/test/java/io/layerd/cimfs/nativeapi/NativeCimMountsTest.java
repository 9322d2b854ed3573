package io.layerd.cimfs.nativeapi;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link CimMounts} and {@link BlockCimSeals} against the recorder. */
class NativeCimMountsTest {
    private static final UUID VOLUME = UUID.fromString("6827367b-c388-4e9b-961c-6d2c936c0001");
    private static final String VOLUME_BYTES = "7b362768" + "88c3" + "9b4e" + "961c6d2c936c0001";

    @TempDir
    Path dir;
    private NativeRecorder recorder;
    private CimMounts mounts;
    private BlockCimSeals seals;

    @BeforeEach
    void start() throws IOException {
        recorder = NativeRecorder.start(dir);
        CimFsLibraries libs = NativeRecorder.libraries();
        mounts = new CimMounts(libs.mount());
        seals = new BlockCimSeals(libs.writer());
    }

    private static byte[] hash(int first) {
        byte[] h = new byte[32];
        for (int i = 0; i < 32; i++) {
            h[i] = (byte) (first + i);
        }
        return h;
    }

    @Test
    void mountAndDismountAnImageAtAVolumeGuid() throws IOException {
        Path layers = dir.resolve("cim-layers");
        String volume = mounts.mount(ImageLocation.of(layers.resolve("layer1.cim")), VOLUME, CimFsFlags.MOUNT_ENABLE_DAX);
        assertEquals("\\\\?\\Volume{6827367b-c388-4e9b-961c-6d2c936c0001}\\", volume);
        mounts.dismount(VOLUME);
        NativeRecorder.Call mount = recorder.only("CimMountImage");
        assertEquals(layers.toString(), mount.string("dir"));
        assertEquals("layer1.cim", mount.string("name"));
        assertEquals(0x2, mount.number("flags"));
        assertEquals(VOLUME.toString(), mount.raw("guid"));
        assertEquals(VOLUME_BYTES, HexFormat.of().formatHex(mount.bytes("guid.bytes")));
        assertEquals(VOLUME.toString(), recorder.only("CimDismountImage").raw("guid"));
    }

    @Test
    void aGuidInUseIsErrorAlreadyExists() {
        recorder.nextResult("CimMountImage", 0x800700B7);
        CimFsException e = assertThrows(CimFsException.class, () -> mounts.mount(new ImageLocation(dir, "a.cim"), VOLUME, 0));
        assertEquals("CimMountImage(" + dir + " a.cim) failed: HRESULT 0x800700B7 (Win32 error 183)", e.getMessage());
        recorder.nextResult("CimDismountImage", 0x80070490); // ERROR_NOT_FOUND
        CimFsException d = assertThrows(CimFsException.class, () -> mounts.dismount(VOLUME));
        assertEquals("CimDismountImage(\\\\?\\Volume{" + VOLUME + "}\\) failed: HRESULT 0x80070490 (Win32 error 1168)", d.getMessage());
    }

    /** The array is contiguous CIMFS_IMAGE_PATHs: the merged image first, then the sources topmost first. */
    @Test
    void mergeMountPassesTheMergedImageThenItsSources() throws IOException {
        Path a = dir.resolve("snapshots").resolve("5");
        Path b = dir.resolve("snapshots").resolve("Ünï 😀");
        ImageLocation merged = new ImageLocation(a.resolve("merged.bcim"), "merged.cim");
        List<ImageLocation> sources = List.of(new ImageLocation(a.resolve("layer.bcim"), "layer.cim"),
                new ImageLocation(b.resolve("layer.bcim"), "layer.cim"), ImageLocation.of(dir.resolve("base.cim")));
        mounts.mergeMount(merged, sources, VOLUME, CimFsFlags.MOUNT_SINGLE_FILE_CIM);
        NativeRecorder.Call c = recorder.only("CimMergeMountImage");
        assertEquals(4, c.number("count"));
        assertEquals(a.resolve("merged.bcim").toString(), c.string("dir[0]"));
        assertEquals("merged.cim", c.string("name[0]"));
        assertEquals(a.resolve("layer.bcim").toString(), c.string("dir[1]"));
        assertEquals(b.resolve("layer.bcim").toString(), c.string("dir[2]"));
        assertEquals("layer.cim", c.string("name[2]"));
        assertEquals(dir.toString(), c.string("dir[3]"));
        assertEquals("base.cim", c.string("name[3]"));
        assertEquals(0x20, c.number("flags"));
        assertEquals(VOLUME.toString(), c.raw("guid"));
    }

    @Test
    void verifiedMountsPassTheRootHash() throws IOException {
        byte[] root = hash(0x40);
        ImageLocation image = new ImageLocation(dir.resolve("layer.bcim"), "layer.cim");
        mounts.mountVerified(image, VOLUME, CimFsFlags.MOUNT_VERIFIED_CIM | CimFsFlags.MOUNT_SINGLE_FILE_CIM, root);
        NativeRecorder.Call c = recorder.only("CimMountVerifiedImage");
        assertEquals(dir.resolve("layer.bcim").toString(), c.string("path"));
        assertEquals("layer.cim", c.string("fsName"));
        assertEquals(0xA0, c.number("flags"));
        assertEquals(VOLUME.toString(), c.raw("guid"));
        assertEquals(32, c.number("hashSize"));
        assertArrayEquals(root, c.bytes("hash"));

        mounts.mergeMountVerified(new ImageLocation(dir.resolve("m.bcim"), "merged.cim"), List.of(image), VOLUME,
                CimFsFlags.MOUNT_VERIFIED_CIM, root);
        NativeRecorder.Call m = recorder.only("CimMergeMountVerifiedImage");
        assertEquals(2, m.number("count"));
        assertEquals("merged.cim", m.string("name[0]"));
        assertEquals("layer.cim", m.string("name[1]"));
        assertEquals(32, m.number("hashSize"));
        assertArrayEquals(root, m.bytes("hash"));
        assertThrows(IllegalArgumentException.class, () -> mounts.mountVerified(image, VOLUME, 0, new byte[31]));
    }

    @Test
    void sealingReturnsTheRootHashTheDllWrote() throws IOException {
        Path block = dir.resolve("layer.bcim");
        BlockCimSeals.Seal seal = seals.seal(block);
        assertArrayEquals(hash(0xA0), seal.rootHash());
        assertEquals(0x1234, seal.fixedHeaderSize());
        NativeRecorder.Call c = recorder.only("CimSealImage");
        assertEquals(block.toString(), c.string("path"));

        BlockCimSeals.Verification v = seals.verification(block);
        assertEquals(true, v.sealed());
        assertArrayEquals(hash(0x10), v.rootHash());
        assertEquals(0x4321, v.fixedHeaderSize());
        assertEquals(0x99, v.signatureSize());
        assertEquals(true, recorder.only("CimGetVerificationInformation").isNull("signature"));

        recorder.nextResult("CimSealImage", 0x80070005);
        CimFsException e = assertThrows(CimFsException.class, () -> seals.seal(block));
        assertEquals("CimSealImage(" + block + ") failed: HRESULT 0x80070005 (Win32 error 5)", e.getMessage());
    }
}
