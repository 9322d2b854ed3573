package io.layerd.cimfs.image;

import io.layerd.cimfs.format.FilesystemHeader;
import io.layerd.cimfs.format.RegionSet;
import io.layerd.core.fs.Durable;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The files that make up CIM images in a directory: an image is its {@code .cim} file plus the
 * region and objectid files of its own region set (a forked image's parents' files belong to
 * the parents). Removing an image deletes the {@code .cim} first, so a crash in between leaves
 * only region files no image refers to — which {@link #orphans} finds.
 */
public final class CimFiles {
    private static final String TEMP_DATA_PREFIX = ".cim-data-";

    private CimFiles() {
    }

    /** {@code cim} and the region and objectid files of its own region set. */
    public static List<Path> ownFiles(Path cim) throws IOException {
        Path dir = cim.toAbsolutePath().getParent();
        RegionSet regions = CimReader.header(cim).regions();
        List<Path> files = new ArrayList<>();
        files.add(cim);
        for (int i = 0; i < regions.count(); i++) {
            files.add(dir.resolve(regions.regionFile(i)));
            files.add(dir.resolve(regions.objectIdFile(i)));
        }
        return files;
    }

    /** Bytes on disk (region files may be sparse) and count of {@code cim}'s own files, from one read of its header. */
    public static io.layerd.core.snapshot.Usage usage(Path cim) throws IOException {
        long bytes = 0;
        long files = 0;
        for (Path p : ownFiles(cim)) {
            if (Files.exists(p)) {
                bytes += io.layerd.core.fs.DiskUsage.of(p).size();
                files++;
            }
        }
        return new io.layerd.core.snapshot.Usage(bytes, files);
    }

    /**
     * Deletes image {@code cim} and those of its own region files no other image in the directory
     * lists: two images imported from the same input share their region files (same content, same
     * names). A missing image is not an error.
     */
    public static void destroy(Path cim) throws IOException {
        if (!Files.exists(cim)) {
            return;
        }
        List<Path> files = ownFiles(cim);
        Files.delete(cim);
        Path dir = cim.toAbsolutePath().getParent();
        Durable.syncDirectory(dir);
        Set<String> stillListed = referenced(dir);
        for (Path p : files.subList(1, files.size())) {
            if (!stillListed.contains(p.getFileName().toString())) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Region and objectid file names the images in {@code dir} list, their own and their parents'. */
    private static Set<String> referenced(Path dir) throws IOException {
        Set<String> referenced = new HashSet<>();
        try (DirectoryStream<Path> cims = Files.newDirectoryStream(dir, "*.cim")) {
            for (Path p : cims) {
                if (p.getFileName().toString().startsWith(".")) {
                    continue;
                }
                FilesystemHeader h;
                try {
                    h = CimReader.header(p);
                } catch (IOException | RuntimeException damaged) {
                    continue; // not ours to judge: a damaged image is reported when it is used
                }
                List<RegionSet> sets = new ArrayList<>(h.parents());
                sets.add(h.regions());
                for (RegionSet s : sets) {
                    for (int i = 0; i < s.count(); i++) {
                        referenced.add(s.regionFile(i));
                        referenced.add(s.objectIdFile(i));
                    }
                }
            }
        }
        return referenced;
    }

    /**
     * Files in {@code dir} that belong to no image there: region and objectid files no {@code
     * .cim} lists (its own or as a parent), and writers' temporary files. Only meaningful while no
     * writer is working in {@code dir}.
     */
    public static List<Path> orphans(Path dir) throws IOException {
        Set<String> referenced = referenced(dir);
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith("region_") || name.startsWith("objectid_") || name.startsWith(TEMP_DATA_PREFIX)
                        || Durable.isAtomicWriteLeftover(p)) {
                    candidates.add(p);
                }
            }
        }
        candidates.removeIf(p -> referenced.contains(p.getFileName().toString()));
        return candidates;
    }
}
