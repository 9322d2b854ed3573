package io.layerd.servicevm.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The agent's mounts: directories {@code <mount root>/<name>}. The directories are the whole
 * state, so an agent that restarts finds the mounts it made; whether a name is mounted right now
 * is read from the kernel's mount table.
 */
final class MountPoints {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final Path root;
    private final Path mountInfo;
    private final AtomicLong generated = new AtomicLong();
    private final Set<String> changing = ConcurrentHashMap.newKeySet();

    MountPoints(Path root, Path procRoot) {
        this.root = root;
        this.mountInfo = procRoot.resolve("self/mountinfo");
    }

    Path root() {
        return root;
    }

    /** EINVAL unless {@code name} is 1 to 64 of [A-Za-z0-9_.-] and not "." or "..". */
    static String checkName(String name) throws AgentException {
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new AgentException(Errno.EINVAL, "bad mount name \"" + name + "\": use 1 to 64 of A-Z a-z 0-9 _ . -");
        }
        return name;
    }

    /** Where the mount called {@code name} is, whether or not it exists. */
    Path pathOf(String name) throws AgentException {
        return root.resolve(checkName(name));
    }

    /** The directory of an existing mount; ENOENT when there is none of that name. */
    Path existing(String name) throws AgentException {
        Path p = pathOf(name);
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new AgentException(Errno.ENOENT, "no mount named \"" + name + "\"");
        }
        return p;
    }

    /** A name no mount has yet, for requests that leave the name to the agent. */
    String newName() {
        while (true) {
            String name = "m" + generated.incrementAndGet();
            if (!Files.exists(root.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                return name;
            }
        }
    }

    /**
     * Reserves {@code name} for one request that mounts or unmounts it; EBUSY while another
     * holds it, so two requests never mount on the same directory.
     */
    Claim claim(String name) throws AgentException {
        if (!changing.add(name)) {
            throw new AgentException(Errno.EBUSY, "mount \"" + name + "\" is being changed by another request");
        }
        return () -> changing.remove(name);
    }

    /** A reserved name, released by {@link #close()}. */
    interface Claim {
        void close();
    }

    /** Whether something is mounted on {@code dir}, from /proc/self/mountinfo. */
    boolean isMountPoint(Path dir) throws IOException {
        String target = dir.toRealPath().toString();
        for (String line : Files.readAllLines(mountInfo, StandardCharsets.UTF_8)) {
            // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": field 5 is the mount point
            String[] fields = line.split(" ");
            if (fields.length > 4 && unescape(fields[4]).equals(target)) {
                return true;
            }
        }
        return false;
    }

    /** mountinfo writes space, tab, newline and backslash in paths as octal escapes ("\040"). */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder b = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && isOctal(field, i + 1, 3)) {
                b.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
