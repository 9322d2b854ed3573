package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.MountResponse;
import io.layerd.api.servicevm.v1.OverlaySource;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * mount (ext4 disks and overlays of earlier mounts) and unmount, with the system's mount and
 * umount programs (busybox in the VM), at {@code <mount root>/<name>}.
 */
final class MountOperations {
    /** Mount options reach mount(8) as one -o argument: no characters that could mean more. */
    private static final Pattern OPTION = Pattern.compile("[a-z0-9_=,.-]+");
    /** Directories inside the upper mount: relative, plain names, no "." or "..". */
    private static final Pattern SUBDIR = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

    private final MountPoints mounts;
    private final BlockDevices devices;
    private final CommandRunner commands;

    MountOperations(MountPoints mounts, BlockDevices devices, CommandRunner commands) {
        this.mounts = mounts;
        this.devices = devices;
        this.commands = commands;
    }

    Response mount(Request request, RequestContext context) throws AgentException, IOException, InterruptedException {
        MountRequest m = request.getMount();
        String name = m.getName().isEmpty() ? mounts.newName() : MountPoints.checkName(m.getName());
        List<String> args = switch (m.getSourceCase()) {
            case EXT4 -> ext4Arguments(m.getExt4());
            case OVERLAY -> overlayArguments(m.getOverlay());
            case SOURCE_NOT_SET -> throw new AgentException(Errno.EINVAL, "mount \"" + name + "\": no source (ext4 or overlay) given");
        };
        Path target = mounts.pathOf(name);
        MountPoints.Claim claim = mounts.claim(name);
        try {
            boolean created = prepareTarget(name, target);
            args.add(target.toString());
            CommandRunner.Result r;
            try {
                r = commands.run(context, "mount", args);
            } catch (AgentException | InterruptedException | RuntimeException e) {
                removeIfCreated(created, target);
                throw e;
            }
            if (r.exitCode() != 0) {
                removeIfCreated(created, target);
                throw new AgentException(mountErrno(r.output()), "mount \"" + name + "\" (mount " + String.join(" ", args)
                        + ") failed (exit " + r.exitCode() + "): " + r.output());
            }
        } finally {
            claim.close();
        }
        return Response.newBuilder().setMount(MountResponse.newBuilder().setName(name).setPath(target.toString())).build();
    }

    Response unmount(Request request, RequestContext context) throws AgentException, IOException, InterruptedException {
        String name = request.getUnmount().getName();
        Path target = mounts.existing(name);
        MountPoints.Claim claim = mounts.claim(name);
        try {
            if (!mounts.isMountPoint(target)) {
                throw new AgentException(Errno.EINVAL, "mount \"" + name + "\" is not mounted");
            }
            CommandRunner.Result r = commands.run(context, "umount", List.of(target.toString()));
            if (r.exitCode() != 0) {
                String out = r.output().toLowerCase(Locale.ROOT);
                if (out.contains("busy")) {
                    throw new AgentException(Errno.EBUSY, "mount \"" + name + "\" is busy: a file in it is open, or an overlay"
                            + " uses it as a layer (unmount the overlay first): " + r.output());
                }
                if (out.contains("not mounted")) {
                    throw new AgentException(Errno.EINVAL, "mount \"" + name + "\" is not mounted: " + r.output());
                }
                throw new AgentException(Errno.EIO, "umount " + target + " failed (exit " + r.exitCode() + "): " + r.output());
            }
            try {
                Files.deleteIfExists(target);
            } catch (DirectoryNotEmptyException e) {
                // Files written into the bare directory while it was covered; left for a person to see.
                AgentLog.line("unmounted \"" + name + "\" but its directory " + target + " is not empty; left in place");
            }
        } finally {
            claim.close();
        }
        return SystemOperations.empty();
    }

    private List<String> ext4Arguments(Ext4Source ext4) throws AgentException, IOException {
        Path device = devices.requireKnown(ext4.getDevice());
        List<String> options = new ArrayList<>();
        if (ext4.getReadOnly()) {
            // noload: a read-only mount must not replay the journal, which would write to the disk.
            options.add("ro");
            options.add("noload");
        }
        for (String o : ext4.getOptionsList()) {
            options.add(checkOption(o));
        }
        List<String> args = new ArrayList<>(List.of("-t", "ext4"));
        if (!options.isEmpty()) {
            args.add("-o");
            args.add(String.join(",", options));
        }
        args.add(device.toString());
        return args;
    }

