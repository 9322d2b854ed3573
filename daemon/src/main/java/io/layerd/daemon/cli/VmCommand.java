package io.layerd.daemon.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.layerd.api.servicevm.v1.ExecRequest;
import io.layerd.api.servicevm.v1.ExecResponse;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.ServiceVmsGrpc;
import io.layerd.api.servicevm.v1.StartVmRequest;
import io.layerd.api.servicevm.v1.StopVmRequest;
import io.layerd.api.servicevm.v1.VmInfo;
import io.layerd.api.servicevm.v1.VmStatusRequest;
import io.layerd.api.servicevm.v1.VmStatusResponse;
import io.layerd.core.errors.LayerdException;
import io.layerd.daemon.client.DaemonChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code layerd vm start|status|exec-op|stop}: the service VMs of a running daemon. */
@Command(name = "vm", mixinStandardHelpOptions = true, description = "Start, inspect, drive and stop the Linux service VMs of a running daemon.",
        subcommands = {VmCommand.Start.class, VmCommand.Status.class, VmCommand.ExecOp.class, VmCommand.Stop.class})
final class VmCommand {
    private static final String OWNER_HELP = "lease owner (default: ${DEFAULT-VALUE}); per-instance mode gives each owner its own VM";

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Boot a VM for an owner (if none runs) and hold it until `vm stop`.")
    static final class Start implements Callable<Integer> {
        @Mixin
        AddressOption address;
        @Option(names = "--owner", description = OWNER_HELP)
        String owner = "cli";
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (DaemonChannel ch = new DaemonChannel(address.address)) {
                print(ServiceVmsGrpc.newBlockingStub(ch.channel()).start(StartVmRequest.newBuilder().setOwner(owner).build()),
                        spec.commandLine().getOut());
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Mode, VMs, uptime, boot time, accelerator and attached disks.")
    static final class Status implements Callable<Integer> {
        @Mixin
        AddressOption address;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (DaemonChannel ch = new DaemonChannel(address.address)) {
                print(ServiceVmsGrpc.newBlockingStub(ch.channel()).status(VmStatusRequest.getDefaultInstance()), spec.commandLine().getOut());
            }
            return 0;
        }
    }

    @Command(name = "exec-op", mixinStandardHelpOptions = true,
            description = {"Send one bridge request to the owner's VM and print the response as JSON.",
                    "REQUEST is a layerd.servicevm.v1.Request in JSON, e.g. '{\"ping\":{}}', '{\"info\":{}}',",
                    "'{\"listBlockDevices\":{}}', '{\"list\":{\"mount\":\"m1\",\"path\":\".\"}}'."})
    static final class ExecOp implements Callable<Integer> {
        @Mixin
        AddressOption address;
        @Option(names = "--owner", description = OWNER_HELP)
        String owner = "cli";
        @Option(names = "--upload", paramLabel = "FILE", description = "payload sent after the request (write_file)")
        Path upload;
        @Option(names = "--output", paramLabel = "FILE", description = "where downloaded data goes (read_file, export_tar)")
        Path output;
        @Parameters(paramLabel = "REQUEST", description = "the request as JSON")
        String json;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Request.Builder request = Request.newBuilder();
            try {
                JsonFormat.parser().merge(json, request);
            } catch (InvalidProtocolBufferException e) {
                throw LayerdException.invalidArgument("REQUEST is not a bridge request in JSON: %s", e.getMessage());
            }
            ExecRequest.Builder exec = ExecRequest.newBuilder().setOwner(owner).setRequest(request);
            if (upload != null) {
                exec.setUpload(ByteString.copyFrom(Files.readAllBytes(upload)));
            }
            ExecResponse r;
            try (DaemonChannel ch = new DaemonChannel(address.address)) {
                r = ServiceVmsGrpc.newBlockingStub(ch.channel()).exec(exec.build());
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(JsonFormat.printer().print(r.getResponse()));
            if (!r.getDownload().isEmpty()) {
                if (output != null) {
                    Files.write(output, r.getDownload().toByteArray());
                    out.printf(Locale.ROOT, "wrote %d bytes to %s%n", r.getDownload().size(), output);
                } else {
                    out.printf(Locale.ROOT, "%d bytes downloaded (pass --output FILE to keep them)%n", r.getDownload().size());
                }
            }
            spec.commandLine().getErr().printf(Locale.ROOT, "served by %s in %d ms%n", r.getVmId(), r.getMillis());
            return r.getResponse().hasError() ? 1 : 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Release the owner's lease (all owners' with --all); per-instance VMs stop.")
    static final class Stop implements Callable<Integer> {
        @Mixin
        AddressOption address;
        @Option(names = "--owner", description = OWNER_HELP)
        String owner = "cli";
        @Option(names = "--all", description = "release the leases of every owner")
        boolean all;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (DaemonChannel ch = new DaemonChannel(address.address)) {
                print(ServiceVmsGrpc.newBlockingStub(ch.channel()).stop(StopVmRequest.newBuilder().setOwner(all ? "" : owner).build()),
                        spec.commandLine().getOut());
            }
            return 0;
        }
    }

    static void print(VmStatusResponse s, PrintWriter out) {
        out.printf(Locale.ROOT, "mode: %s   hypervisor: %s   boots: %d   boot files: %s%n", s.getMode(), s.getHypervisor(), s.getBoots(),
                s.getBootFiles());
        if (!s.getHeldOwnersList().isEmpty()) {
            out.println("held by the CLI: " + String.join(", ", s.getHeldOwnersList()));
        }
        if (s.getVmsCount() == 0) {
            out.println("no service VM is running");
        } else {
            printVms(s, out);
        }
        if (s.getRecentOperationsCount() > 0) {
            out.println("recent operations (oldest first):");
            Table ops = new Table("STARTED", "OPERATION", "OWNER", "VM", "TOOK", "WAITED FOR VM", "REQUESTS");
            for (io.layerd.api.servicevm.v1.OperationInfo op : s.getRecentOperationsList()) {
                ops.row(java.time.Instant.ofEpochMilli(op.getStartedUnixMillis()).toString(), op.getOperation(), op.getOwner(),
                        String.join(",", op.getVmIdsList()), String.format(Locale.ROOT, "%.2fs", op.getMillis() / 1000.0),
                        String.format(Locale.ROOT, "%.2fs", op.getVmWaitMillis() / 1000.0),
                        Long.toString(op.getRequests()));
            }
            ops.print(out);
        }
        out.flush();
    }

    private static void printVms(VmStatusResponse s, PrintWriter out) {
        Table t = new Table("VM", "ACCEL", "UPTIME", "BOOT", "OPS", "OWNERS", "DISKS");
        for (VmInfo vm : s.getVmsList()) {
            t.row(vm.getId(), vm.getAccelerator(), String.format(Locale.ROOT, "%.0fs", vm.getUptimeSeconds()),
                    String.format(Locale.ROOT, "%.1fs", vm.getBootMillis() / 1000.0), Long.toString(vm.getOperations()),
                    String.join(",", vm.getOwnersList()), vm.getDisksCount() == 0 ? "-" : String.join("; ", vm.getDisksList()));
        }
        t.print(out);
        for (VmInfo vm : s.getVmsList()) {
            out.println("console " + vm.getId() + ": " + vm.getConsoleLog());
        }
    }

    private VmCommand() {
    }

}
