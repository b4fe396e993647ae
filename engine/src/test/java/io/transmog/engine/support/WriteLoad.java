package io.transmog.engine.support;

import io.transmog.testdb.MariaDbServer;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Application-like writers: threads that each run random statements produced by a
 * generator until stopped. Lock conflicts with the migration are normal (they retry
 * nothing, like an application that drops a failed request); every other error is kept
 * for the test to assert on, "table doesn't exist" above all.
 */
public final class WriteLoad implements AutoCloseable {
    /** Errors a busy application sees from its own concurrency: duplicate key, deadlock, lock wait timeout. */
    private static final Set<Integer> EXPECTED = Set.of(1062, 1213, 1205);

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong statements = new AtomicLong();
    private final ConcurrentLinkedQueue<String> unexpectedErrors = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads;

    /** {@code generator} gets a random int and returns one SQL statement to run. */
    public WriteLoad(MariaDbServer server, String database, int threadCount, String sessionTimeZone,
                     IntFunction<String> generator) {
        this(server, database, threadCount, sessionTimeZone, List.of(), generator);
    }

    /** As above; each writer's session first runs {@code sessionSetup} (an application's own settings, e.g. sql_mode). */
    public WriteLoad(MariaDbServer server, String database, int threadCount, String sessionTimeZone,
                     List<String> sessionSetup, IntFunction<String> generator) {
        threads = IntStream.range(0, threadCount).mapToObj(i -> {
            Thread thread = new Thread(() -> write(server, database, sessionTimeZone, sessionSetup, generator), "writer-" + i);
            thread.setDaemon(true);
            return thread;
        }).toList();
        threads.forEach(Thread::start);
    }

    private void write(MariaDbServer server, String database, String sessionTimeZone, List<String> sessionSetup,
                       IntFunction<String> generator) {
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement()) {
            statement.execute("SET SESSION time_zone = '" + sessionTimeZone + "'");
            statement.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
            for (String setup : sessionSetup) {
                statement.execute(setup);
            }
            while (running.get()) {
                String sql = generator.apply(ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE));
                try {
                    statement.execute(sql);
                    statements.incrementAndGet();
                } catch (SQLException e) {
                    if (!EXPECTED.contains(e.getErrorCode())) {
                        unexpectedErrors.add(e.getErrorCode() + " " + e.getMessage() + " in: " + sql);
                    }
                }
            }
        } catch (SQLException e) {
            unexpectedErrors.add("writer connection failed: " + e.getMessage());
        }
    }

    public long statements() {
        return statements.get();
    }

    public List<String> unexpectedErrors() {
        return List.copyOf(unexpectedErrors);
    }

    /** Stops the writers and waits until no statement of theirs is in flight. */
    public void stop() {
        running.set(false);
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
