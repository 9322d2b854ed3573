package io.layerd.servicevm.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where the agent finds the system it manages, and the few actions tests must replace: the
 * roots of sysfs, /dev and /proc, the directory mounts go under, the programs' search path, and
 * the power-off. Defaults describe the service VM; tests point the roots at temporary trees.
 */
public final class AgentEnvironment {
    /** Where PATH is unset: busybox's applets in the VM, util-linux and e2fsprogs on a host. */
    static final List<Path> DEFAULT_SEARCH_PATH = List.of(Path.of("/usr/local/sbin"), Path.of("/usr/local/bin"),
            Path.of("/usr/sbin"), Path.of("/usr/bin"), Path.of("/sbin"), Path.of("/bin"));

    private final Path sysfsRoot;
    private final Path devRoot;
    private final Path procRoot;
    private final Path mountRoot;
    private final List<Path> searchPath;
    private final Set<Path> extraDevices;
    private final boolean listEmptyDevices;
    private final Runnable powerOff;
    private final Duration powerOffDelay;
    private final String agentVersion;
    private final String transport;
    private final long startNanos;

    private AgentEnvironment(Builder b) {
        this.sysfsRoot = b.sysfsRoot;
        this.devRoot = b.devRoot;
        this.procRoot = b.procRoot;
        this.mountRoot = b.mountRoot;
        this.searchPath = List.copyOf(b.searchPath);
        this.extraDevices = Set.copyOf(b.extraDevices);
        this.listEmptyDevices = b.listEmptyDevices;
        this.powerOff = b.powerOff != null ? b.powerOff : PowerOff.system(searchPath);
        this.powerOffDelay = b.powerOffDelay;
        this.agentVersion = b.agentVersion;
        this.transport = b.transport;
        this.startNanos = b.startNanos;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** sysfs, normally /sys: block devices and virtio ports are found there. */
    public Path sysfsRoot() {
        return sysfsRoot;
    }

    /** Device nodes, normally /dev. */
    public Path devRoot() {
        return devRoot;
    }

    /** procfs, normally /proc: kernel version, uptime, memory, the mount table. */
    public Path procRoot() {
        return procRoot;
    }

    /** Mounts are made at {@code mountRoot/<name>}; normally /run/layerd/mounts. */
    public Path mountRoot() {
        return mountRoot;
    }

    /** Directories searched for mke2fs, e2fsck, resize2fs, mount, umount, sync and poweroff. */
    public List<Path> searchPath() {
        return searchPath;
    }

    /**
     * Device paths format, fsck, resize and mount accept besides the disks in /sys/block: tests
     * allow one loop device this way rather than every device of the host.
     */
    public Set<Path> extraDevices() {
        return extraDevices;
    }

    /** Whether empty loop and ram devices (present on every Linux, never a real disk) are listed. */
    public boolean listEmptyDevices() {
        return listEmptyDevices;
    }

    /** Syncs and powers the VM off; runs on its own thread after the shutdown answer went out. */
    public Runnable powerOff() {
        return powerOff;
    }

    /** Time between answering shutdown and powering off, so the answer reaches the host first. */
    public Duration powerOffDelay() {
        return powerOffDelay;
    }

    public String agentVersion() {
        return agentVersion;
    }

    /** "virtio-serial" or "vsock", as InfoResponse reports it. */
    public String transport() {
        return transport;
    }

    /** {@link System#nanoTime()} when the agent started, for its uptime. */
    public long startNanos() {
        return startNanos;
    }

    /** The defaults describe the service VM. */
    public static final class Builder {
        private Path sysfsRoot = Path.of("/sys");
        private Path devRoot = Path.of("/dev");
        private Path procRoot = Path.of("/proc");
        private Path mountRoot = Path.of("/run/layerd/mounts");
        private List<Path> searchPath = searchPathFromEnvironment();
        private Set<Path> extraDevices = Set.of();
        private boolean listEmptyDevices;
        private Runnable powerOff;
        private Duration powerOffDelay = Duration.ofMillis(250);
        private String agentVersion = "layerd-agent/dev";
        private String transport = "virtio-serial";
        private long startNanos = System.nanoTime();

        private Builder() {
        }

        public Builder sysfsRoot(Path p) {
            this.sysfsRoot = Objects.requireNonNull(p);
            return this;
        }

        public Builder devRoot(Path p) {
            this.devRoot = Objects.requireNonNull(p);
            return this;
        }

        public Builder procRoot(Path p) {
            this.procRoot = Objects.requireNonNull(p);
            return this;
        }

        public Builder mountRoot(Path p) {
            this.mountRoot = Objects.requireNonNull(p);
            return this;
        }

        public Builder searchPath(List<Path> dirs) {
            this.searchPath = List.copyOf(dirs);
            return this;
        }

        public Builder extraDevices(Set<Path> devices) {
            this.extraDevices = Set.copyOf(devices);
            return this;
        }

        public Builder listEmptyDevices(boolean list) {
            this.listEmptyDevices = list;
            return this;
        }

        public Builder powerOff(Runnable action) {
            this.powerOff = Objects.requireNonNull(action);
            return this;
        }

        public Builder powerOffDelay(Duration delay) {
            this.powerOffDelay = Objects.requireNonNull(delay);
            return this;
        }

        public Builder agentVersion(String version) {
            this.agentVersion = Objects.requireNonNull(version);
            return this;
        }

        public Builder transport(String name) {
            this.transport = Objects.requireNonNull(name);
            return this;
        }

        public Builder startNanos(long nanos) {
            this.startNanos = nanos;
            return this;
        }

        public AgentEnvironment build() {
            return new AgentEnvironment(this);
        }

        private static List<Path> searchPathFromEnvironment() {
            String path = System.getenv("PATH");
            if (path == null || path.isBlank()) {
                return DEFAULT_SEARCH_PATH;
            }
            List<Path> dirs = new ArrayList<>();
            for (String d : path.split(":")) {
                if (!d.isEmpty()) {
                    dirs.add(Path.of(d));
                }
            }
            // e2fsprogs and poweroff live in sbin, which a non-login PATH may lack.
            for (Path d : DEFAULT_SEARCH_PATH) {
                if (!dirs.contains(d)) {
                    dirs.add(d);
                }
            }
            return dirs;
        }
    }
}