    /**
     * lowerdir=a:b (topmost first, as overlayfs wants it); with an upper mount, upperdir and
     * workdir inside it (one file system, as overlayfs requires), created when missing.
     * Without an upper the overlay is read-only.
     */
    private List<String> overlayArguments(OverlaySource overlay) throws AgentException, IOException {
        if (overlay.getLowerCount() == 0) {
            throw new AgentException(Errno.EINVAL, "an overlay needs at least one lower mount");
        }
        List<String> lowers = new ArrayList<>();
        for (String lower : overlay.getLowerList()) {
            lowers.add(overlayPath(mounts.existing(lower)));
        }
        StringBuilder options = new StringBuilder("lowerdir=").append(String.join(":", lowers));
        if (overlay.getUpper().isEmpty()) {
            options.insert(0, "ro,");
        } else {
            Path upperMount = mounts.existing(overlay.getUpper());
            Path upperDir = upperMount.resolve(subdir(overlay.getUpperDir(), "upper"));
            Path workDir = upperMount.resolve(subdir(overlay.getWorkDir(), "work"));
            Files.createDirectories(upperDir);
            Files.createDirectories(workDir);
            options.append(",upperdir=").append(overlayPath(upperDir)).append(",workdir=").append(overlayPath(workDir));
        }
        return new ArrayList<>(List.of("-t", "overlay", "-o", options.toString(), "overlay"));
    }

    static String checkOption(String option) throws AgentException {
        if (!OPTION.matcher(option).matches()) {
            throw new AgentException(Errno.EINVAL, "bad mount option \"" + option + "\": only a-z 0-9 _ = , . - are allowed");
        }
        return option;
    }

    private static String subdir(String dir, String fallback) throws AgentException {
        String d = dir.isEmpty() ? fallback : dir;
        for (String segment : d.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new AgentException(Errno.EINVAL, "overlay directory \"" + d + "\" may not contain . or ..");
            }
        }
        if (!SUBDIR.matcher(d).matches()) {
            throw new AgentException(Errno.EINVAL, "bad overlay directory \"" + d + "\": use relative names of A-Z a-z 0-9 _ . -");
        }
        return d;
    }

    /** overlayfs splits its options at ',' and lowerdir at ':'; a path with either cannot be given. */
    private static String overlayPath(Path p) throws AgentException {
        String s = p.toString();
        if (s.indexOf(',') >= 0 || s.indexOf(':') >= 0 || s.indexOf('\\') >= 0) {
            throw new AgentException(Errno.EINVAL, "path " + s + " cannot be named in overlay options (',' ':' or '\\')");
        }
        return s;
    }

    /**
     * Creates the mount point; true when this request created it. An empty directory left by an
     * earlier agent is reused; a mounted or non-empty one is in use.
     */
    private boolean prepareTarget(String name, Path target) throws AgentException, IOException {
        Files.createDirectories(mounts.root());
        try {
            Files.createDirectory(target);
            return true;
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new AgentException(Errno.EEXIST, "mount \"" + name + "\": " + target + " exists and is not a directory");
            }
            if (mounts.isMountPoint(target)) {
                throw new AgentException(Errno.EBUSY, "mount \"" + name + "\" is already mounted");
            }
            try (var entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new AgentException(Errno.EEXIST, "mount \"" + name + "\": " + target + " exists and is not empty");
                }
            }
            return false;
        }
    }

    private static void removeIfCreated(boolean created, Path target) {
        if (created) {
            try {
                Files.deleteIfExists(target);
            } catch (IOException e) {
                AgentLog.line("cannot remove mount point " + target + " after a failed mount: " + e.getMessage());
            }
        }
    }

    /** Which errno a failed mount(8) means, from its message (busybox and util-linux word them alike). */
    private static Errno mountErrno(String output) {
        String out = output.toLowerCase(Locale.ROOT);
        if (out.contains("wrong fs type") || out.contains("bad option") || out.contains("bad superblock")
                || out.contains("invalid argument")) {
            return Errno.EINVAL;
        }
        if (out.contains("already mounted") || out.contains("busy")) {
            return Errno.EBUSY;
        }
        if (out.contains("does not exist") || out.contains("no such file")) {
            return Errno.ENOENT;
        }
        if (out.contains("permission denied") || out.contains("must be superuser") || out.contains("not permitted")) {
            return Errno.EPERM;
        }
        if (out.contains("read-only")) {
            return Errno.EROFS;
        }
        return Errno.EIO;
    }
}
