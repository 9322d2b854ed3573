package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.ExportTarRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.core.io.CountingOutputStream;
import io.layerd.core.tar.DirectoryTarWriter;
import io.layerd.core.tar.TarWriter;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;

/**
 * export_tar: a directory under a mount as a PAX tar, streamed to the host as it is written;
 * entries are named relative to the directory (which itself has no entry) and written by
 * {@link DirectoryTarWriter}.
 */
final class TarExport {
    private final MountPaths paths;

    TarExport(MountPaths paths) {
        this.paths = paths;
    }

    Response exportTar(Request request, RequestContext context) throws AgentException, IOException {
        ExportTarRequest export = request.getExportTar();
        String mount = export.getMount();
        String path = export.getPath();
        Path dir = paths.resolve(mount, path);
        String what = FileOperations.what(mount, path);
        try {
            if (((Integer) FileInfos.lstat(dir).get("mode") & FileInfos.S_IFMT) != FileInfos.S_IFDIR) {
                throw new AgentException(Errno.ENOTDIR, what + " is not a directory");
            }
            CountingOutputStream counted = new CountingOutputStream(context.download());
            TarWriter tar = new TarWriter(counted);
            new DirectoryTarWriter(tar).writeChildren(dir, "");
            tar.finish();
            return FileOperations.transfer(counted.count());
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw FileErrors.of(e, what);
        }
    }
}
