package io.layerd.cimfs.nativeapi;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.layerd.cimfs.image.CimFileMetadata;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JNA declarations against the documented C signatures and layouts, checked through the
 * recorder library: what arrives on the C side is read at the documented offsets and decoded
 * from UTF-16LE there, so a wrong Java type, width, order or layout shows up as a wrong value.
 */
class CimFsBindingsTest {
    private static final Class<?> P = Pointer.class;
    private static final Class<?> PP = PointerByReference.class;
    private static final Class<?> I = int.class;
    private static final Class<?> J = long.class;
    private static final Class<?> LP = LongByReference.class;

    /** §2 of the CimFS reference: every function with its parameters as the bindings must declare them. */
    private static final Map<String, List<Class<?>>> WRITER = new LinkedHashMap<>();
    private static final Map<String, List<Class<?>>> MOUNT = new LinkedHashMap<>();

    static {
        WRITER.put("CimCreateImage", List.of(P, P, P, PP));
        WRITER.put("CimCreateImage2", List.of(P, I, P, P, PP));
        WRITER.put("CimCloseImage", List.of(P));
        WRITER.put("CimCommitImage", List.of(P));
        WRITER.put("CimCreateFile", List.of(P, P, CimFsFileMetadata.class, PP));
        WRITER.put("CimCloseStream", List.of(P));
        WRITER.put("CimWriteStream", List.of(P, P, I));
        WRITER.put("CimDeletePath", List.of(P, P));
        WRITER.put("CimCreateHardLink", List.of(P, P, P));
        WRITER.put("CimCreateAlternateStream", List.of(P, P, J, PP));
        WRITER.put("CimAddFsToMergedImage", List.of(P, P));
        WRITER.put("CimAddFsToMergedImage2", List.of(P, P, I));
        WRITER.put("CimTombstoneFile", List.of(P, P));
        WRITER.put("CimCreateMergeLink", List.of(P, P, P));
        WRITER.put("CimSealImage", List.of(P, LP, LP, P));
        WRITER.put("CimGetVerificationInformation", List.of(P, IntByReference.class, LP, LP, LP, P, P));
        MOUNT.put("CimMountImage", List.of(P, P, I, CimFsGuid.class));
        MOUNT.put("CimDismountImage", List.of(CimFsGuid.class));
        MOUNT.put("CimMergeMountImage", List.of(I, CimFsImagePath[].class, I, CimFsGuid.class));
        MOUNT.put("CimMountVerifiedImage", List.of(P, P, I, CimFsGuid.class, short.class, P));
        MOUNT.put("CimMergeMountVerifiedImage", List.of(I, CimFsImagePath[].class, I, CimFsGuid.class, short.class, P));
    }

    @TempDir
    Path dir;
    private NativeRecorder recorder;

    @BeforeEach
    void start() {
        recorder = NativeRecorder.start(dir);
    }

    @Test
    void everyFunctionOfTheReferenceIsDeclaredWithItsCTypes() {
        assertEquals(21, WRITER.size() + MOUNT.size());
        assertDeclares(CimWriterApi.class, WRITER);
        assertDeclares(CimMountApi.class, MOUNT);
        for (Method m : CimWriterApi.class.getDeclaredMethods()) {
            assertEquals(m.getName().equals("CimCloseImage") ? void.class : int.class, m.getReturnType(), m.getName() + " returns");
        }
        for (Method m : CimMountApi.class.getDeclaredMethods()) {
            assertEquals(int.class, m.getReturnType(), m.getName() + " returns an HRESULT");
        }
    }

    private static void assertDeclares(Class<?> api, Map<String, List<Class<?>>> expected) {
        Map<String, List<Class<?>>> declared = Arrays.stream(api.getDeclaredMethods())
                .collect(Collectors.toMap(Method::getName, m -> List.of(m.getParameterTypes())));
        assertEquals(expected, declared, api.getSimpleName());
    }

    @Test
    void theRecorderExportsEveryBoundFunction() {
        NativeLibrary library = NativeLibrary.getInstance(NativeRecorder.library().toString());
        for (Class<?> api : bindings()) {
            for (Method m : api.getDeclaredMethods()) {
                assertNotEquals(null, library.getFunction(m.getName()), m.getName());
            }
        }
    }

