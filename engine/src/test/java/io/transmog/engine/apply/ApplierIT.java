package io.transmog.engine.apply;

import io.transmog.engine.binlog.ChangedKeys;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.inspect.Inspector;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.AlterClauses;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;
import io.transmog.engine.support.TableComparison;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The applier on a real server: a ghost copied from the original, then the original changed (updates, deletes,
 * inserts) and the changed keys re-synced; the ghost must equal the original. A backlog of several batches is
 * re-synced several batches at once, on connections the applier opens for it; a small one on its own connection.
 */
class ApplierIT {
    private static final MariaDbServer SERVER = MariaDbServer.shared();
    private static final List<String> COLUMNS = List.of("id", "v", "n");

    @Test
    void backlogOfManyBatchesIsResyncedSeveralAtOnceAndLeavesGhostEqualToOriginal() throws Exception {
        String database = SERVER.createDatabase("applier_parallel");
        Database db = tableT(database, 5000);
        AtomicInteger opened = new AtomicInteger();
        try (Connection main = db.connect(); Connection reader = db.connect()) {
            SqlBuilder sql = ghostCopiedFromT(main, database, "ADD COLUMN extra INT NOT NULL DEFAULT 5");
            SERVER.execute(database, "UPDATE t SET v = CONCAT('changed ', id), n = n + 1 WHERE id % 3 = 0",
                    "DELETE FROM t WHERE id % 5 = 0",
                    "INSERT INTO t SELECT 5000 + seq, CONCAT('new ', seq), seq % 7 FROM seq_1_to_500");

            ChangedKeys changedKeys = new ChangedKeys(100_000);
            try (Applier applier = new Applier(main, () -> {
                opened.incrementAndGet();
                return db.connect();
            }, sql, changedKeys, key -> false, 0)) {
                addKeys(changedKeys, 1, 5);
                assertThat(applier.applyPending(10)).isEqualTo(5);
                assertThat(opened).as("connections opened for one batch").hasValue(0);

                addKeys(changedKeys, 1, 5500);
                assertThat(applier.applyPending(10)).isEqualTo(5500);
                assertThat(applier.keysApplied()).isEqualTo(5505);
                assertThat(changedKeys.size()).isZero();
                assertThat(opened).as("connections opened for rounds of 4 batches").hasValue(3);
            }
            assertThat(TableComparison.firstDifference(reader, database, "t", COLUMNS, "_t_gho", COLUMNS, List.of("`id`")))
                    .as("difference between original and ghost after the re-sync").isNull();
            assertThat(SERVER.queryLong(database, "SELECT COUNT(*) FROM _t_gho WHERE extra = 5"))
                    .as("ghost rows, all with the added column's default").isEqualTo(SERVER.queryLong(database, "SELECT COUNT(*) FROM t"));
        }
    }

    /**
     * Keys the copy has yet to read are taken but not re-synced: their ghost rows stay as they were (the copy's chunk
     * will write them), the others are re-synced, and the call counts both as handled.
     */
    @Test
    void keysAheadOfTheCopyAreLeftToIt() throws Exception {
        String database = SERVER.createDatabase("applier_ahead");
        Database db = tableT(database, 1000);
        try (Connection main = db.connect()) {
            SqlBuilder sql = ghostCopiedFromT(main, database, "ADD COLUMN extra INT");
            SERVER.execute(database, "UPDATE t SET v = 'changed'");
            ChangedKeys changedKeys = new ChangedKeys(10_000);
            addKeys(changedKeys, 1, 1000);
            try (Applier applier = new Applier(main, db::connect, sql, changedKeys,
                    key -> ((Number) key.values().get(0)).longValue() > 600, 0)) {
                assertThat(applier.applyPending(100)).as("keys taken").isEqualTo(1000);
                assertThat(applier.keysApplied()).as("keys re-synced").isEqualTo(600);
                assertThat(applier.keysLeftToCopy()).as("keys left to the copy").isEqualTo(400);
                assertThat(applier.keysTaken()).as("keys taken, the checkpoints' measure").isEqualTo(1000);
            }
            assertThat(changedKeys.size()).isZero();
            assertThat(SERVER.queryLong(database, "SELECT COUNT(*) FROM _t_gho WHERE v = 'changed'"))
                    .as("ghost rows re-synced").isEqualTo(600);
            assertThat(SERVER.queryLong(database, "SELECT MIN(id) FROM _t_gho WHERE v <> 'changed'"))
                    .as("first ghost row left as the copy wrote it").isEqualTo(601);
        }
    }

    /** Table t with {@code rows} rows (ids 1 to rows) in {@code database}, and the database as the engine reaches it. */
    private static Database tableT(String database, int rows) {
        SERVER.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(30), n INT, KEY (n)) ENGINE=InnoDB",
                "INSERT INTO t SELECT seq, CONCAT('value ', seq), seq % 100 FROM seq_1_to_" + rows);
        return new Database(new ConnectionConfig(SERVER.host(), SERVER.port(), SERVER.user(), SERVER.password(), database), false);
    }

    /** Makes table t's ghost as the migration does, altered by {@code alter}, and copies every row into it. */
    private static SqlBuilder ghostCopiedFromT(Connection main, String database, String alter) throws Exception {
        MigrationPlan plan = new Inspector(main).plan(TableNames.of(database, "t"), AlterClauses.parse(alter), false, false);
        SqlBuilder sql = new SqlBuilder(plan, ServerKind.of(main));
        Database.execute(main, sql.createGhost());
        Database.execute(main, SqlBuilder.alterTable(plan.names().qualifiedGhost(), alter));
        try (PreparedStatement copy = sql.copyRange(null, false, null).prepare(main)) {
            copy.executeLargeUpdate();
        }
        return sql;
    }

    private static void addKeys(ChangedKeys changedKeys, int from, int to) throws InterruptedException {
        for (int id = from; id <= to; id++) {
            changedKeys.add(new KeyTuple(List.of(id)));
        }
    }
}
