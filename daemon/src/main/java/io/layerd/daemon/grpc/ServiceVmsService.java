package io.layerd.daemon.grpc;

import io.layerd.api.servicevm.v1.OperationInfo;
import io.layerd.servicevm.manager.OperationRecord;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.layerd.api.servicevm.v1.ExecRequest;
import io.layerd.api.servicevm.v1.ExecResponse;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.api.servicevm.v1.ServiceVmsGrpc;
import io.layerd.api.servicevm.v1.StartVmRequest;
import io.layerd.api.servicevm.v1.StopVmRequest;
import io.layerd.api.servicevm.v1.VmInfo;
import io.layerd.api.servicevm.v1.VmStatusRequest;
import io.layerd.api.servicevm.v1.VmStatusResponse;
import io.layerd.core.errors.LayerdException;
import io.layerd.servicevm.bridge.BridgeException;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;
import io.layerd.servicevm.manager.VmStatus;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code layerd.servicevm.v1.ServiceVms}: lets a person drive the service VMs through the
 * daemon. Leases taken by Start are held here until Stop (or the daemon stops).
 */
public final class ServiceVmsService extends ServiceVmsGrpc.ServiceVmsImplBase {
    /** Downloads larger than this do not fit one response; the CLI is not a bulk transfer tool. */
    static final int MAX_DOWNLOAD = 64 << 20;

    private final ServiceVmManager manager;
    private final String hypervisor;
    private final Map<String, ServiceVmLease> held = new TreeMap<>();

    public ServiceVmsService(ServiceVmManager manager) {
        this.manager = manager;
        this.hypervisor = manager.hypervisor().name();
    }

    @Override
    public void start(StartVmRequest r, StreamObserver<VmStatusResponse> out) {
        Calls.unary(out, "", () -> {
            String owner = owner(r.getOwner());
            synchronized (held) {
                if (!held.containsKey(owner)) {
                    held.put(owner, acquire(owner));
                }
            }
            return status();
        });
    }

    @Override
    public void status(VmStatusRequest r, StreamObserver<VmStatusResponse> out) {
        Calls.unary(out, "", this::status);
    }

    @Override
    public void exec(ExecRequest r, StreamObserver<ExecResponse> out) {
        Calls.unary(out, "", () -> {
            if (r.getRequest().getOpCase() == io.layerd.api.servicevm.v1.Request.OpCase.OP_NOT_SET) {
                throw LayerdException.invalidArgument("exec needs a request, e.g. {\"ping\":{}}");
            }
            String owner = owner(r.getOwner());
            ServiceVmLease lease;
            boolean temporary;
            synchronized (held) {
                lease = held.get(owner);
                temporary = lease == null;
            }
            if (temporary) {
                lease = acquire(owner);
            }
            try {
                BoundedBuffer download = new BoundedBuffer();
                long t0 = System.nanoTime();
                Response response;
                try {
                    response = lease.call(r.getRequest(), manager.settings().operationTimeout(),
                            r.getUpload().isEmpty() ? null : new ByteArrayInputStream(r.getUpload().toByteArray()), download);
                } catch (BridgeException e) {
                    response = Response.newBuilder().setError(e.error()).build();
                } catch (IOException e) {
                    throw LayerdException.unavailable("service VM request failed: %s", e.getMessage());
                }
                return ExecResponse.newBuilder().setResponse(response).setDownload(download.bytes())
                        .setVmId(lease.vmId()).setMillis((System.nanoTime() - t0) / 1_000_000).build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                if (temporary) {
                    lease.close();
                }
            }
        });
    }

    @Override
    public void stop(StopVmRequest r, StreamObserver<VmStatusResponse> out) {
        Calls.unary(out, "", () -> {
            List<ServiceVmLease> release = new ArrayList<>();
            synchronized (held) {
                if (r.getOwner().isEmpty()) {
                    release.addAll(held.values());
                    held.clear();
                } else {
                    ServiceVmLease l = held.remove(r.getOwner());
                    if (l == null) {
                        throw LayerdException.notFound("no service VM lease is held for owner \"%s\" (held: %s)", r.getOwner(), held.keySet());
                    }
                    release.add(l);
                }
            }
            release.forEach(ServiceVmLease::close);
            return status();
        });
    }

    /** Releases every lease held for the CLI (daemon shutdown). */
    public void releaseAll() {
        synchronized (held) {
            held.values().forEach(ServiceVmLease::close);
            held.clear();
        }
    }

    private ServiceVmLease acquire(String owner) {
        try {
            return manager.acquire(owner, "vm command");
        } catch (IOException e) {
            throw LayerdException.unavailable("cannot start a service VM for %s: %s", owner, e.getMessage());
        }
    }

    private static String owner(String owner) {
        return owner.isBlank() ? "cli" : owner;
    }

    private VmStatusResponse status() {
        VmStatusResponse.Builder b = VmStatusResponse.newBuilder().setMode(manager.settings().lifetime().configName())
                .setHypervisor(hypervisor).setBootFiles(manager.settings().bootFiles().toString()).setBoots(manager.bootCount());
        for (VmStatus s : manager.status()) {
            b.addVms(VmInfo.newBuilder().setId(s.id()).addAllOwners(s.owners()).setAccelerator(s.accelerator())
                    .setUptimeSeconds(s.uptime().toMillis() / 1000.0).setBootMillis(s.bootTime().toMillis()).addAllDisks(s.disks())
                    .setOperations(s.operations()).setConsoleLog(s.consoleLog()));
        }
        synchronized (held) {
            b.addAllHeldOwners(held.keySet());
        }
        for (OperationRecord op : manager.recentOperations()) {
            b.addRecentOperations(OperationInfo.newBuilder().setOperation(op.operation()).setOwner(op.owner()).addAllVmIds(op.vmIds())
                    .setStartedUnixMillis(op.started().toEpochMilli()).setMillis(op.duration().toMillis()).setRequests(op.requests())
                    .setVmWaitMillis(op.vmWait().toMillis()));
        }
        return b.build();
    }

    /** Collects a download, refusing more than {@link #MAX_DOWNLOAD} bytes. */
    private static final class BoundedBuffer extends OutputStream {
        private final ByteString.Output out = ByteString.newOutput();

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (out.size() + len > MAX_DOWNLOAD) {
                throw new IOException("the download is larger than " + (MAX_DOWNLOAD >> 20) + " MiB");
            }
            out.write(b, off, len);
        }

        ByteString bytes() {
            return out.toByteString();
        }
    }
}