    private static List<Class<? extends Library>> bindings() {
        return List.of(CimWriterApi.class, CimMountApi.class, OffregApi.class, WindowsVersion.Ntdll.class, WindowsVersion.Advapi32.class);
    }

    /** Each bound function called once, straight through its interface: all of them reach the library. */
    @Test
    void everyBoundFunctionReachesTheLibrary() throws IOException {
        CimFsLibraries libs = NativeRecorder.libraries();
        CimWriterApi w = libs.writer();
        CimMountApi m = libs.mount();
        PointerByReference image = new PointerByReference();
        PointerByReference stream = new PointerByReference();
        Memory d = WideStrings.encode("C:\\layers");
        Memory n = WideStrings.encode("a.cim");
        Memory p = WideStrings.encode("Files\\a");
        Memory q = WideStrings.encode("Files\\b");
        CimFsGuid guid = new CimFsGuid(UUID.randomUUID());
        Memory hash = new Memory(32);
        hash.clear();
        assertEquals(0, w.CimCreateImage(d, null, n, image));
        assertEquals(0, w.CimCreateImage2(d, CimFsFlags.CREATE_SINGLE_FILE_CIM, null, n, image));
        Pointer h = image.getValue();
        CimFsFileMetadata meta = new CimFsFileMetadata();
        assertEquals(0, w.CimCreateFile(h, p, meta, stream));
        assertEquals(0, w.CimWriteStream(stream.getValue(), hash, 32));
        assertEquals(0, w.CimCloseStream(stream.getValue()));
        assertEquals(0, w.CimCreateAlternateStream(h, WideStrings.encode("Files\\a:s"), 1, stream));
        assertEquals(0, w.CimCreateHardLink(h, q, p));
        assertEquals(0, w.CimCreateMergeLink(h, q, p));
        assertEquals(0, w.CimDeletePath(h, q));
        assertEquals(0, w.CimTombstoneFile(h, q));
        assertEquals(0, w.CimAddFsToMergedImage(h, d));
        assertEquals(0, w.CimAddFsToMergedImage2(h, d, CimFsFlags.MERGE_SINGLE_FILE));
        assertEquals(0, w.CimCommitImage(h));
        w.CimCloseImage(h);
        assertEquals(0, w.CimSealImage(d, new LongByReference(), new LongByReference(), hash));
        assertEquals(0, w.CimGetVerificationInformation(d, new IntByReference(), new LongByReference(), new LongByReference(),
                new LongByReference(), hash, null));
        assertEquals(0, m.CimMountImage(d, n, 0, guid));
        assertEquals(0, m.CimDismountImage(guid));
        CimFsImagePath[] paths = CimFsImagePath.array(List.of(new ImageLocation(dir, "a.cim")));
        assertEquals(0, m.CimMergeMountImage(1, paths, 0, guid));
        assertEquals(0, m.CimMountVerifiedImage(d, n, 0, guid, (short) 32, hash));
        assertEquals(0, m.CimMergeMountVerifiedImage(1, paths, 0, guid, (short) 32, hash));
        OffregApi offreg = NativeRecorder.bind(OffregApi.class);
        PointerByReference hive = new PointerByReference();
        assertEquals(0, offreg.OROpenHive(d, hive));
        assertEquals(0, offreg.ORMergeHives(new Pointer[] {hive.getValue()}, 1, hive));
        assertEquals(0, offreg.ORSaveHive(hive.getValue(), d, 10, 0));
        assertEquals(0, offreg.ORCloseHive(hive.getValue()));
        WindowsVersion.read(NativeRecorder.bind(WindowsVersion.Ntdll.class), NativeRecorder.bind(WindowsVersion.Advapi32.class));

        Set<String> declared = new TreeSet<>();
        bindings().forEach(api -> Arrays.stream(api.getDeclaredMethods()).forEach(x -> declared.add(x.getName())));
        assertEquals(declared, new TreeSet<>(recorder.functions()));
        assertTrue(recorder.calls().stream().allMatch(c -> c.result() == 0), recorder.calls().toString());
    }

