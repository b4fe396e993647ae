package io.transmog.bench;

import io.transmog.testdb.MariaDbServer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How close InnoDB's checkpoint age (redo written since the last checkpoint) came to its limit during a run, sampled
 * every {@link #PERIOD_NANOS}. At the limit InnoDB flushes dirty pages before any further change may commit, and every
 * writer waits: MariaDB 10.11 with a 96 MiB redo log, 1M rows copied under 1,000 writes/s, held the age between 85 and
 * 95 % of its maximum for the whole copy and the writers' slow writes came in bursts, one per flush (p99 57–70 ms;
 * with 1 GiB of redo 11–18 ms). The bench's server has 512 MiB, about what a 1M-row copy and its table's preparation
 * write together. So each run's line says whether it ran against the limit, which puts such bursts where
 * they belong (and the bench lets the server flush before each run: see {@code Bench.settle}). The limit is
 * Innodb_checkpoint_max_age on MariaDB and the redo capacity on MySQL (whose own threshold for flushing lies below it,
 * so its percentages read low).
 */
final class RedoProbe implements AutoCloseable {
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final double NEAR_LIMIT = 0.9;

    private final long limitBytes;
    private final SentStatements sent = new SentStatements();
    private final Thread thread;
    // Written by the probe's thread only, read after close() joined it. The bench opens a probe right before a run and
    // closes it right after, so its whole life is the run's.
    private long peakBytes;
    private int samples;
    private int nearLimitSamples;
    private volatile boolean running = true;
    private volatile String failure;

    RedoProbe(MariaDbServer server) throws SQLException {
        limitBytes = limitBytes(server);
        Connection connection = server.connect(null);
        thread = new Thread(() -> sample(connection, ageQuery(server)), "redo-probe");
        thread.setDaemon(true);
        thread.start();
    }

    /** The checkpoint age's limit, in bytes. */
    static long limitBytes(MariaDbServer server) {
        return server.isMySql()
                ? server.queryLong(null, "SELECT @@GLOBAL.innodb_redo_log_capacity")
                : server.queryLong(null, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                        + " WHERE VARIABLE_NAME = 'INNODB_CHECKPOINT_MAX_AGE'");
    }

    /** Reads the checkpoint age, in bytes. */
    static String ageQuery(MariaDbServer server) {
        return server.isMySql()
                ? "SELECT CAST(SUM(IF(VARIABLE_NAME = 'Innodb_redo_log_current_lsn', 1, -1) * CAST(VARIABLE_VALUE AS SIGNED))"
                        + " AS SIGNED)"
                        + " FROM performance_schema.global_status"
                        + " WHERE VARIABLE_NAME IN ('Innodb_redo_log_current_lsn', 'Innodb_redo_log_checkpoint_lsn')"
                : "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_CHECKPOINT_AGE'";
    }

    private void sample(Connection connection, String ageQuery) {
        try (connection; PreparedStatement age = connection.prepareStatement(ageQuery)) {
            long next = System.nanoTime();
            while (running) {
                sent.sent();
                try (ResultSet rs = age.executeQuery()) {
                    rs.next();
                    add(rs.getLong(1));
                }
                next += PERIOD_NANOS;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        } catch (SQLException e) {
            failure = e.getErrorCode() + " " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void add(long ageBytes) {
        samples++;
        peakBytes = Math.max(peakBytes, ageBytes);
        if (ageBytes >= NEAR_LIMIT * limitBytes) {
            nearLimitSamples++;
        }
    }

    /** The probe's statements sent in {@code [from, to)}; only after {@link #close()}. */
    long statementsBetween(long from, long to) {
        return sent.between(from, to);
    }

    /**
     * E.g. "checkpoint age at most 410 of 414 MiB (99 %), at 90 % or more in 3.2 s of the run's 10.6 s"; only after
     * {@link #close()}.
     */
    String describe(double runSeconds) {
        if (failure != null) {
            return "not sampled: " + failure;
        }
        if (samples == 0) {
            return "no sample (the run was shorter than " + TimeUnit.NANOSECONDS.toMillis(PERIOD_NANOS) + " ms)";
        }
        return String.format(Locale.ROOT, "checkpoint age at most %,.0f of %,.0f MiB (%.0f %%), at %.0f %% or more in %.1f s"
                        + " of the run's %.1f s", peakBytes / 1048576.0, limitBytes / 1048576.0, 100.0 * peakBytes / limitBytes,
                100 * NEAR_LIMIT, nearLimitSamples * PERIOD_NANOS / 1e9, runSeconds);
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
