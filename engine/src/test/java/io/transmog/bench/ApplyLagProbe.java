package io.transmog.bench;

import io.transmog.load.Latencies;
import io.transmog.testdb.MariaDbServer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Apply lag as the data shows it: every quarter second, changes one row of the original (a key the writers leave
 * alone) and times how long until the ghost table holds the new value. That covers the whole path (binlog, stream,
 * pending keys, re-sync), not just the stream's heartbeat age. A change made while there is no ghost table (before it
 * is created, after the swap) is not counted.
 */
final class ApplyLagProbe implements AutoCloseable {
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int NO_SUCH_TABLE = 1146;

    private final Latencies samples = new Latencies();
    private final SentStatements sent = new SentStatements();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String failure;

    ApplyLagProbe(MariaDbServer server, String database, String table, String ghost, long key) throws SQLException {
        Connection connection = server.connect(database);
        thread = new Thread(() -> probe(connection, table, ghost, key), "apply-lag-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void probe(Connection connection, String table, String ghost, long key) {
        try (connection;
             PreparedStatement change = connection.prepareStatement("UPDATE " + table + " SET c = ? WHERE id = ?");
             PreparedStatement read = connection.prepareStatement("SELECT c FROM " + ghost + " WHERE id = ?")) {
            change.setLong(2, key);
            read.setLong(1, key);
            for (long n = 0; running; n++) {
                long started = System.nanoTime();
                String token = "apply-lag-probe-" + n;
                change.setString(1, token);
                sent.sent();
                change.executeUpdate();
                long changed = System.nanoTime();
                long seen = awaitInGhost(read, token, changed);
                if (seen > 0) {
                    samples.add(changed, seen - changed);
                }
                long next = started + PERIOD_NANOS - System.nanoTime();
                if (next > 0) {
                    TimeUnit.NANOSECONDS.sleep(next);
                }
            }
        } catch (SQLException e) {
            failure = e.getErrorCode() + " " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** When the ghost showed the token (System.nanoTime()), or 0 when there is no ghost table to look in. */
    private long awaitInGhost(PreparedStatement read, String token, long since) throws SQLException, InterruptedException {
        while (running && System.nanoTime() - since < GIVE_UP_NANOS) {
            sent.sent();
            try (ResultSet rs = read.executeQuery()) {
                if (rs.next() && token.equals(rs.getString(1))) {
                    return System.nanoTime();
                }
            } catch (SQLException e) {
                if (e.getErrorCode() == NO_SUCH_TABLE) {
                    return 0;
                }
                throw e;
            }
            TimeUnit.NANOSECONDS.sleep(POLL_NANOS);
        }
        return 0;
    }

    /** The probe's statements sent in {@code [from, to)}; only after {@link #close()}. */
    long statementsBetween(long from, long to) {
        return sent.between(from, to);
    }

    /** Lags of the changes made in {@code [from, to)}; only after {@link #close()}. */
    Latencies.Summary between(long from, long to) {
        return Latencies.between(List.of(samples), from, to);
    }

    /** Why the probe stopped early, or null. */
    String failure() {
        return failure;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(70));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
