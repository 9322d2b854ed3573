package io.layerd.daemon.grpc;

import com.google.protobuf.Timestamp;
import io.layerd.api.containerd.snapshots.v1.Kind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Mount;

import java.time.Instant;
import java.util.List;

/** Translation between containerd's protobuf messages and layerd's core types; nothing else. */
public final class ProtoMapping {
    private ProtoMapping() {
    }

    public static io.layerd.api.containerd.snapshots.v1.Info info(Info i) {
        return io.layerd.api.containerd.snapshots.v1.Info.newBuilder()
                .setName(i.name())
                .setParent(i.parent())
                .setKind(kind(i.kind()))
                .setCreatedAt(timestamp(i.created()))
                .setUpdatedAt(timestamp(i.updated()))
                .putAllLabels(i.labels())
                .build();
    }

    public static Info info(io.layerd.api.containerd.snapshots.v1.Info p) {
        return new Info(p.getName(), p.getParent(), p.getKind() == Kind.UNKNOWN || p.getKind() == Kind.UNRECOGNIZED
                ? null : kind(p.getKind()), instant(p.getCreatedAt()), instant(p.getUpdatedAt()), p.getLabelsMap());
    }

    public static Kind kind(io.layerd.core.snapshot.Kind k) {
        return switch (k) {
            case VIEW -> Kind.VIEW;
            case ACTIVE -> Kind.ACTIVE;
            case COMMITTED -> Kind.COMMITTED;
        };
    }

    /** containerd's client rule: ACTIVE and VIEW as such, anything else is committed. */
    public static io.layerd.core.snapshot.Kind kind(Kind k) {
        return switch (k) {
            case ACTIVE -> io.layerd.core.snapshot.Kind.ACTIVE;
            case VIEW -> io.layerd.core.snapshot.Kind.VIEW;
            default -> io.layerd.core.snapshot.Kind.COMMITTED;
        };
    }

    public static List<io.layerd.api.containerd.types.Mount> mounts(List<Mount> mounts) {
        return mounts.stream().map(ProtoMapping::mount).toList();
    }

    public static io.layerd.api.containerd.types.Mount mount(Mount m) {
        return io.layerd.api.containerd.types.Mount.newBuilder()
                .setType(m.type()).setSource(m.source()).setTarget(m.target()).addAllOptions(m.options()).build();
    }

    public static Mount mount(io.layerd.api.containerd.types.Mount m) {
        return new Mount(m.getType(), m.getSource(), m.getTarget(), m.getOptionsList());
    }

    public static Timestamp timestamp(Instant t) {
        if (t == null) {
            return Timestamp.getDefaultInstance();
        }
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    public static Instant instant(Timestamp t) {
        if (t.getSeconds() == 0 && t.getNanos() == 0) {
            return null;
        }
        if (t.getNanos() < 0 || t.getNanos() > 999_999_999) {
            throw LayerdException.invalidArgument("timestamp nanos %d out of range", t.getNanos());
        }
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
