package io.transmog.engine;

import io.transmog.engine.cutover.CutOverAlgorithm;
import io.transmog.engine.support.MigrationRun;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance 2: writers keep writing straight through 20 cut-overs. None may ever see
 * the table missing, and every write the server acknowledged must be in the final table.
 * Where the server offers both cut-over algorithms (MySQL), they take turns, and the
 * write stall of each is printed: as the engine measures it (lock to unlock) and as the
 * writers saw it (their slowest statement during each migration).
 */
class CutOverUnderLoadIT {
    private static final int WRITERS = 4;
    private static final int MIGRATIONS = 20;
    private static final int SEED_ROWS = 2000;
    /** Lock conflicts an application expects (and then knows its write did not happen). */
    private static final Set<Integer> EXPECTED_ERRORS = Set.of(1213, 1205);

    /**
     * A writer owning the ids congruent to its number: it alone changes them, so it knows
     * the acknowledged state of each (a value, or null for deleted) without races.
     */
    static final class Writer extends Thread {
        final int number;
        final Map<Integer, Long> acknowledged = new HashMap<>();
        final ConcurrentLinkedQueue<String> unexpected;
        final AtomicBoolean running;
        final AtomicLong writes;
        /** Statements slower than 1 ms: {start, end} in System.nanoTime() (shared by all writers). */
        final ConcurrentLinkedQueue<long[]> slow;
        private final MariaDbServer server;
        private final String database;
        private int nextId;

        Writer(int number, MariaDbServer server, String database, AtomicBoolean running, AtomicLong writes,
               ConcurrentLinkedQueue<long[]> slow, ConcurrentLinkedQueue<String> unexpected) {
            this.number = number;
            this.slow = slow;
            this.server = server;
            this.database = database;
            this.running = running;
            this.writes = writes;
            this.unexpected = unexpected;
            for (int id = number; id < SEED_ROWS; id += WRITERS) {
                acknowledged.put(id, 0L);
            }
            this.nextId = SEED_ROWS + number;
            setDaemon(true);
        }

        @Override
        public void run() {
            try (Connection connection = server.connect(database); Statement statement = connection.createStatement()) {
                long counter = 1;
                List<Integer> ids = new ArrayList<>(acknowledged.keySet());
                while (running.get()) {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    int kind = random.nextInt(10);
                    int id;
                    String sql;
                    Long after;
                    if (kind < 3 || ids.isEmpty()) {
                        id = nextId;
                        nextId += WRITERS;
                        after = counter++;
                        sql = "INSERT INTO t (id, v, w) VALUES (" + id + ", " + after + ", 'w" + number + "')";
                    } else if (kind < 8) {
                        id = ids.get(random.nextInt(ids.size()));
                        after = acknowledged.get(id) == null ? null : counter++;
                        sql = "UPDATE t SET v = " + after + " WHERE id = " + id;
                        if (after == null) {
                            continue;
                        }
                    } else {
                        id = ids.get(random.nextInt(ids.size()));
                        after = null;
                        sql = "DELETE FROM t WHERE id = " + id;
                    }
                    long started = System.nanoTime();
                    try {
                        statement.execute(sql);
                        long ended = System.nanoTime();
                        if (ended - started > 1_000_000) {
                            slow.add(new long[] {started, ended});
                        }
                        acknowledged.put(id, after);
                        if (kind < 3) {
                            ids.add(id);
                        }
                        writes.incrementAndGet();
                    } catch (SQLException e) {
                        if (!EXPECTED_ERRORS.contains(e.getErrorCode())) {
                            unexpected.add(e.getErrorCode() + " " + e.getMessage() + " in: " + sql);
                        }
                    }
                }
            } catch (SQLException e) {
                unexpected.add("writer connection failed: " + e.getMessage());
            }
        }
    }

