package io.layerd.servicevm.hcs;

import java.util.Map;

/** Names of the Winsock error codes a Hyper-V socket is likely to report. */
final class WinsockErrors {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(10004, "WSAEINTR"),
            Map.entry(10009, "WSAEBADF"),
            Map.entry(10013, "WSAEACCES"),
            Map.entry(10022, "WSAEINVAL"),
            Map.entry(10038, "WSAENOTSOCK"),
            Map.entry(10047, "WSAEAFNOSUPPORT"),
            Map.entry(10048, "WSAEADDRINUSE"),
            Map.entry(10049, "WSAEADDRNOTAVAIL"),
            Map.entry(10050, "WSAENETDOWN"),
            Map.entry(10053, "WSAECONNABORTED"),
            Map.entry(10054, "WSAECONNRESET"),
            Map.entry(10057, "WSAENOTCONN"),
            Map.entry(10058, "WSAESHUTDOWN"),
            Map.entry(10060, "WSAETIMEDOUT"),
            Map.entry(10061, "WSAECONNREFUSED"),
            Map.entry(10093, "WSANOTINITIALISED"));

    private WinsockErrors() {
    }

    /** {@code WSAECONNRESET (10054)}, or {@code Winsock error 12345} for codes without a name here. */
    static String describe(int error) {
        String name = NAMES.get(error);
        return name == null ? "Winsock error " + error : name + " (" + error + ")";
    }
}
