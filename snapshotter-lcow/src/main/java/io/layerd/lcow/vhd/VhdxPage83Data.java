package io.layerd.lcow.vhd;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;

/**
 * The Page 83 Data metadata item ([MS-VHDX] 2.6.2.3): one GUID, the virtual disk's unique id that
 * the SCSI page 0x83 inquiry reports (the "virtual disk id").
 */
public record VhdxPage83Data(UUID pageData) {

    /** Bytes of the item: one GUID = 16. */
    public static final int SIZE = MsGuid.SIZE;

    public static final UUID ITEM_ID = UUID.fromString("BECA12AB-B2E6-4523-93EF-C309E000C746");

    public VhdxPage83Data {
        Objects.requireNonNull(pageData, "pageData");
    }

    public void writeTo(ByteBuffer dst) {
        MsGuid.put(dst, dst.position(), pageData);
        dst.position(dst.position() + SIZE);
    }

    public static VhdxPage83Data read(ByteBuffer src) {
        UUID id = MsGuid.get(src, src.position());
        src.position(src.position() + SIZE);
        return new VhdxPage83Data(id);
    }
}
