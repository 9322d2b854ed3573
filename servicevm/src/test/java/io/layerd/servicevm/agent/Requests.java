package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.ExportTarRequest;
import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.FormatRequest;
import io.layerd.api.servicevm.v1.FsckRequest;
import io.layerd.api.servicevm.v1.InfoRequest;
import io.layerd.api.servicevm.v1.ListRequest;
import io.layerd.api.servicevm.v1.MkdirRequest;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.PingRequest;
import io.layerd.api.servicevm.v1.ReadFileRequest;
import io.layerd.api.servicevm.v1.RemoveRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.SleepRequest;
import io.layerd.api.servicevm.v1.StatRequest;
import io.layerd.api.servicevm.v1.UnmountRequest;
import io.layerd.api.servicevm.v1.WriteFileRequest;

/** Requests as the tests send them. */
final class Requests {
    private Requests() {
    }

    static Request.Builder ping() {
        return Request.newBuilder().setPing(PingRequest.getDefaultInstance());
    }

    static Request.Builder info() {
        return Request.newBuilder().setInfo(InfoRequest.getDefaultInstance());
    }

    static Request.Builder sleep(long millis) {
        return Request.newBuilder().setSleep(SleepRequest.newBuilder().setMillis(millis));
    }

    static Request.Builder format(String device) {
        return Request.newBuilder().setFormat(FormatRequest.newBuilder().setDevice(device));
    }

    static Request.Builder fsck(String device, boolean repair) {
        return Request.newBuilder().setFsck(FsckRequest.newBuilder().setDevice(device).setRepair(repair));
    }

    static Request.Builder mountExt4(String name, String device, boolean readOnly, String... options) {
        return Request.newBuilder().setMount(MountRequest.newBuilder().setName(name)
                .setExt4(Ext4Source.newBuilder().setDevice(device).setReadOnly(readOnly).addAllOptions(java.util.List.of(options))));
    }

    static Request.Builder unmount(String name) {
        return Request.newBuilder().setUnmount(UnmountRequest.newBuilder().setName(name));
    }

    static Request.Builder stat(String mount, String path) {
        return Request.newBuilder().setStat(StatRequest.newBuilder().setMount(mount).setPath(path));
    }

    static Request.Builder list(String mount, String path) {
        return Request.newBuilder().setList(ListRequest.newBuilder().setMount(mount).setPath(path));
    }

    static Request.Builder readFile(String mount, String path) {
        return Request.newBuilder().setReadFile(ReadFileRequest.newBuilder().setMount(mount).setPath(path));
    }

    static Request.Builder writeFile(String mount, String path, int mode, long size) {
        return Request.newBuilder().setWriteFile(WriteFileRequest.newBuilder().setMount(mount).setPath(path).setMode(mode).setSize(size));
    }

    static Request.Builder remove(String mount, String path, boolean recursive) {
        return Request.newBuilder().setRemove(RemoveRequest.newBuilder().setMount(mount).setPath(path).setRecursive(recursive));
    }

    static Request.Builder mkdir(String mount, String path, int mode, boolean parents) {
        return Request.newBuilder().setMkdir(MkdirRequest.newBuilder().setMount(mount).setPath(path).setMode(mode).setParents(parents));
    }

    static Request.Builder extractTar(String mount, String path) {
        return Request.newBuilder().setExtractTar(io.layerd.api.servicevm.v1.ExtractTarRequest.newBuilder().setMount(mount).setPath(path));
    }

    static Request.Builder rename(String mount, String from, String to) {
        return Request.newBuilder().setRename(io.layerd.api.servicevm.v1.RenameRequest.newBuilder().setMount(mount).setFrom(from).setTo(to));
    }

    static Request.Builder exportTar(String mount, String path) {
        return Request.newBuilder().setExportTar(ExportTarRequest.newBuilder().setMount(mount).setPath(path));
    }
}
