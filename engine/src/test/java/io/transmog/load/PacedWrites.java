package io.transmog.load;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An application writing at a steady rate, spread over several sessions (threads, each on its own connection). Open
 * loop: each write has its due time on a fixed schedule and its latency counts from that time, not from when a session
 * got round to it, so a stalled write (a cut-over, a lock) shows in the latencies of every write scheduled behind it
 * instead of quietly lowering the rate. What one write is (a statement, a batch of them, a transaction) is the
 * {@link SessionFactory}'s: the benchmark's sysbench mix and the end-to-end scenario's customers mix share this pacing.
 */
public final class PacedWrites implements AutoCloseable {

    /** Opens a connection for one session. */
    @FunctionalInterface
    public interface Connections {
        Connection open() throws SQLException;
    }

    /** One session's writes: {@link #write} runs once per due time, always on the session's own thread. */
    @FunctionalInterface
    public interface Session {
        /** @param sequence 1, 2, 3 … within this session */
        void write(long sequence) throws SQLException;
    }

    /** Prepares session {@code index} (0-based) on its own connection. */
    @FunctionalInterface
    public interface SessionFactory {
        Session open(int index, Connection connection) throws SQLException;
    }

    private final List<Thread> threads = new ArrayList<>();
    private final List<Latencies> latencies = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> unexpectedErrors = new ConcurrentLinkedQueue<>();
    private final AtomicLong expectedErrors = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final Set<Integer> expectedErrorCodes;
    private volatile boolean running = true;

    /**
     * Starts writing now: {@code perSecond} writes a second in all, over {@code sessions} sessions. SQL errors whose
     * code is in {@code expectedErrorCodes} are counted as a busy application's own (a deadlock, a duplicate key);
     * every other one is kept for {@link #unexpectedErrors()}. A failed write is not retried.
     */
    public PacedWrites(Connections connections, int sessions, double perSecond, Set<Integer> expectedErrorCodes,
                       SessionFactory factory) throws SQLException {
        this.expectedErrorCodes = Set.copyOf(expectedErrorCodes);
        long intervalNanos = (long) (TimeUnit.SECONDS.toNanos(sessions) / perSecond);
        long start = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            Connection connection = connections.open();
            Session session;
            try {
                session = factory.open(i, connection);
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
            Latencies samples = new Latencies();
            latencies.add(samples);
            long offset = intervalNanos * i / sessions;
            Thread thread = new Thread(() -> write(connection, session, start + offset, intervalNanos, samples),
                    "paced-writer-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    private void write(Connection connection, Session session, long firstDue, long intervalNanos, Latencies samples) {
        try (connection) {
            long sequence = 0;
            for (long due = firstDue; running; due += intervalNanos) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                try {
                    session.write(++sequence);
                    completed.incrementAndGet();
                } catch (SQLException e) {
                    if (expectedErrorCodes.contains(e.getErrorCode())) {
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
    public Latencies.Summary between(long from, long to) {
        return Latencies.between(latencies, from, to);
    }

    /** Every write's due time and latency, over all sessions; only after {@link #close()}. */
    public void forEachSample(Latencies.SampleConsumer consumer) {
        latencies.forEach(l -> l.forEach(consumer));
    }

    /** Writes that went through (live: readable while writing). */
    public long completed() {
        return completed.get();
    }

    public long expectedErrors() {
        return expectedErrors.get();
    }

    public List<String> unexpectedErrors() {
        return List.copyOf(unexpectedErrors);
    }

    /** Stops the sessions and waits for their last writes. */
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
