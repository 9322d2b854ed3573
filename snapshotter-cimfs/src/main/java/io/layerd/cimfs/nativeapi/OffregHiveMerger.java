package io.layerd.cimfs.nativeapi;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds a non-base layer's registry hives as hcsshim's CIM layer import does: a layer tar
 * carries only {@code Hives\<X>_DELTA}; the full hive of the layer, {@code Hives\<X>_BASE}, is
 * the parent layer's {@code <X>_BASE} with that delta merged over it (offreg {@code ORMergeHives}),
 * saved for the host's OS version. The result then goes into the layer's CIM as well.
 */
public final class OffregHiveMerger implements io.layerd.cimfs.wclayer.HiveMerger {
    /** The hive names: SYSTEM, SOFTWARE, SAM, SECURITY keep their names; DEFAULT becomes DEFAULTUSER. */
    public static final List<String> HIVES = List.of("SYSTEM", "SOFTWARE", "SAM", "SECURITY", "DEFAULTUSER");

    private final OffregApi api;
    private final int osMajor;
    private final int osMinor;

    /** {@code osMajor}/{@code osMinor}: the version {@code ORSaveHive} writes the format for (the host's, e.g. 10.0). */
    public OffregHiveMerger(OffregApi api, int osMajor, int osMinor) {
        this.api = api;
        this.osMajor = osMajor;
        this.osMinor = osMinor;
    }

    /**
     * For each {@code Hives\<X>_DELTA} in {@code layer}, writes {@code layer\Hives\<X>_BASE} from
     * {@code parentLayer\Hives\<X>_BASE} and the delta. Returns the hives written, in {@link #HIVES} order.
     */
    public List<Path> mergeLayer(Path parentLayer, Path layer) throws IOException {
        List<Path> written = new ArrayList<>();
        for (String hive : HIVES) {
            Path delta = layer.resolve("Hives").resolve(hive + "_DELTA");
            if (Files.exists(delta)) {
                Path base = layer.resolve("Hives").resolve(hive + "_BASE");
                merge(parentLayer.resolve("Hives").resolve(hive + "_BASE"), delta, base);
                written.add(base);
            }
        }
        return written;
    }

    /**
     * Saves {@code base} with {@code delta} merged over it as {@code merged}, which must not
     * exist yet. Every hive opened is closed again, also on failure; the first error is thrown
     * and later ones are attached as suppressed.
     */
    @Override
    public void merge(Path base, Path delta, Path merged) throws IOException {
        List<Pointer> open = new ArrayList<>();
        IOException failure = null;
        try {
            Pointer baseHive = openHive(base);
            open.add(baseHive);
            Pointer deltaHive = openHive(delta);
            open.add(deltaHive);
            PointerByReference result = new PointerByReference();
            OffregException.check(api.ORMergeHives(new Pointer[] {baseHive, deltaHive}, 2, result), "ORMergeHives",
                    NativePaths.hostPath(base) + " + " + NativePaths.hostPath(delta));
            open.add(result.getValue());
            String target = NativePaths.hostPath(merged);
            OffregException.check(api.ORSaveHive(result.getValue(), WideStrings.encode(target), osMajor, osMinor), "ORSaveHive", target);
        } catch (IOException e) {
            failure = e;
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            int error = api.ORCloseHive(open.get(i));
            if (error != 0) {
                OffregException e = new OffregException("ORCloseHive", "0x" + Long.toHexString(Pointer.nativeValue(open.get(i))), error);
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private Pointer openHive(Path hive) throws IOException {
        String path = NativePaths.hostPath(hive);
        PointerByReference handle = new PointerByReference();
        OffregException.check(api.OROpenHive(WideStrings.encode(path), handle), "OROpenHive", path);
        return handle.getValue();
    }
}
