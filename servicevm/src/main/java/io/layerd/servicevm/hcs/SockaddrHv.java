package io.layerd.servicevm.hcs;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

import java.util.UUID;

/**
 * {@code SOCKADDR_HV}, the address of a Hyper-V socket:
 *
 * <pre>
 *   offset  size  field      type
 *   0       2     Family     ADDRESS_FAMILY (AF_HYPERV = 34)
 *   2       2     Reserved   USHORT (0)
 *   4       16    VmId       GUID, Windows byte order ({@link Guid})
 *   20      16    ServiceId  GUID
 *   size 36 = 2 + 2 + 16 + 16
 * </pre>
 *
 * The GUIDs are byte arrays so that JNA adds no padding and {@link Guid} controls the byte order.
 */
@FieldOrder({"Family", "Reserved", "VmId", "ServiceId"})
public final class SockaddrHv extends Structure {
    public static final short AF_HYPERV = 34;
    public static final int SIZE = 2 + 2 + Guid.SIZE + Guid.SIZE;

    public short Family;
    public short Reserved;
    public byte[] VmId = new byte[Guid.SIZE];
    public byte[] ServiceId = new byte[Guid.SIZE];

    public SockaddrHv() {
        super(ALIGN_NONE);
    }

    static SockaddrHv of(UUID vmId, UUID serviceId) {
        SockaddrHv address = new SockaddrHv();
        address.Family = AF_HYPERV;
        address.VmId = Guid.toWindowsBytes(vmId);
        address.ServiceId = Guid.toWindowsBytes(serviceId);
        address.write();
        return address;
    }

    UUID vmId() {
        return Guid.fromWindowsBytes(VmId);
    }

    UUID serviceId() {
        return Guid.fromWindowsBytes(ServiceId);
    }

    /** Byte offset of a field as JNA lays it out, for checking the layout against the table above. */
    int offsetOf(String field) {
        return fieldOffset(field);
    }
}
