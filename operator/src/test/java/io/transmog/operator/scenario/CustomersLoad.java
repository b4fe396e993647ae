package io.transmog.operator.scenario;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.transmog.load.PacedWrites;
import io.transmog.testdb.MariaDbServer;

/**
 * The scenario's write load on {@code shop.customers}, paced by {@link PacedWrites} (one batch per writer every
 * {@code pause}), over TCP as an application writes. A batch: an INSERT; an UPDATE of balance and visits; an UPDATE
 * that sets or clears NULLs in text, enum, double, date and JSON columns; a transaction that updates three rows and
 * deletes a fourth; every 10th batch also re-keys a row ({@code UPDATE … SET id = <negative>}).
 * <p>
 * Writer {@code w} only touches seeded ids of its own stripe ({@code id % writers == w + 1 mod writers}) and its
 * transaction locks them in ascending order, so writers cannot deadlock each other: any error at all is a failure
 * the checks report. Inserted rows get new ids above the seeded ones, are never touched again, and must all be in
 * the final table.
 */
public final class CustomersLoad implements AutoCloseable {
    private static final int REKEY_EVERY = 10;

    private final int phase;
    private final int writers;
    private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicLong deleted = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final long startEpochMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    private final PacedWrites writes;
    private LoadReport report;

    private CustomersLoad(MariaDbServer server, int phase, int writers, Duration pause, long seededRows)
            throws SQLException {
        if (seededRows < writers * 10L) {
            throw new IllegalArgumentException(seededRows + " rows are too few for " + writers + " writers");
        }
        this.phase = phase;
        this.writers = writers;
        long stripe = seededRows / writers - 4;
        writes = new PacedWrites(() -> server.connect(ShopDatabase.SCHEMA), writers,
                writers * 1e9 / pause.toNanos(), Set.of(), (w, connection) -> new Writer(w, stripe, connection));
    }

    /** Starts {@code writers} writers on the table seeded with ids 1..{@code seededRows}; {@code phase} tags them. */
    public static CustomersLoad start(MariaDbServer server, int phase, int writers, Duration pause, long seededRows) {
        try {
            return new CustomersLoad(server, phase, writers, pause, seededRows);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the writers: " + e.getMessage(), e);
        }
    }

    /** Batches that went through so far. */
    public long batches() {
        return writes.completed();
    }

    public int errors() {
        return writes.unexpectedErrors().size();
    }

    /** Stops the writers after their current batch and returns what they did. */
    public synchronized LoadReport stop() {
        if (report == null) {
            writes.close();
            List<long[]> samples = new ArrayList<>();
            writes.forEachSample((due, latency) -> samples.add(new long[] {
                    startEpochMicros + TimeUnit.NANOSECONDS.toMicros(due - startNanos),
                    TimeUnit.NANOSECONDS.toMicros(latency) }));
            report = new LoadReport(phase, writers, writes.completed(), writes.unexpectedErrors(),
                    List.copyOf(acknowledged), deleted.get(), samples);
        }
        return report;
    }

    @Override
    public void close() {
        stop();
    }

    /** One writer's session and its prepared statements. */
    private final class Writer implements PacedWrites.Session {
        private final int w;
        private final long stripe;
        private final Random random;
        private final Connection connection;
        private final PreparedStatement insert;
        private final PreparedStatement countVisit;
        private final PreparedStatement flipNulls;
        private final PreparedStatement bumpTier;
        private final PreparedStatement delete;
        private final PreparedStatement rekey;

        Writer(int w, long stripe, Connection connection) throws SQLException {
            this.w = w;
            this.stripe = stripe;
            this.random = new Random((w + 1) * 7919L + phase * 104729L);
            this.connection = connection;
            insert = connection.prepareStatement("INSERT INTO customers (email, full_name, city, tier, visits, balance,"
                    + " credit_limit, score, status, note, created_at, prefs) VALUES (?, ?, 'Zürich', 1, 0, 10.50, NULL,"
                    + " 0.5, 'active', ?, NOW(6), JSON_OBJECT('writer', ?, 'seq', ?, 'phase', ?))");
            countVisit = connection.prepareStatement("UPDATE customers SET balance = balance + 1.25,"
                    + " visits = visits + 1, updated_at = NOW(6) WHERE id = ?");
            flipNulls = connection.prepareStatement("UPDATE customers SET note = IF(note IS NULL, ?, NULL), city = ?,"
                    + " prefs = JSON_SET(COALESCE(prefs, '{}'), '$.seen', ?), score = IF(score IS NULL, ? / 3, NULL),"
                    + " status = ?, birthday = IF(birthday IS NULL, '1999-12-31', NULL), updated_at = NOW(6)"
                    + " WHERE id = ?");
            bumpTier = connection.prepareStatement("UPDATE customers SET tier = (tier + 1) % 4,"
                    + " credit_limit = IF(credit_limit IS NULL, 250.00, NULL), updated_at = NOW(6) WHERE id IN (?, ?, ?)");
            delete = connection.prepareStatement("DELETE FROM customers WHERE id = ?");
            rekey = connection.prepareStatement("UPDATE customers SET id = ?, updated_at = NOW(6) WHERE id = ?");
        }

        /** A random seeded id of this writer's stripe. */
        private long ownId() {
            return (long) (random.nextDouble() * stripe) * writers + w + 1;
        }

        @Override
        public void write(long s) throws SQLException {
            String email = LoadReport.emailPrefix(phase) + w + "-" + s + "@load.test";
            insert.setString(1, email);
            insert.setString(2, "Writer " + w + " 🐙 Load");
            insert.setString(3, "inserted under load ✨ #" + s);
            insert.setInt(4, w);
            insert.setLong(5, s);
            insert.setInt(6, phase);
            insert.executeUpdate();
            acknowledged.add(email);

            countVisit.setLong(1, ownId());
            countVisit.executeUpdate();

            flipNulls.setString(1, "updated under load 🎯 " + s);
            String[] cities = { "Oslo", null, "Kyōto" };
            if (cities[(int) (s % 3)] == null) {
                flipNulls.setNull(2, Types.VARCHAR);
            } else {
                flipNulls.setString(2, cities[(int) (s % 3)]);
            }
            flipNulls.setLong(3, s);
            flipNulls.setLong(4, s);
            flipNulls.setString(5, new String[] { "active", "paused", "closed" }[(int) (s % 3)]);
            flipNulls.setLong(6, ownId());
            flipNulls.executeUpdate();

            long first = ownId();
            connection.setAutoCommit(false);
            try {
                bumpTier.setLong(1, first);
                bumpTier.setLong(2, first + writers);
                bumpTier.setLong(3, first + 2L * writers);
                bumpTier.executeUpdate();
                delete.setLong(1, first + 3L * writers);
                int removed = delete.executeUpdate();
                connection.commit();
                deleted.addAndGet(removed);
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }

            if (s % REKEY_EVERY == 0) {
                // Negative, so never a seeded or an inserted id, and unique per writer, phase and batch.
                rekey.setLong(1, -((w + 1) * 100_000_000L + phase * 10_000_000L + s));
                rekey.setLong(2, ownId());
                rekey.executeUpdate();
            }
        }
    }
}
