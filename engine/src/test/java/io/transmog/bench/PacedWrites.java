package io.transmog.bench;

import io.transmog.testdb.MariaDbServer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An application writing at a steady rate: half UPDATEs, a quarter INSERTs and a quarter DELETEs of random rows of
 * the sysbench-shaped table, autocommit, spread over several threads. Open loop: each statement has its due time on a
 * fixed schedule and its latency counts from that time, not from when a thread got round to it, so a stalled write
 * (a cut-over, a lock) shows in the latencies of every write scheduled behind it instead of quietly lowering the rate.
 */
final class PacedWrites implements AutoCloseable {
    /** Errors a busy application sees from its own concurrency: duplicate key, deadlock, lock wait timeout. */
    private static final Set<Integer> EXPECTED = Set.of(1062, 1213, 1205);
    private static final int WRITES_PER_THREAD_PER_SECOND = 100;

    private final List<Thread> threads = new ArrayList<>();
    private final List<Latencies> latencies = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> unexpectedErrors = new ConcurrentLinkedQueue<>();
    private final AtomicLong expectedErrors = new AtomicLong();
    private volatile boolean running = true;

    /** Starts writing now; keys {@code firstKey..lastKey} are updated and deleted, inserts take new ones. */
    PacedWrites(MariaDbServer server, String database, String table, int perSecond, long firstKey, long lastKey)
            throws SQLException {
        int threadCount = Math.max(4, perSecond / WRITES_PER_THREAD_PER_SECOND);
        long intervalNanos = TimeUnit.SECONDS.toNanos(threadCount) / perSecond;
        long start = System.nanoTime();
        for (int i = 0; i < threadCount; i++) {
            Connection connection = server.connect(database);
            Latencies samples = new Latencies();
            latencies.add(samples);
            long offset = intervalNanos * i / threadCount;
            Thread thread = new Thread(() -> write(connection, table, start + offset, intervalNanos, firstKey, lastKey, samples),
                    "paced-writer-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    private void write(Connection connection, String table, long firstDue, long intervalNanos, long firstKey, long lastKey,
                       Latencies samples) {
        try (connection;
             PreparedStatement update = connection.prepareStatement("UPDATE " + table + " SET k = k + 1 WHERE id = ?");
             PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " (k, c, pad) VALUES (?, ?, ?)");
             PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (long due = firstDue; running; due += intervalNanos) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int kind = random.nextInt(4);
                PreparedStatement statement = kind < 2 ? update : kind == 2 ? insert : delete;
                if (kind == 2) {
                    insert.setLong(1, random.nextLong(firstKey, lastKey + 1));
                    insert.setString(2, Long.toString(random.nextLong(Long.MAX_VALUE)));
                    insert.setString(3, Long.toString(random.nextLong(Long.MAX_VALUE)));
                } else {
                    statement.setLong(1, random.nextLong(firstKey, lastKey + 1));
                }
                try {
                    statement.executeUpdate();
                } catch (SQLException e) {
                    if (EXPECTED.contains(e.getErrorCode())) {
                        expectedErrors.incrementAndGet();
                    } else {
                        unexpectedErrors.add(e.getErrorCode() + " " + e.getMessage());
                    }
                }
                samples.add(due, System.nanoTime() - due);
            }
        } catch (SQLException e) {
            unexpectedErrors.add("writer connection failed: " + e.getMessage());
        }
    }

    /** Latencies of the writes due in {@code [from, to)} (System.nanoTime()); only after {@link #close()}. */
    Latencies.Summary between(long from, long to) {
        return Latencies.between(latencies, from, to);
    }

    long expectedErrors() {
        return expectedErrors.get();
    }

    List<String> unexpectedErrors() {
        return List.copyOf(unexpectedErrors);
    }

    /** Stops the writers and waits for their last statements. */
    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
