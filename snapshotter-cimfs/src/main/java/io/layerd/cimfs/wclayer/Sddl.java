package io.layerd.cimfs.wclayer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Security Descriptor Definition Language → self-relative security descriptor, for layer tars
 * that carry the legacy {@code MSWINDOWS.sd} (an SDDL string) instead of {@code MSWINDOWS.rawsd}.
 * Windows converts those with ConvertStringSecurityDescriptorToSecurityDescriptor, which does not
 * exist elsewhere; this covers what layer tars use: owner, group, DACL and SACL with their
 * P/AI/AR flags and NO_ACCESS_CONTROL, ACEs of the allow/deny/audit/alarm types, ACE flags, rights
 * as hex or two-letter codes, SIDs as S-1-… or the well-known two-letter aliases. Object ACEs and
 * conditional expressions are refused with a message. The descriptor is laid out SACL, DACL,
 * owner, group, the order Windows' converter uses.
 */
final class Sddl {
    private static final int SE_DACL_PRESENT = 0x0004;
    private static final int SE_SACL_PRESENT = 0x0010;
    private static final int SE_DACL_AUTO_INHERIT_REQ = 0x0100;
    private static final int SE_SACL_AUTO_INHERIT_REQ = 0x0200;
    private static final int SE_DACL_AUTO_INHERITED = 0x0400;
    private static final int SE_SACL_AUTO_INHERITED = 0x0800;
    private static final int SE_DACL_PROTECTED = 0x1000;
    private static final int SE_SACL_PROTECTED = 0x2000;
    private static final int SE_SELF_RELATIVE = 0x8000;

    private static final Map<String, String> SIDS = Map.ofEntries(
            Map.entry("WD", "S-1-1-0"), Map.entry("CO", "S-1-3-0"), Map.entry("CG", "S-1-3-1"), Map.entry("OW", "S-1-3-4"),
            Map.entry("NU", "S-1-5-2"), Map.entry("IU", "S-1-5-4"), Map.entry("SU", "S-1-5-6"), Map.entry("AN", "S-1-5-7"),
            Map.entry("ED", "S-1-5-9"), Map.entry("PS", "S-1-5-10"), Map.entry("AU", "S-1-5-11"), Map.entry("RC", "S-1-5-12"),
            Map.entry("SY", "S-1-5-18"), Map.entry("LS", "S-1-5-19"), Map.entry("NS", "S-1-5-20"), Map.entry("BA", "S-1-5-32-544"),
            Map.entry("BU", "S-1-5-32-545"), Map.entry("BG", "S-1-5-32-546"), Map.entry("PU", "S-1-5-32-547"),
            Map.entry("AO", "S-1-5-32-548"), Map.entry("SO", "S-1-5-32-549"), Map.entry("PO", "S-1-5-32-550"),
            Map.entry("BO", "S-1-5-32-551"), Map.entry("RE", "S-1-5-32-552"), Map.entry("RU", "S-1-5-32-554"),
            Map.entry("RD", "S-1-5-32-555"), Map.entry("NO", "S-1-5-32-556"), Map.entry("AC", "S-1-15-2-1"),
            Map.entry("LW", "S-1-16-4096"), Map.entry("ME", "S-1-16-8192"), Map.entry("HI", "S-1-16-12288"),
            Map.entry("SI", "S-1-16-16384"));
    private static final Map<String, Integer> RIGHTS = Map.ofEntries(
            Map.entry("GA", 0x10000000), Map.entry("GX", 0x20000000), Map.entry("GW", 0x40000000), Map.entry("GR", 0x80000000),
            Map.entry("SD", 0x00010000), Map.entry("RC", 0x00020000), Map.entry("WD", 0x00040000), Map.entry("WO", 0x00080000),
            Map.entry("FA", 0x001F01FF), Map.entry("FR", 0x00120089), Map.entry("FW", 0x00120116), Map.entry("FX", 0x001200A0),
            Map.entry("KA", 0x000F003F), Map.entry("KR", 0x00020019), Map.entry("KW", 0x00020006), Map.entry("KX", 0x00020019),
            Map.entry("CC", 0x1), Map.entry("DC", 0x2), Map.entry("LC", 0x4), Map.entry("SW", 0x8), Map.entry("RP", 0x10),
            Map.entry("WP", 0x20), Map.entry("DT", 0x40), Map.entry("LO", 0x80), Map.entry("CR", 0x100));
    private static final Map<String, Integer> ACE_TYPES = Map.of("A", 0, "D", 1, "AU", 2, "AL", 3);
    private static final Map<String, Integer> ACE_FLAGS = Map.of("OI", 0x1, "CI", 0x2, "NP", 0x4, "IO", 0x8, "ID", 0x10,
            "SA", 0x40, "FA", 0x80);

