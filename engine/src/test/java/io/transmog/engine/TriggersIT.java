package io.transmog.engine;

import io.transmog.engine.support.MigrationRun;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --include-triggers: BEFORE and AFTER triggers on INSERT, UPDATE and DELETE write an audit row each while writers
 * run through the copy and the cut-over. Every write must fire each of its triggers exactly once (one audit row per
 * trigger per row written), a BEFORE trigger's change must be applied once (never again on the ghost), and after
 * the swap the triggers are on the new table under their own names.
 */
class TriggersIT {
    private static final int KEYS = 3000;
    private static final List<String> TRIGGERS = List.of("t_bi", "t_ai", "t_bu", "t_au", "t_bd", "t_ad");

    @Test
    void triggersFireOncePerWriteAcrossCopyAndCutOverAndKeepTheirNames() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("triggers");
        server.execute(database,
                "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, note VARCHAR(40) NOT NULL)",
                "CREATE TABLE audit (n BIGINT AUTO_INCREMENT PRIMARY KEY, op CHAR(2) NOT NULL, t_id INT NOT NULL)",
                "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.note = CONCAT(NEW.note, '+');"
                        + " INSERT INTO audit (op, t_id) VALUES ('bi', NEW.id); END",
                "CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO audit (op, t_id) VALUES ('ai', NEW.id)",
                "CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW BEGIN SET NEW.note = CONCAT(NEW.note, '+');"
                        + " INSERT INTO audit (op, t_id) VALUES ('bu', NEW.id); END",
                "CREATE TRIGGER t_au AFTER UPDATE ON t FOR EACH ROW INSERT INTO audit (op, t_id) VALUES ('au', NEW.id)",
                "CREATE TRIGGER t_bd BEFORE DELETE ON t FOR EACH ROW INSERT INTO audit (op, t_id) VALUES ('bd', OLD.id)",
                "CREATE TRIGGER t_ad AFTER DELETE ON t FOR EACH ROW INSERT INTO audit (op, t_id) VALUES ('ad', OLD.id)",
                "INSERT INTO t SELECT seq, seq, 'seed' FROM seq_1_to_2000",
                "TRUNCATE TABLE audit");

        Controls controls = MigrationRun.controls(100);
        controls.setNiceRatio(0.5);
        controls.setPostponeCutOver(true);
        CountingWriters writers = new CountingWriters(server, database, 3);
        MigrationRun run = MigrationRun.start(server, database, "t", "ADD COLUMN extra INT NOT NULL DEFAULT 0", controls,
                b -> b.includeTriggers(true));
        run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
        assertThat(run.snapshot().plan()).contains("triggers moved:").contains(TRIGGERS);
        Thread.sleep(300);
        controls.setPostponeCutOver(false);
        MigrationStatus result = run.finish(Duration.ofMinutes(1));
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        Thread.sleep(500);
        writers.stop();

        assertThat(writers.errors).as("writer errors").isEmpty();
        assertThat(writers.rows.get("insert").get()).as("inserts").isGreaterThan(20);
        assertThat(writers.rows.get("update").get()).as("updates").isGreaterThan(20);
        assertThat(writers.rows.get("delete").get()).as("deletes").isGreaterThan(20);
        Map<String, Long> expected = Map.of(
                "bi", writers.rows.get("insert").get(), "ai", writers.rows.get("insert").get(),
                "bu", writers.rows.get("update").get(), "au", writers.rows.get("update").get(),
                "bd", writers.rows.get("delete").get(), "ad", writers.rows.get("delete").get());
        for (Map.Entry<String, Long> op : expected.entrySet()) {
            assertThat(server.queryLong(database, "SELECT COUNT(*) FROM audit WHERE op = '" + op.getKey() + "'"))
                    .as("audit rows of trigger " + op.getKey()).isEqualTo(op.getValue());
        }
        assertThat(server.queryLong(database, "SELECT COUNT(*) FROM t WHERE note NOT IN ('seed+', 'w+', 'u+')"))
                .as("rows whose BEFORE trigger ran more than once").isZero();
        assertThat(triggersOn(server, database, "t")).containsExactlyInAnyOrderElementsOf(TRIGGERS);
        assertThat(triggersOn(server, database, "_t_del")).isEmpty();
        assertThat(server.queryLong(database, "SELECT COUNT(*) FROM t WHERE extra <> 0")).isZero();
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    @Test
    void aTriggerUsingAColumnTheAlterDropsIsRefusedBeforeAnythingIsCreated() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("triggers_drop");
        server.execute(database,
                "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, note VARCHAR(40) NOT NULL)",
                "CREATE TABLE audit (n BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)",
                "CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO audit (v) VALUES (NEW.`v`)",
                "INSERT INTO t VALUES (1, 1, 'x')");

        MigrationStatus result = MigrationRun.start(server, database, "t", "DROP COLUMN v", MigrationRun.controls(100),
                b -> b.includeTriggers(true)).finish(Duration.ofMinutes(1));

        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).contains("trigger `t_ai` uses NEW.`v`, a column the altered table does not have");
        assertThat(MigrationIntegrityIT.tables(server, database)).containsExactlyInAnyOrder("t", "audit");
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    private static List<String> triggersOn(MariaDbServer server, String database, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement();
             var rs = statement.executeQuery("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS"
                     + " WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = '" + table + "'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** Writers that count the rows each kind of statement wrote: the triggers must have fired exactly that often. */
    private static final class CountingWriters {
        final Map<String, AtomicLong> rows = new ConcurrentHashMap<>(Map.of(
                "insert", new AtomicLong(), "update", new AtomicLong(), "delete", new AtomicLong()));
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        CountingWriters(MariaDbServer server, String database, int count) {
            for (int i = 0; i < count; i++) {
                Thread thread = new Thread(() -> write(server, database), "trigger-writer-" + i);
                thread.setDaemon(true);
                thread.start();
                threads.add(thread);
            }
        }

        private void write(MariaDbServer server, String database) {
            try (Connection connection = server.connect(database); Statement statement = connection.createStatement()) {
                while (running.get()) {
                    int id = 1 + ThreadLocalRandom.current().nextInt(KEYS);
                    int kind = ThreadLocalRandom.current().nextInt(3);
                    String op = kind == 0 ? "insert" : kind == 1 ? "update" : "delete";
                    String sql = switch (op) {
                        case "insert" -> "INSERT INTO t (id, v, note) VALUES (" + id + ", " + id + ", 'w')";
                        case "update" -> "UPDATE t SET v = v + 1, note = 'u' WHERE id = " + id;
                        default -> "DELETE FROM t WHERE id = " + id;
                    };
                    try {
                        rows.get(op).addAndGet(statement.executeUpdate(sql));
                    } catch (SQLException e) {
                        // A duplicate key is the application's own race; it writes (and audits) nothing.
                        if (e.getErrorCode() != 1062 && e.getErrorCode() != 1213 && e.getErrorCode() != 1205) {
                            errors.add(e.getErrorCode() + " " + e.getMessage() + " in " + sql);
                        }
                    }
                }
            } catch (SQLException e) {
                errors.add("writer connection failed: " + e.getMessage());
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
        }
    }
}
