package io.layerd.daemon.host;

import io.layerd.daemon.config.DaemonConfig;
import io.layerd.daemon.config.ServiceVmConfig;
import io.layerd.servicevm.hcs.HcsHypervisor;
import io.layerd.servicevm.hypervisor.Hypervisor;
import io.layerd.servicevm.manager.Lifetime;
import io.layerd.servicevm.manager.ManagerSettings;
import io.layerd.servicevm.manager.ServiceVmManager;
import io.layerd.servicevm.qemu.QemuHypervisor;
import io.layerd.servicevm.qemu.QemuOptions;

import java.io.IOException;

/** Builds the daemon's {@link ServiceVmManager} from the {@code [servicevm]} settings. */
public final class ServiceVmHost {
    private ServiceVmHost() {
    }

    /** Also stops VMs an earlier daemon run left behind (see {@link ServiceVmManager}). */
    public static ServiceVmManager start(DaemonConfig config) throws IOException {
        ServiceVmConfig c = config.serviceVm();
        ManagerSettings settings = new ManagerSettings(Lifetime.parse(c.mode()), c.bootFiles(),
                ServiceVmConfig.runtimeRoot(config.root()), c.memoryMiB(), c.cpus(), c.bootTimeout(), c.operationTimeout(),
                c.idleShutdown(), "");
        return new ServiceVmManager(hypervisor(config), settings);
    }

    /** Hyper-V through HCS on Windows, QEMU elsewhere. */
    private static Hypervisor hypervisor(DaemonConfig config) {
        if (com.sun.jna.Platform.isWindows()) {
            return new HcsHypervisor();
        }
        ServiceVmConfig c = config.serviceVm();
        return new QemuHypervisor(new QemuOptions(c.qemu(), QemuOptions.Accelerator.parse(c.accelerator()),
                ServiceVmConfig.acceleratorCache(config.root()), null));
    }
}