    private Sddl() {
    }

    static byte[] toSecurityDescriptor(String sddl) {
        byte[] owner = null;
        byte[] group = null;
        byte[] dacl = null;
        byte[] sacl = null;
        int control = SE_SELF_RELATIVE;
        int i = 0;
        String s = sddl.trim();
        while (i < s.length()) {
            if (i + 1 >= s.length() || s.charAt(i + 1) != ':') {
                throw new IllegalArgumentException("expected O:, G:, D: or S: at position " + i);
            }
            char part = s.charAt(i);
            int end = nextPart(s, i + 2);
            String body = s.substring(i + 2, end);
            switch (part) {
                case 'O' -> owner = sid(body);
                case 'G' -> group = sid(body);
                case 'D', 'S' -> {
                    boolean d = part == 'D';
                    int paren = body.indexOf('(');
                    String flags = paren < 0 ? body : body.substring(0, paren);
                    control |= d ? SE_DACL_PRESENT : SE_SACL_PRESENT;
                    boolean nullAcl = false;
                    for (String f : splitFlags(flags)) {
                        switch (f) {
                            case "P" -> control |= d ? SE_DACL_PROTECTED : SE_SACL_PROTECTED;
                            case "AI" -> control |= d ? SE_DACL_AUTO_INHERITED : SE_SACL_AUTO_INHERITED;
                            case "AR" -> control |= d ? SE_DACL_AUTO_INHERIT_REQ : SE_SACL_AUTO_INHERIT_REQ;
                            case "NO_ACCESS_CONTROL" -> nullAcl = true;
                            default -> throw new IllegalArgumentException("unknown ACL flag \"" + f + "\"");
                        }
                    }
                    byte[] acl = nullAcl ? null : acl(paren < 0 ? "" : body.substring(paren));
                    if (d) {
                        dacl = acl;
                    } else {
                        sacl = acl;
                    }
                }
                default -> throw new IllegalArgumentException("unknown part \"" + part + ":\"");
            }
            i = end;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[20]);
        int saclAt = place(out, sacl);
        int daclAt = place(out, dacl);
        int ownerAt = place(out, owner);
        int groupAt = place(out, group);
        byte[] sd = out.toByteArray();
        ByteBuffer.wrap(sd).order(ByteOrder.LITTLE_ENDIAN).put((byte) 1).put((byte) 0).putShort((short) control)
                .putInt(ownerAt).putInt(groupAt).putInt(saclAt).putInt(daclAt);
        return sd;
    }

    private static int nextPart(String s, int from) {
        int depth = 0;
        for (int j = from; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (depth == 0 && j + 1 < s.length() && s.charAt(j + 1) == ':' && "OGDS".indexOf(c) >= 0) {
                return j;
            }
        }
        return s.length();
    }

    private static int place(ByteArrayOutputStream out, byte[] part) {
        if (part == null) {
            return 0;
        }
        int at = out.size();
        out.writeBytes(part);
        return at;
    }

