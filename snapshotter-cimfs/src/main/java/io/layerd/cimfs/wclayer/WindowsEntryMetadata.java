package io.layerd.cimfs.wclayer;

import io.layerd.cimfs.image.CimFileMetadata;
import io.layerd.core.tar.TarEntry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Windows layer tar says about one file, as {@code CimCreateFile} takes it: the PAX
 * records {@code MSWINDOWS.fileattr} (decimal Win32 attributes; a directory without it gets
 * FILE_ATTRIBUTE_DIRECTORY), {@code MSWINDOWS.rawsd} (base64 security descriptor),
 * {@code LIBARCHIVE.creationtime}, {@code MSWINDOWS.xattr.*} (base64 EA values) and
 * {@code MSWINDOWS.mountpoint}; times: last write = mtime, last access = atime, change = ctime
 * (mtime when absent). The reparse-point attribute a tar carries is dropped and set again only for
 * symlink entries, whose target becomes the reparse buffer.
 */
public final class WindowsEntryMetadata {
    public static final String FILE_ATTRIBUTES = "MSWINDOWS.fileattr";
    public static final String RAW_SECURITY_DESCRIPTOR = "MSWINDOWS.rawsd";
    public static final String SDDL_SECURITY_DESCRIPTOR = "MSWINDOWS.sd";
    public static final String CREATION_TIME = "LIBARCHIVE.creationtime";
    public static final String EA_PREFIX = "MSWINDOWS.xattr.";
    public static final String MOUNT_POINT = "MSWINDOWS.mountpoint";
    public static final int FILE_ATTRIBUTE_DIRECTORY = 0x10;
    public static final int FILE_ATTRIBUTE_REPARSE_POINT = 0x400;

    private WindowsEntryMetadata() {
    }

    /** The metadata of {@code e} with {@code size} bytes of default stream. */
    public static CimFileMetadata of(TarEntry e, String name, long size) throws LayerImportException {
        int attributes = attributes(e, name);
        byte[] reparse = null;
        if (e.type() == TarEntry.Type.SYMLINK) {
            try {
                reparse = new ReparsePoint(e.linkName(), e.pax().containsKey(MOUNT_POINT)).encode();
            } catch (IllegalArgumentException x) {
                throw new LayerImportException(name, x.getMessage());
            }
            attributes |= FILE_ATTRIBUTE_REPARSE_POINT;
        }
        Instant mtime = e.mtime();
        Instant created = mtime;
        String creation = e.paxText(CREATION_TIME);
        if (creation != null) {
            try {
                created = FileTimes.parsePax(creation);
            } catch (NumberFormatException | ArithmeticException x) {
                throw new LayerImportException(name, CREATION_TIME + " \"" + creation + "\" is not a time in seconds");
            }
        }
        Instant accessed = e.atime() != null ? e.atime() : mtime;
        Instant changed = e.ctime() != null ? e.ctime() : mtime;
        try {
            return new CimFileMetadata(attributes, size, FileTimes.of(created), FileTimes.of(mtime), FileTimes.of(changed),
                    FileTimes.of(accessed), securityDescriptor(e, name), reparse, extendedAttributes(e, name));
        } catch (ArithmeticException x) {
            throw new LayerImportException(name, "a time outside what a Windows FILETIME holds");
        }
    }

    private static int attributes(TarEntry e, String name) throws LayerImportException {
        String text = e.paxText(FILE_ATTRIBUTES);
        int attributes;
        if (text == null) {
            attributes = e.type() == TarEntry.Type.DIRECTORY ? FILE_ATTRIBUTE_DIRECTORY : 0;
        } else {
            long v;
            try {
                v = Long.parseLong(text.trim());
            } catch (NumberFormatException x) {
                throw new LayerImportException(name, FILE_ATTRIBUTES + " \"" + text + "\" is not a decimal number");
            }
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new LayerImportException(name, FILE_ATTRIBUTES + " " + v + " is not a 32-bit attribute set");
            }
            attributes = (int) v;
        }
        boolean directory = e.type() == TarEntry.Type.DIRECTORY;
        if (directory != ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) && e.type() != TarEntry.Type.SYMLINK) {
            throw new LayerImportException(name, FILE_ATTRIBUTES + " " + text + (directory ? " lacks" : " has")
                    + " FILE_ATTRIBUTE_DIRECTORY for a " + e.type().name().toLowerCase());
        }
        return attributes & ~FILE_ATTRIBUTE_REPARSE_POINT;
    }

    private static byte[] securityDescriptor(TarEntry e, String name) throws LayerImportException {
        String raw = e.paxText(RAW_SECURITY_DESCRIPTOR);
        if (raw != null) {
            byte[] sd = base64(raw, RAW_SECURITY_DESCRIPTOR, name);
            if (sd.length > 0xFFFF) {
                throw new LayerImportException(name, RAW_SECURITY_DESCRIPTOR + " of " + sd.length + " bytes: a descriptor holds at most 65535");
            }
            if (sd.length < 20 || sd[0] != 1) {
                throw new LayerImportException(name, RAW_SECURITY_DESCRIPTOR + " is not a self-relative security descriptor (revision 1, at least 20 bytes)");
            }
            return sd;
        }
        String sddl = e.paxText(SDDL_SECURITY_DESCRIPTOR);
        if (sddl != null) {
            try {
                return Sddl.toSecurityDescriptor(sddl);
            } catch (IllegalArgumentException x) {
                throw new LayerImportException(name, SDDL_SECURITY_DESCRIPTOR + " \"" + sddl + "\": " + x.getMessage());
            }
        }
        return null;
    }

    private static byte[] extendedAttributes(TarEntry e, String name) throws LayerImportException {
        Map<String, byte[]> eas = new TreeMap<>();
        for (Map.Entry<String, byte[]> p : e.pax().entrySet()) {
            if (p.getKey().startsWith(EA_PREFIX)) {
                String ea = p.getKey().substring(EA_PREFIX.length());
                eas.put(ea, base64(new String(p.getValue(), StandardCharsets.UTF_8), p.getKey(), name));
            }
        }
        try {
            return ExtendedAttributes.encode(eas);
        } catch (IllegalArgumentException x) {
            throw new LayerImportException(name, x.getMessage());
        }
    }

    private static byte[] base64(String value, String record, String name) throws LayerImportException {
        try {
            return Base64.getDecoder().decode(value.trim());
        } catch (IllegalArgumentException x) {
            throw new LayerImportException(name, record + " is not valid base64 (" + x.getMessage() + ")");
        }
    }
}
