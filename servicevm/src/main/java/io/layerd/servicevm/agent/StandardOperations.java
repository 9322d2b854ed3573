package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.Request.OpCase;

/** Every operation of the bridge protocol, wired to the environment it works in. */
public final class StandardOperations {
    private StandardOperations() {
    }

    public static Operations create(AgentEnvironment env) {
        CommandRunner commands = new CommandRunner(env.searchPath());
        BlockDevices devices = new BlockDevices(env);
        MountPoints mounts = new MountPoints(env.mountRoot(), env.procRoot());
        MountPaths paths = new MountPaths(mounts);

        SystemOperations system = new SystemOperations(env);
        BlockDeviceOperations disks = new BlockDeviceOperations(devices);
        FilesystemOperations filesystems = new FilesystemOperations(devices, commands);
        MountOperations mounting = new MountOperations(mounts, devices, commands);
        FileOperations files = new FileOperations(paths);
        TarExport export = new TarExport(paths);
        TarExtract extract = new TarExtract(paths);

        return new Operations()
                .register(OpCase.PING, system::ping)
                .register(OpCase.INFO, system::info)
                .register(OpCase.SLEEP, system::sleep)
                .register(OpCase.SHUTDOWN, system::shutdown)
                .register(OpCase.LIST_BLOCK_DEVICES, disks::list)
                .register(OpCase.WAIT_FOR_DEVICE, disks::waitForDevice)
                .register(OpCase.FORMAT, filesystems::format)
                .register(OpCase.FSCK, filesystems::fsck)
                .register(OpCase.RESIZE, filesystems::resize)
                .register(OpCase.MOUNT, mounting::mount)
                .register(OpCase.UNMOUNT, mounting::unmount)
                .register(OpCase.STAT, files::stat)
                .register(OpCase.LIST, files::list)
                .register(OpCase.READ_FILE, files::readFile)
                .register(OpCase.WRITE_FILE, files::writeFile)
                .register(OpCase.REMOVE, files::remove)
                .register(OpCase.MKDIR, files::mkdir)
                .register(OpCase.EXPORT_TAR, export::exportTar)
                .register(OpCase.EXTRACT_TAR, extract::extractTar)
                .register(OpCase.RENAME, files::rename);
    }
}