    @Test
    void structuresHaveTheDocumentedSizesOnBothSides() {
        assertEquals(CimFsFileMetadata.SIZE, new CimFsFileMetadata().size());
        assertEquals(CimFsImagePath.SIZE, new CimFsImagePath().size());
        assertEquals(CimFsGuid.SIZE, new CimFsGuid().size());
        NativeRecorder.Control c = recorder.control();
        assertEquals(96, c.recorder_sizeof_file_metadata());
        assertEquals(16, c.recorder_sizeof_image_path());
        assertEquals(16, c.recorder_sizeof_guid());
    }

    /** The Java side's own memory, read at the documented offsets. */
    @Test
    void fileMetadataFieldsSitAtTheDocumentedOffsets() {
        Memory sd = new Memory(1);
        Memory reparse = new Memory(1);
        Memory ea = new Memory(1);
        CimFileMetadata m = new CimFileMetadata(0x7E57A77F, 0x1122334455667788L, 0x0101010101010101L, 0x0202020202020202L,
                0x0303030303030303L, -4L, new byte[3], new byte[5], new byte[7]);
        CimFsFileMetadata s = CimFsFileMetadata.of(m, sd, 3, reparse, ea);
        Pointer raw = s.getPointer();
        assertEquals(0x7E57A77F, raw.getInt(0));
        assertEquals(0, raw.getInt(4));
        assertEquals(0x1122334455667788L, raw.getLong(8));
        assertEquals(0x0101010101010101L, raw.getLong(16));
        assertEquals(0x0202020202020202L, raw.getLong(24));
        assertEquals(0x0303030303030303L, raw.getLong(32));
        assertEquals(-4L, raw.getLong(40));
        assertEquals(NativeRecorder.value(sd), raw.getLong(48));
        assertEquals(3, raw.getInt(56));
        assertEquals(NativeRecorder.value(reparse), raw.getLong(64));
        assertEquals(5, raw.getInt(72));
        assertEquals(NativeRecorder.value(ea), raw.getLong(80));
        assertEquals(7, raw.getInt(88));
    }

    @Test
    void nullAndEmptyImageNamesArriveDifferently() throws IOException {
        CimWriterApi w = NativeRecorder.libraries().writer();
        PointerByReference image = new PointerByReference();
        w.CimCreateImage(WideStrings.encode("C:\\x"), null, WideStrings.encode(""), image);
        w.CimCreateImage(WideStrings.encode("C:\\x"), WideStrings.encode(""), null, image);
        List<NativeRecorder.Call> calls = recorder.all("CimCreateImage");
        assertNull(calls.get(0).string("existing"));
        assertEquals("", calls.get(0).string("name"));
        assertEquals("", calls.get(1).string("existing"));
        assertNull(calls.get(1).string("name"));
    }

    @Test
    void wideStringsCarryEveryPlaneAndLoneSurrogatesUnchanged() throws IOException {
        CimWriterApi w = NativeRecorder.libraries().writer();
        List<String> names = List.of("Files\\Ünïcødé\\日本語\\файл.txt", "Files\\😀\\𝄞 clef.txt", "Files\\lone\uD800surrogate", "Files\\end\uDC00");
        for (String name : names) {
            w.CimDeletePath(new Pointer(0x1234), WideStrings.encode(name));
        }
        assertEquals(names, recorder.all("CimDeletePath").stream().map(c -> c.string("path")).toList());
        Memory emoji = WideStrings.encode("😀");
        assertEquals(6, emoji.size(), "one surrogate pair and the NUL unit");
        assertArrayEquals(new byte[] {0x3D, (byte) 0xD8, 0x00, (byte) 0xDE, 0, 0}, emoji.getByteArray(0, 6));
        assertEquals("Files\\😀", WideStrings.decode(WideStrings.encode("Files\\😀")));
        assertNull(WideStrings.encode(null));
        assertThrows(IllegalArgumentException.class, () -> WideStrings.encode("a\0b"));
    }

    @Test
    void guidsArriveInWindowsByteOrder() throws IOException {
        UUID id = UUID.fromString("a42e7cda-d03f-480c-9cc2-a4de20abb878");
        CimFsGuid guid = new CimFsGuid(id);
        assertArrayEquals(HexFormat.of().parseHex("da7c2ea43fd00c489cc2a4de20abb878"), guid.getPointer().getByteArray(0, 16));
        assertEquals(id, guid.toUuid());
        NativeRecorder.libraries().mount().CimDismountImage(guid);
        NativeRecorder.Call c = recorder.only("CimDismountImage");
        assertEquals(id.toString(), c.raw("guid"));
        assertEquals("da7c2ea43fd00c489cc2a4de20abb878", HexFormat.of().formatHex(c.bytes("guid.bytes")));
    }

