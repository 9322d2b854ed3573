package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.CommandResponse;
import io.layerd.api.servicevm.v1.FormatRequest;
import io.layerd.api.servicevm.v1.FsckRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.ResizeRequest;
import io.layerd.api.servicevm.v1.Response;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** format, fsck and resize of ext4 file systems on the VM's disks, with e2fsprogs. */
final class FilesystemOperations {
    /**
     * mke2fs options of an LCOW scratch disk, as hcsshim formats one: inode tables written now
     * rather than by a kernel thread after mounting (which would compete with the container's
     * I/O), no discard pass over a fresh virtual disk, and no resize inode, which reserves GDT
     * blocks for online growth beyond what a scratch is ever resized to.
     */
    static final List<String> SCRATCH_OPTIONS = List.of("-E", "lazy_itable_init=0,nodiscard", "-O", "^resize_inode");
    /** e2fsck exit codes from 4 on mean errors left uncorrected or e2fsck itself failed. */
    static final int FSCK_UNCORRECTED = 4;

    private final BlockDevices devices;
    private final CommandRunner commands;

    FilesystemOperations(BlockDevices devices, CommandRunner commands) {
        this.devices = devices;
        this.commands = commands;
    }

    Response format(Request request, RequestContext context) throws AgentException, IOException, InterruptedException {
        FormatRequest format = request.getFormat();
        Path device = devices.requireKnown(format.getDevice());
        List<String> args = new ArrayList<>(List.of("-t", "ext4", "-F", "-q"));
        args.addAll(format.getOptionsCount() == 0 ? SCRATCH_OPTIONS : format.getOptionsList());
        if (!format.getLabel().isEmpty()) {
            args.add("-L");
            args.add(format.getLabel());
        }
        args.add(device.toString());
        CommandRunner.Result r = commands.run(context, "mke2fs", args);
        if (r.exitCode() != 0) {
            throw new AgentException(Errno.EIO, "mke2fs " + device + " failed (exit " + r.exitCode() + "): " + r.output());
        }
        return command(r);
    }

    /** e2fsck -f: exit codes 1 and 2 (errors corrected) are answers, from 4 on they are failures. */
    Response fsck(Request request, RequestContext context) throws AgentException, IOException, InterruptedException {
        FsckRequest fsck = request.getFsck();
        Path device = devices.requireKnown(fsck.getDevice());
        CommandRunner.Result r = commands.run(context, "e2fsck", List.of(fsck.getRepair() ? "-fy" : "-fn", device.toString()));
        if (r.exitCode() >= FSCK_UNCORRECTED) {
            throw new AgentException(Errno.EIO, "e2fsck " + device + " found errors it did not correct (exit " + r.exitCode()
                    + "): " + r.output());
        }
        return command(r);
    }

    /** resize2fs to {@code size_bytes} (a multiple of 1 KiB), or to the whole device when 0. */
    Response resize(Request request, RequestContext context) throws AgentException, IOException, InterruptedException {
        ResizeRequest resize = request.getResize();
        Path device = devices.requireKnown(resize.getDevice());
        List<String> args = new ArrayList<>(List.of(device.toString()));
        if (resize.getSizeBytes() != 0) {
            if (resize.getSizeBytes() % 1024 != 0) {
                throw new AgentException(Errno.EINVAL, "resize of " + device + " to " + resize.getSizeBytes()
                        + " bytes: the size must be a multiple of 1024");
            }
            args.add(resize.getSizeBytes() / 1024 + "K");
        }
        CommandRunner.Result r = commands.run(context, "resize2fs", args);
        if (r.exitCode() != 0) {
            throw new AgentException(Errno.EIO, "resize2fs " + String.join(" ", args) + " failed (exit " + r.exitCode() + "): "
                    + r.output());
        }
        return command(r);
    }

    private static Response command(CommandRunner.Result r) {
        return Response.newBuilder().setCommand(CommandResponse.newBuilder().setExitCode(r.exitCode()).setOutput(r.output())).build();
    }
}