    private static List<String> splitFlags(String flags) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < flags.length()) {
            if (flags.startsWith("NO_ACCESS_CONTROL", i)) {
                out.add("NO_ACCESS_CONTROL");
                i += "NO_ACCESS_CONTROL".length();
            } else if (flags.charAt(i) == 'P') {
                out.add("P");
                i++;
            } else {
                out.add(flags.substring(i, Math.min(flags.length(), i + 2)));
                i += 2;
            }
        }
        return out;
    }

    private static byte[] acl(String aces) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int count = 0;
        int i = 0;
        while (i < aces.length()) {
            if (aces.charAt(i) != '(') {
                throw new IllegalArgumentException("expected \"(\" at \"" + aces.substring(i) + "\"");
            }
            int close = aces.indexOf(')', i);
            if (close < 0) {
                throw new IllegalArgumentException("an ACE without its \")\"");
            }
            body.writeBytes(ace(aces.substring(i + 1, close)));
            count++;
            i = close + 1;
        }
        byte[] b = body.toByteArray();
        return ByteBuffer.allocate(8 + b.length).order(ByteOrder.LITTLE_ENDIAN).put((byte) 2).put((byte) 0)
                .putShort((short) (8 + b.length)).putShort((short) count).putShort((short) 0).put(b).array();
    }

    private static byte[] ace(String text) {
        String[] f = text.split(";", -1);
        if (f.length < 6) {
            throw new IllegalArgumentException("ACE \"(" + text + ")\" needs six fields");
        }
        Integer type = ACE_TYPES.get(f[0].toUpperCase(Locale.ROOT));
        if (type == null || !f[3].isEmpty() || !f[4].isEmpty() || f.length > 6) {
            throw new IllegalArgumentException("ACE \"(" + text + ")\": only A, D, AU and AL ACEs without object types or conditions are supported");
        }
        int flags = 0;
        for (int i = 0; i < f[1].length(); i += 2) {
            Integer flag = ACE_FLAGS.get(f[1].substring(i, Math.min(f[1].length(), i + 2)));
            if (flag == null) {
                throw new IllegalArgumentException("ACE \"(" + text + ")\": unknown flag in \"" + f[1] + "\"");
            }
            flags |= flag;
        }
        byte[] sid = sid(f[5]);
        return ByteBuffer.allocate(8 + sid.length).order(ByteOrder.LITTLE_ENDIAN).put(type.byteValue()).put((byte) flags)
                .putShort((short) (8 + sid.length)).putInt(rights(f[2], text)).put(sid).array();
    }

    private static int rights(String r, String ace) {
        if (r.startsWith("0x") || r.startsWith("0X")) {
            return (int) Long.parseLong(r.substring(2), 16);
        }
        int mask = 0;
        for (int i = 0; i < r.length(); i += 2) {
            Integer right = RIGHTS.get(r.substring(i, Math.min(r.length(), i + 2)));
            if (right == null) {
                throw new IllegalArgumentException("ACE \"(" + ace + ")\": unknown right in \"" + r + "\"");
            }
            mask |= right;
        }
        return mask;
    }

    /** A binary SID: revision 1, sub-authority count, 48-bit big-endian authority, little-endian sub-authorities. */
    static byte[] sid(String text) {
        String s = SIDS.getOrDefault(text.toUpperCase(Locale.ROOT), text);
        String[] p = s.split("-");
        if (p.length < 3 || !p[0].equalsIgnoreCase("S") || !p[1].equals("1") || p.length - 3 > 15) {
            throw new IllegalArgumentException("\"" + text + "\" is not a SID (S-1-…) or a known alias");
        }
        try {
            ByteBuffer b = ByteBuffer.allocate(8 + 4 * (p.length - 3));
            b.put((byte) 1).put((byte) (p.length - 3));
            long authority = Long.parseLong(p[2]);
            for (int shift = 40; shift >= 0; shift -= 8) {
                b.put((byte) (authority >>> shift));
            }
            b.order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 3; i < p.length; i++) {
                b.putInt((int) Long.parseLong(p[i]));
            }
            return b.array();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a SID (S-1-…) or a known alias");
        }
    }
}
