package io.layerd.tests.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.layerd.api.containerd.types.Descriptor;
import io.layerd.core.io.RandomBytesStream;
import io.layerd.daemon.config.ServiceVmConfig;
import io.layerd.lcow.vhd.VhdxFile;
import io.layerd.servicevm.manager.VmStatus;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;
import io.layerd.tests.containerd.ContainerdFixture;
import io.layerd.tests.servicevm.VmFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Compare when things go wrong, with the real service VM: the VM killed in the middle of an
 * export fails the Diff with UNAVAILABLE and leaves no blob, and the retry (a fresh VM) succeeds;
 * a scratch whose ext4 is damaged fails with FAILED_PRECONDITION naming it, leaving no blob.
 */
class LcowCompareFailuresIT {
    /** Big enough that the export is still streaming when the VM is killed. */
    private static final long BIG_FILE_BYTES = 192L << 20;

    @RegisterExtension
    final ContainerdFixture containerd = new ContainerdFixture(LcowContainers.config("")).formattingScratchInServiceVm();

    @TempDir
    Path tmp;

    @Test
    void aVmDyingMidExportIsUnavailableLeavesNoBlobAndTheRetrySucceeds_aDamagedScratchIsAClearError() throws Exception {
        Path archive = tmp.resolve("multi.tar");
        List<String> chain = LcowUnpack.importAndUnpack(containerd, archive, TestImages.multiLayer(archive));
        String top = chain.get(chain.size() - 1);
        LcowContainers.create(containerd, false, "container", top);
        LcowContainers.create(containerd, true, "container-parent", top);
        String container = LcowContainers.layerdKey(containerd, "container");

        containerd.step("cp-in a big file so the export takes a while");
        Path big = tmp.resolve("big.bin");
        try (InputStream in = new RandomBytesStream(BIG_FILE_BYTES, 7)) {
            Files.copy(in, big);
        }
        LcowContainers.files(containerd, "cp-in", container, big.toString(), "data/big.bin");
        List<String> contentBefore = contentDigests();

        containerd.step("kill the service VM while Diff streams the export");
        VmStatus vm = containerd.layerdDaemon().serviceVms().status().get(0);
        List<ProcessHandle> qemu = VmFixture.processesUsing(ServiceVmConfig.runtimeRoot(containerd.layerdRoot()).resolve(vm.id()));
        assertEquals(1, qemu.size(), "one QEMU process for " + vm.id());
        CompletableFuture<Descriptor> diff = CompletableFuture.supplyAsync(
                () -> LcowContainers.diff(containerd, "container-parent", "container", "killed"));
        Path staging = containerd.layerdRoot().resolve("diff-tmp");
        containerd.await("the export streams into " + staging, Duration.ofMinutes(3), () -> stagedBytes(staging) > (1 << 20));
        qemu.get(0).destroyForcibly();
        Throwable failed = assertThrows(Exception.class, diff::join).getCause();
        StatusRuntimeException status = (StatusRuntimeException) failed;
        assertEquals(Status.Code.UNAVAILABLE, status.getStatus().getCode(), status.getMessage());
        assertEquals(0, stagedFiles(staging), "nothing staged is left");
        assertEquals(contentBefore, contentDigests(), "no blob reached containerd's content store");

        containerd.step("the retry boots a fresh VM and succeeds");
        Descriptor retried = LcowContainers.diff(containerd, "container-parent", "container", "retried");
        Path blob = tmp.resolve("retried.tar.gz");
        LcowContainers.contentGet(containerd, retried.getDigest(), blob);
        CommandResult list = Commands.run(Duration.ofMinutes(2), List.of("tar", "-tzvf", blob.toString()));
        assertTrue(list.ok() && list.stdout().lines().anyMatch(l -> l.contains(" " + BIG_FILE_BYTES + " ") && l.endsWith("data/big.bin")),
                list.describe());
        assertEquals(2, containerd.layerdDaemon().serviceVms().bootCount(), "one boot before the kill, one after");

        containerd.step("a scratch whose ext4 superblock is damaged");
        LcowContainers.create(containerd, false, "damaged", top);
        Path sandbox = containerd.snapshotDirs().stream().map(d -> d.resolve("sandbox.vhdx"))
                .filter(p -> p.getParent().getFileName().toString().equals(directoryId(LcowContainers.layerdKey(containerd, "damaged"))))
                .findFirst().orElseThrow();
        try (VhdxFile disk = VhdxFile.open(sandbox, true)) {
            disk.write(1024, ByteBuffer.allocate(1024)); // the primary superblock, zeroed
        }
        contentBefore = contentDigests();
        StatusRuntimeException damaged = assertThrows(StatusRuntimeException.class,
                () -> LcowContainers.diff(containerd, "container-parent", "damaged", "damaged"));
        assertEquals(Status.Code.FAILED_PRECONDITION, damaged.getStatus().getCode(), damaged.getMessage());
        assertTrue(damaged.getMessage().contains(sandbox.toString()), "the error names the scratch: " + damaged.getMessage());
        assertEquals(0, stagedFiles(staging), "nothing staged is left");
        assertEquals(contentBefore, contentDigests(), "no blob reached containerd's content store");
    }

    /** The snapshot directory name layerd uses for a backend key (its id in `layerd snapshot list`). */
    private String directoryId(String layerdKey) {
        io.layerd.tests.CliRun list = io.layerd.tests.CliRun.of("snapshot", "list", "--address", containerd.layerdSocket().toString(),
                ContainerdFixture.SNAPSHOTTER);
        return list.out().lines().filter(l -> l.contains(" " + layerdKey + " ")).map(l -> l.trim().split("\\s+")[1]).findFirst()
                .orElseThrow(() -> new AssertionError(layerdKey + " in\n" + list.text()));
    }

    private List<String> contentDigests() {
        CommandResult ls = containerd.ctr("content", "ls", "-q");
        assertTrue(ls.ok(), ls.describe());
        return ls.stdout().lines().sorted().toList();
    }

    private static long stagedFiles(Path staging) throws java.io.IOException {
        if (!Files.isDirectory(staging)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(staging)) {
            return files.count();
        }
    }

    private static long stagedBytes(Path staging) {
        if (!Files.isDirectory(staging)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(staging)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
