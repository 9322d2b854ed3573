package io.layerd.servicevm.agent;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** struct sockaddr_vm as the kernel reads it. */
class VsockLinkTest {
    @Test
    void socketAddressIsSixteenBytesInMachineOrder() {
        byte[] address = VsockLink.socketAddress(VsockLink.HOST_CID, 0x40000000L);
        assertEquals(16, address.length);
        ByteBuffer b = ByteBuffer.wrap(address).order(ByteOrder.nativeOrder());
        assertEquals(40, b.getShort(0), "svm_family AF_VSOCK");
        assertEquals(0, b.getShort(2), "svm_reserved1");
        assertEquals(0x40000000, b.getInt(4), "svm_port");
        assertEquals(2, b.getInt(8), "svm_cid: the host");
        assertEquals(0, b.getInt(12), "svm_zero");
    }

    @Test
    void portsAboveTwoToTheThirtyOneFitTheUnsignedField() {
        ByteBuffer b = ByteBuffer.wrap(VsockLink.socketAddress(3, 0xfffffffeL)).order(ByteOrder.nativeOrder());
        assertEquals(0xfffffffeL, b.getInt(4) & 0xffffffffL);
    }
}
