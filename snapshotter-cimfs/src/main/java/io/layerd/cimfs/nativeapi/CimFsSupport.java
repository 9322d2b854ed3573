package io.layerd.cimfs.nativeapi;

/**
 * Which CimFS features a Windows host has, as pure functions of its build, its revision (UBR)
 * and whether {@code cimfs.dll} / {@code cimwriter.dll} load — the gates hcsshim's
 * {@code pkg/cimfs} applies:
 *
 * <ul>
 *   <li>CimFS: build ≥ 26100, or build 20348 (Server 2022) from revision 2031 (the backport), and cimfs.dll loads;
 *   <li>block CIMs: build ≥ 27766 and cimfs.dll; writing them also works wherever cimwriter.dll loads, mounting needs the build;
 *   <li>verified CIMs: the same with build ≥ 27800;
 *   <li>merged CIMs: the block-CIM gates (the merged hard links in use arrived with block CIMs).
 * </ul>
 */
public record CimFsSupport(int build, int revision, boolean cimfsLoads, boolean cimwriterLoads) {
    public static final int SERVER_2022_BUILD = 20348;
    public static final int SERVER_2022_FIRST_REVISION = 2031;
    public static final int FIRST_CIMFS_BUILD = 26100;
    public static final int FIRST_BLOCK_CIM_BUILD = 27766;
    public static final int FIRST_VERIFIED_CIM_BUILD = 27800;

    public boolean cimFs() {
        return (build >= FIRST_CIMFS_BUILD || (build == SERVER_2022_BUILD && revision >= SERVER_2022_FIRST_REVISION)) && cimfsLoads;
    }

    public boolean blockCim() {
        return build >= FIRST_BLOCK_CIM_BUILD && cimfsLoads;
    }

    public boolean blockCimWrite() {
        return blockCim() || cimwriterLoads;
    }

    public boolean blockCimMount() {
        return blockCim();
    }

    public boolean verifiedCim() {
        return build >= FIRST_VERIFIED_CIM_BUILD && cimfsLoads;
    }

    public boolean verifiedCimWrite() {
        return verifiedCim() || cimwriterLoads;
    }

    public boolean verifiedCimMount() {
        return verifiedCim();
    }

    public boolean mergedCim() {
        return blockCim();
    }

    public boolean mergedCimWrite() {
        return blockCimWrite();
    }

    public boolean mergedCimMount() {
        return blockCimMount();
    }

    /** Why CimFS is or is not usable, for logs and error messages. */
    public String reason() {
        String os = "Windows build " + build + "." + revision;
        if (!(build >= FIRST_CIMFS_BUILD || (build == SERVER_2022_BUILD && revision >= SERVER_2022_FIRST_REVISION))) {
            return os + ": CimFS needs build " + FIRST_CIMFS_BUILD + " or later, or " + SERVER_2022_BUILD + " from revision "
                    + SERVER_2022_FIRST_REVISION;
        }
        if (!cimfsLoads) {
            return os + ": cimfs.dll does not load";
        }
        return os + ": CimFS is supported" + (cimwriterLoads ? " (writer: cimwriter.dll)" : "");
    }
}
