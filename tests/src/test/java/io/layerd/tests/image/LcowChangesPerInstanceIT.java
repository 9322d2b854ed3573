package io.layerd.tests.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.api.containerd.types.Descriptor;
import io.layerd.servicevm.manager.ServiceVmManager;
import io.layerd.tests.CliRun;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;
import io.layerd.tests.containerd.ContainerdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The per-instance lifetime: every operation owner gets its own service VM, stopped when the
 * operation ends — cp-in, Diff and commit of a container each boot one, and none is left running.
 */
class LcowChangesPerInstanceIT {
    @RegisterExtension
    final ContainerdFixture containerd = new ContainerdFixture(LcowContainers.config("mode = \"per-instance\"\n"))
            .formattingScratchInServiceVm();

    @TempDir
    Path tmp;

    @Test
    void eachOperationBootsItsOwnVmAndNoneIsLeftRunning() throws Exception {
        Path archive = tmp.resolve("multi.tar");
        List<String> chain = LcowUnpack.importAndUnpack(containerd, archive, TestImages.multiLayer(archive));
        String top = chain.get(chain.size() - 1);
        ServiceVmManager vms = containerd.layerdDaemon().serviceVms();

        containerd.step("prepare (the scratch template is formatted in a VM of its own)");
        LcowContainers.create(containerd, false, "container", top);
        LcowContainers.create(containerd, true, "container-parent", top);
        String container = LcowContainers.layerdKey(containerd, "container");
        int afterPrepare = vms.bootCount();
        assertEquals(1, afterPrepare, "formatting the template booted one VM");
        awaitNoVm(vms);

        containerd.step("cp-in, Diff and commit: one VM each");
        Path file = Files.writeString(tmp.resolve("note.txt"), "per-instance\n");
        LcowContainers.files(containerd, "cp-in", container, file.toString(), "etc/note.txt");
        awaitNoVm(vms);
        Descriptor diff = LcowContainers.diff(containerd, "container-parent", "container", "per-instance");
        awaitNoVm(vms);
        Path blob = tmp.resolve("diff.tar.gz");
        LcowContainers.contentGet(containerd, diff.getDigest(), blob);
        CommandResult list = Commands.run(Duration.ofMinutes(1), List.of("tar", "-tzf", blob.toString()));
        assertTrue(list.ok() && list.stdout().lines().anyMatch(l -> l.equals("etc/note.txt")), list.describe());
        containerd.snapshotsOk("commit", "container-image", "container");
        awaitNoVm(vms);
        assertEquals(afterPrepare + 3, vms.bootCount(), "cp-in, Diff and commit each booted a VM of their own");
        assertEquals(List.of(), vms.status(), "no VM is left running");

        containerd.step("layerd vm status shows which VM served each operation and how long it took");
        CliRun status = CliRun.of("vm", "status", "--address", containerd.layerdSocket().toString());
        assertEquals(0, status.exit(), status.text());
        List<String> vmIds = new java.util.ArrayList<>();
        for (String operation : List.of("format scratch", "files: extract", "export scratch")) {
            String line = status.out().lines().filter(l -> l.contains(operation)).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError(operation + " in\n" + status.text()));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(vm-\\S+)\\s+(\\d+\\.\\d+)s").matcher(line);
            assertTrue(m.find(), "VM id and duration in: " + line);
            assertTrue(Double.parseDouble(m.group(2)) > 0, line);
            vmIds.add(m.group(1));
        }
        assertEquals(3, new java.util.HashSet<>(vmIds).size(), "a VM of its own each: " + vmIds);
    }

    private void awaitNoVm(ServiceVmManager vms) {
        containerd.await("every per-instance VM stopped", Duration.ofMinutes(1), () -> vms.status().isEmpty());
    }
}
