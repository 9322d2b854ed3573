package io.layerd.core.metastore;

import io.layerd.core.errors.LayerdException;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The transactional metadata store of one snapshotter root: a SQLite database in WAL mode.
 *
 * <p>Every operation runs in exactly one transaction. Writes are serialised on one connection
 * (SQLite admits one writer at a time anyway, and a Java lock is cheaper than busy retries);
 * reads use a small pool of their own connections, so Stat and List never wait for a writer.
 * {@code synchronous=FULL} makes each commit durable before the call returns, so a snapshot
 * directory renamed inside a write transaction never outlives a lost commit.
 */
public final class MetaStore implements AutoCloseable {
    /** Work done inside one transaction. May throw IOException for file operations it performs. */
    @FunctionalInterface
    public interface Work<T> {
        T run(MetaTransaction tx) throws IOException;
    }

    private static final int READERS = 4;
    private static final int SCHEMA_VERSION = 1;

    private final Path file;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Connection writer;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private volatile boolean closed;

    private MetaStore(Path file) throws SQLException {
        this.file = file;
        this.writer = connect(false);
        migrate(writer);
        for (int i = 0; i < READERS; i++) {
            readers.add(connect(true));
        }
    }

    /** Opens (creating if needed) the store in {@code file}. */
    public static MetaStore open(Path file) {
        try {
            return new MetaStore(file);
        } catch (SQLException e) {
            throw LayerdException.internal("metadata store " + file + ": cannot open: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** Runs {@code work} in a read-only transaction that sees one consistent state. */
    public <T> T read(Work<T> work) {
        checkOpen();
        Connection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LayerdException.unavailable("metadata store %s: interrupted", file);
        }
        try {
            return inTransaction(c, work);
        } finally {
            if (closed) {
                closeQuietly(c); // the store closed while this read ran: nobody will take it again
            } else {
                readers.add(c);
            }
        }
    }

    /** Runs {@code work} in a write transaction; it commits only if {@code work} returns normally. */
    public <T> T write(Work<T> work) {
        checkOpen();
        writeLock.lock();
        try {
            return inTransaction(writer, work);
        } finally {
            writeLock.unlock();
        }
    }

    private <T> T inTransaction(Connection c, Work<T> work) {
        try {
            T result = work.run(new MetaTransaction(c));
            c.commit();
            return result;
        } catch (SQLException e) {
            rollback(c);
            throw LayerdException.internal("metadata store " + file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            rollback(c);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            rollback(c);
            throw e;
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the original failure is the one worth reporting
        }
    }

    private Connection connect(boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(30_000);
        config.setReadOnly(readOnly);
        if (!readOnly) {
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        }
        Connection c = config.createConnection("jdbc:sqlite:" + file);
        c.setAutoCommit(false);
        return c;
    }

    private static void migrate(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            int version;
            try (var rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version > SCHEMA_VERSION) {
                throw new SQLException("schema version " + version + " is newer than this layerd ("
                        + SCHEMA_VERSION + "); upgrade layerd");
            }
            if (version < 1) {
                // AUTOINCREMENT: ids name directories, so an id must never be handed out twice,
                // even after the highest snapshot was removed.
                s.executeUpdate("""
                        CREATE TABLE snapshots (
                          id         INTEGER PRIMARY KEY AUTOINCREMENT,
                          key        TEXT    NOT NULL UNIQUE,
                          parent_id  INTEGER REFERENCES snapshots(id),
                          kind       TEXT    NOT NULL CHECK (kind IN ('active', 'view', 'committed')),
                          created_ns INTEGER NOT NULL,
                          updated_ns INTEGER NOT NULL,
                          size       INTEGER NOT NULL DEFAULT 0,
                          inodes     INTEGER NOT NULL DEFAULT 0
                        )""");
                s.executeUpdate("CREATE INDEX snapshots_parent ON snapshots(parent_id)");
                s.executeUpdate("""
                        CREATE TABLE labels (
                          snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
                          name        TEXT    NOT NULL,
                          value       TEXT    NOT NULL,
                          PRIMARY KEY (snapshot_id, name)
                        ) WITHOUT ROWID""");
                s.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
            }
        }
        c.commit();
    }

    private void checkOpen() {
        if (closed) {
            throw LayerdException.unavailable("metadata store %s is closed", file);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        writeLock.lock();
        try {
            closed = true;
            closeQuietly(writer);
            Connection c;
            while ((c = readers.poll()) != null) {
                closeQuietly(c);
            }
        } finally {
            writeLock.unlock();
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing: nothing left to protect
        }
    }
}