    @Test
    void handlesAboveFourGigabytesComeBackWhole() throws IOException {
        CimWriterApi w = NativeRecorder.libraries().writer();
        PointerByReference image = new PointerByReference();
        assertEquals(0, w.CimCreateImage(WideStrings.encode("C:\\x"), null, WideStrings.encode("a.cim"), image));
        long handle = NativeRecorder.value(image.getValue());
        assertEquals(0x7a1100000001L, handle);
        w.CimCommitImage(image.getValue());
        w.CimCloseImage(image.getValue());
        assertEquals(handle, recorder.only("CimCreateImage").pointer("handle"));
        assertEquals(handle, recorder.only("CimCommitImage").pointer("image"));
        assertEquals(handle, recorder.only("CimCloseImage").pointer("image"));
    }

    @Test
    void aFunctionTheDllLacksFailsNamingIt() throws IOException {
        // A library that loads (so "CimFS is available") but exports no CimFS function: the JDK's
        // own libjava (not libc: JNA opens "c" as the whole process, where the recorder is loaded).
        String other = Path.of(System.getProperty("java.home"), "lib", System.mapLibraryName("java")).toString();
        CimFsLibraries libc = CimFsLibraries.load(other, null);
        MissingExportException e = assertThrows(MissingExportException.class,
                () -> libc.writer().CimSealImage(null, new LongByReference(), new LongByReference(), null));
        assertEquals("CimSealImage", e.function());
        assertTrue(e.getMessage().equals("CimSealImage is not exported by " + other + " (this Windows build does not have it)"), e.getMessage());
        MissingExportException mount = assertThrows(MissingExportException.class, () -> libc.mount().CimDismountImage(new CimFsGuid()));
        assertEquals("CimDismountImage", mount.function());
    }

    @Test
    void writerFunctionsComeFromCimwriterWhenItLoadsElseFromCimfs() throws IOException {
        String recorderPath = NativeRecorder.library().toString();
        CimFsLibraries both = CimFsLibraries.load(recorderPath, recorderPath);
        assertEquals(recorderPath, both.writerLibrary());
        assertEquals(recorderPath, both.mountLibrary());
        String missing = dir.resolve("cimwriter.dll").toString();
        CimFsLibraries fallback = CimFsLibraries.load(recorderPath, missing);
        assertEquals(recorderPath, fallback.writerLibrary());
        assertEquals(recorderPath, CimFsLibraries.load(recorderPath, null).writerLibrary());
        IOException e = assertThrows(IOException.class, () -> CimFsLibraries.load(dir.resolve("cimfs.dll").toString(), recorderPath));
        assertTrue(e.getMessage().startsWith("CimFS is not available: cannot load " + dir.resolve("cimfs.dll")), e.getMessage());
    }

    @Test
    void systemLibrariesAreRefusedOffWindows() {
        if (Platform.isWindows()) {
            return; // on Windows the System32 DLLs are the real thing; this host check is for the others
        }
        IOException e = assertThrows(IOException.class, CimFsLibraries::system);
        assertTrue(e.getMessage().startsWith("CimFS needs Windows; this host runs "), e.getMessage());
    }

    @Test
    void onlyFixedWidthTypesCrossTheBoundary() {
        Set<Class<?>> allowed = Set.of(int.class, short.class, long.class, void.class, Pointer.class, PointerByReference.class,
                IntByReference.class, LongByReference.class, CimFsFileMetadata.class, CimFsGuid.class, CimFsImagePath[].class, Pointer[].class);
        for (Class<?> api : bindings()) {
            for (Method m : api.getDeclaredMethods()) {
                assertTrue(allowed.contains(m.getReturnType()), m + " returns " + m.getReturnType());
                Stream.of(m.getParameterTypes()).forEach(t -> assertTrue(allowed.contains(t), m + " takes " + t));
            }
        }
    }
}
