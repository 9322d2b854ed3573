package io.layerd.servicevm.agent;

/** The errno values the agent reports, with Linux's numbers. */
public enum Errno {
    EPERM(1), ENOENT(2), EIO(5), EBADF(9), EAGAIN(11), EACCES(13), EBUSY(16), EEXIST(17), EXDEV(18),
    ENODEV(19), ENOTDIR(20), EISDIR(21), EINVAL(22), ENOSPC(28), EROFS(30), ENAMETOOLONG(36), ENOSYS(38),
    ENOTEMPTY(39), ELOOP(40), EPROTO(71), EMSGSIZE(90), EPROTONOSUPPORT(93), ETIMEDOUT(110), ECANCELED(125);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }
}
