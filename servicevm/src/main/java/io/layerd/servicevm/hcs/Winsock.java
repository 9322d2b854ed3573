package io.layerd.servicevm.hcs;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.win32.StdCallLibrary;

/**
 * The {@code ws2_32.dll} functions a blocking Hyper-V socket listener needs. AF_HYPERV sockets are
 * stream-only and support socket, bind, listen, accept, send and recv.
 */
public interface Winsock extends StdCallLibrary {
    int AF_HYPERV = SockaddrHv.AF_HYPERV;
    int SOCK_STREAM = 1;
    /** {@code HV_PROTOCOL_RAW}, the only Hyper-V socket protocol. */
    int HV_PROTOCOL_RAW = 1;
    int SOCKET_ERROR = -1;
    /** {@code SD_BOTH}: stop sending and receiving. */
    int SD_BOTH = 2;
    /** Winsock 2.2. */
    short VERSION_2_2 = 0x0202;
    /** {@code sizeof(WSADATA)} is 408 on 64-bit Windows; a little more costs nothing. */
    int WSADATA_SIZE = 512;

    /** {@code int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData)}: 0 or the error code itself. */
    int WSAStartup(short versionRequested, Pointer data);

    SocketHandle socket(int addressFamily, int type, int protocol);

    int bind(SocketHandle socket, SockaddrHv address, int addressLength);

    int listen(SocketHandle socket, int backlog);

    /** {@code SOCKET accept(SOCKET s, sockaddr* addr, int* addrlen)}; the peer address is not needed. */
    SocketHandle accept(SocketHandle socket, Pointer address, Pointer addressLength);

    int recv(SocketHandle socket, Pointer buffer, int length, int flags);

    int send(SocketHandle socket, Pointer buffer, int length, int flags);

    int shutdown(SocketHandle socket, int how);

    int closesocket(SocketHandle socket);

    /**
     * The error of this thread's last failed Winsock call. {@code WSAGetLastError} is the thread's
     * Win32 last error, which the JVM may overwrite between two JNA calls; JNA saves it right after
     * every call, so read that copy instead.
     */
    default int lastError() {
        return Native.getLastError();
    }
}
