package io.layerd.daemon.server;

import io.layerd.core.errors.LayerdException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data root, so that two daemons never share one set of metadata. The
 * lock is an OS file lock (released by the kernel when the process dies, even by kill -9); the
 * file's content, the holder's pid, only serves the error message.
 */
public final class RootLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RootLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static RootLock acquire(Path lockFile) {
        try {
            Files.createDirectories(lockFile.getParent());
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                String holder = Files.readString(lockFile).trim();
                ch.close();
                throw LayerdException.failedPrecondition(
                        "another layerd (pid %s) is already running on data root %s (lock %s); stop it or use another root",
                        holder.isEmpty() ? "unknown" : holder, lockFile.getParent(), lockFile);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
            return new RootLock(ch, lock);
        } catch (IOException e) {
            throw LayerdException.internal("cannot lock data root: " + lockFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the kernel drops the lock when the process exits anyway
        }
    }
}
