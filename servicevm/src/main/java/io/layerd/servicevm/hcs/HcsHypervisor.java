package io.layerd.servicevm.hcs;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.layerd.servicevm.hypervisor.Hypervisor;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service VMs as Hyper-V utility VMs of the Host Compute Service (Windows 10 1809 / Server 2019
 * and later, Hyper-V enabled, the daemon running as an administrator or SYSTEM).
 *
 * <p>Start-up, in the order hcsshim uses for LCOW:
 * <ol>
 *   <li>create the compute system from {@link LcowUvmDocument} under the VM's id;</li>
 *   <li>ask HCS for its properties and read {@code RuntimeId}, the Hyper-V partition GUID that
 *       guest connections come from (it exists only once the system is created);</li>
 *   <li>listen on hvsock {@code RuntimeId}:{@link HvSocketIds#BRIDGE_PORT} before the guest runs,
 *       so the agent's first connect cannot arrive before the listener;</li>
 *   <li>start the compute system.</li>
 * </ol>
 * Any failure terminates and closes what was created.
 */
public final class HcsHypervisor implements Hypervisor {
    /** Creating and starting a utility VM takes seconds; a busy host can need minutes. */
    static final Duration CREATE_TIMEOUT = Duration.ofMinutes(4);
    static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    static final String CONSOLE_LOG = "console.log";
    private static final Logger log = LoggerFactory.getLogger(HcsHypervisor.class);

    private final HcsHost host;

    public HcsHypervisor() {
        this(new WindowsLibraries());
    }

    HcsHypervisor(HcsHost host) {
        this.host = host;
    }

    @Override
    public String name() {
        return "hcs";
    }

    @Override
    public VirtualMachine start(VmConfig requested) throws IOException {
        HcsClient hcs = host.hcs();
        VmConfig config = fitToHost(requested, Runtime.getRuntime().availableProcessors());
        for (Path boot : List.of(config.kernel(), config.initrd())) {
            if (!Files.isRegularFile(boot)) {
                throw new IOException("boot file " + boot + " is missing: build the boot files with scripts/build-bootfiles.sh");
            }
        }
        Path dir = config.runtimeDir().toAbsolutePath();
        Files.createDirectories(dir);
        Path console = dir.resolve(CONSOLE_LOG);
        Files.writeString(console, "The serial console of service VM " + config.id() + " is not captured: the Host Compute"
                + " Service backend configures no COM port (8250_core.nr_uarts=0).\n");

        log.info("starting service VM {} (hyper-v, {} MiB, {} CPU)", config.id(), config.memoryMiB(), config.cpus());
        HcsSystem system = hcs.create(config.id(), LcowUvmDocument.json(config), CREATE_TIMEOUT);
        BridgeListener listener = null;
        try {
            UUID runtimeId = runtimeId(hcs.properties(system, null, QUERY_TIMEOUT), config.id());
            listener = host.listen(runtimeId, HvSocketIds.serviceIdForPort(HvSocketIds.BRIDGE_PORT));
            hcs.start(system, START_TIMEOUT);
            return new HcsVirtualMachine(config, hcs, system, listener, console);
        } catch (IOException | RuntimeException e) {
            abandon(hcs, system, listener);
            throw new IOException("HCS did not start service VM " + config.id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * HCS refuses more virtual processors than the host has logical ones; like hcsshim, ask for
     * what the host can give rather than fail.
     */
    static VmConfig fitToHost(VmConfig config, int hostProcessors) {
        int cpus = Math.max(1, Math.min(config.cpus(), hostProcessors));
        return cpus == config.cpus() ? config
                : new VmConfig(config.id(), config.bootFiles(), config.runtimeDir(), config.memoryMiB(), cpus, config.kernelArgs());
    }

    /** The {@code RuntimeId} of a properties document. */
    static UUID runtimeId(String properties, String id) throws IOException {
        try {
            JsonElement document = JsonParser.parseString(properties);
            if (document.isJsonObject()) {
                JsonObject object = document.getAsJsonObject();
                if (object.has("RuntimeId") && object.get("RuntimeId").isJsonPrimitive()) {
                    return UUID.fromString(object.get("RuntimeId").getAsString());
                }
            }
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new IOException("HCS properties of \"" + id + "\" are unreadable: " + properties, e);
        }
        throw new IOException("HCS properties of \"" + id + "\" carry no RuntimeId: " + properties);
    }

    /** Undoes a half-done start. Nothing waits on the system yet, so closing its handle is safe. */
    private static void abandon(HcsClient hcs, HcsSystem system, BridgeListener listener) {
        if (listener != null) {
            try {
                listener.close();
            } catch (IOException e) {
                log.debug("closing {} of a failed start: {}", listener.describe(), e.getMessage());
            }
        }
        try {
            hcs.terminate(system, HcsVirtualMachine.TERMINATE_TIMEOUT);
        } catch (HcsException e) {
            // a system that never started cannot be terminated; closing the last handle removes it
            log.debug("terminating {} after a failed start: {}", system.id(), e.getMessage());
        }
        hcs.close(system);
    }
}