    @Test
    void writersNeverSeeAMissingTableAndNoAcknowledgedWriteIsLost() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("cutover_load");
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v BIGINT NULL, w VARCHAR(40)) ENGINE=InnoDB",
                "INSERT INTO t (id, v, w) SELECT seq, 0, 'seed' FROM seq_0_to_" + (SEED_ROWS - 1));

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        ConcurrentLinkedQueue<long[]> slow = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        List<Writer> writers = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            writers.add(new Writer(i, server, database, running, writes, slow, unexpected));
        }
        writers.forEach(Thread::start);

        // MySQL renames under LOCK TABLES: both algorithms run there, in turns, and are compared.
        List<CutOverAlgorithm> algorithms = server.isMySql()
                ? List.of(CutOverAlgorithm.SENTRY, CutOverAlgorithm.LOCK_AND_RENAME) : List.of(CutOverAlgorithm.SENTRY);
        Map<CutOverAlgorithm, List<Long>> stalls = new TreeMap<>();
        Map<CutOverAlgorithm, List<Long>> writerStalls = new TreeMap<>();
        try {
            for (int i = 1; i <= MIGRATIONS; i++) {
                String alter = i % 2 == 1 ? "ADD COLUMN extra INT NOT NULL DEFAULT " + i : "DROP COLUMN extra";
                CutOverAlgorithm algorithm = algorithms.get(((i - 1) / 2) % algorithms.size());
                long writesBefore = writes.get();
                slow.clear();
                MigrationRun run = MigrationRun.start(server, database, "t", alter, MigrationRun.controls(500),
                        b -> b.okToDropTable(true).cutOverAlgorithm(algorithm));
                MigrationStatus result = run.finish(Duration.ofMinutes(2));
                assertThat(result.phase()).as("migration %d: %s", i, result.message()).isEqualTo(Phase.Succeeded);
                assertThat(unexpected).as("writer errors after migration %d", i).isEmpty();
                stalls.computeIfAbsent(algorithm, a -> new ArrayList<>()).add(result.cutOverStallMillis());
                // The writers' view: their slowest statement that overlapped the cut-over (not the checksum pass's
                // brief READ lock before it, which both algorithms share).
                long from = run.enteredAt(Phase.CuttingOver).orElseThrow();
                long to = run.enteredAt(Phase.Succeeded).orElseThrow();
                writerStalls.computeIfAbsent(algorithm, a -> new ArrayList<>()).add(slow.stream()
                        .filter(s -> s[1] >= from && s[0] <= to).mapToLong(s -> (s[1] - s[0]) / 1_000_000).max().orElse(0));
                Thread.sleep(100);
                assertThat(writes.get()).as("writers kept writing during migration %d", i).isGreaterThan(writesBefore);
            }
        } finally {
            running.set(false);
            for (Writer writer : writers) {
                writer.join(30_000);
            }
        }
        assertThat(unexpected).as("writer errors").isEmpty();

        Map<Integer, Long> actual = new HashMap<>();
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT id, v FROM t")) {
            while (rs.next()) {
                actual.put(rs.getInt(1), rs.getLong(2));
            }
        }
        Map<Integer, Long> expected = new HashMap<>();
        writers.forEach(w -> w.acknowledged.forEach((id, v) -> {
            if (v != null) {
                expected.put(id, v);
            }
        }));
        List<String> differences = new ArrayList<>();
        expected.forEach((id, v) -> {
            if (!v.equals(actual.get(id))) {
                differences.add("id " + id + ": acknowledged " + v + ", found " + actual.get(id));
            }
        });
        actual.keySet().stream().filter(id -> !expected.containsKey(id))
                .forEach(id -> differences.add("id " + id + ": deleted or never acknowledged, found " + actual.get(id)));
        assertThat(differences).as("acknowledged writes missing or changed (of %d rows)", expected.size())
                .isEmpty();

        System.out.printf("cut-over write stall on %s over %d migrations under load (%d acknowledged writes, none lost):%n",
                server.flavor(), MIGRATIONS, writes.get());
        stalls.forEach((algorithm, engine) -> System.out.printf("  %-15s %2d cut-overs: engine (lock to unlock) %s;"
                + " slowest writer statement during the cut-over %s%n", algorithm, engine.size(), summary(engine),
                summary(writerStalls.get(algorithm))));
    }

    private static String summary(List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return "min " + sorted.get(0) + " ms, median " + sorted.get(sorted.size() / 2) + " ms, max "
                + sorted.get(sorted.size() - 1) + " ms";
    }
}
