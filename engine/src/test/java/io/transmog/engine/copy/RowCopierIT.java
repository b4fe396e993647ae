package io.transmog.engine.copy;

import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.inspect.Inspector;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.AlterClauses;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which changed keys the copy will still read (RowCopier#willCopy, the applier's reason to leave a key alone): only
 * those past every chunk planned so far and not past the copy's last key, and none once the copy is done or where the
 * key has no order Java knows.
 */
class RowCopierIT {
    private static final MariaDbServer SERVER = MariaDbServer.shared();

    @Test
    void keysPastThePlannedChunksAndUpToTheLastKeyAreStillToBeCopied() throws Exception {
        try (Copy copy = new Copy("copier_ahead", "id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v INT", "seq * 10, seq", null)) {
            RowCopier copier = copy.copier;
            assertThat(copier.willCopy(key(5000))).as("before the range is fixed").isFalse();
            copier.fixRange();
            assertThat(copier.willCopy(key(10))).as("the first key, before any chunk").isTrue();
            assertThat(copier.willCopy(key(5000))).as("a key within the range, before any chunk").isTrue();

            copier.copyNextChunk(false); // [10, 1000] copied, (1000, 2000] planned ahead
            assertThat(copier.willCopy(key(1000))).as("the first chunk's last key").isFalse();
            assertThat(copier.willCopy(key(5))).as("a key before the first one the copy started from").isFalse();
            assertThat(copier.willCopy(key(1001))).as("in the chunk planned ahead").isFalse();
            assertThat(copier.willCopy(key(2001))).as("just past the chunk planned ahead").isTrue();
            assertThat(copier.willCopy(key(10_000))).as("the copy's last key").isTrue();
            assertThat(copier.willCopy(key(10_001))).as("past the last key: the binlog carries it").isFalse();
            assertThat(copier.willCopy(new KeyTuple(List.of(BigInteger.TWO.pow(64).subtract(BigInteger.ONE)))))
                    .as("an unsigned key past the long range, past the last key").isFalse();

            copier.copyNextChunk(true); // (1000, 2000] copied, (2000, 3000] started, (3000, 4000] planned ahead
            assertThat(copier.willCopy(key(2500))).as("in a chunk under way").isFalse();
            assertThat(copier.willCopy(key(3001))).as("in the chunk planned ahead").isFalse();
            assertThat(copier.willCopy(key(4001))).as("past the chunk planned ahead").isTrue();

            while (!copier.isDone()) {
                copier.copyNextChunk(true);
            }
            assertThat(copier.rowsCopied()).isEqualTo(1000);
            assertThat(copier.willCopy(key(5000))).as("once the copy is done").isFalse();
        }
    }

    @Test
    void aChunkThatCommitsBeforeAnOlderOneIsCountedOnlyWithIt() throws Exception {
        try (Copy copy = new Copy("copier_out_of_order", "id INT NOT NULL PRIMARY KEY, v INT", "seq, seq", null, 2);
             Connection writer = copy.lockRow(50)) { // the first chunk's share lock waits for this row
            RowCopier copier = copy.copier;
            assertThat(copier.copyNextChunk(false)).as("rows counted when the second chunk committed first").isZero();
            assertThat(copier.copiedUpTo()).as("no checkpoint may claim the first chunk's range yet").isNull();
            assertThat(copier.rowsCopied()).isZero();

            writer.commit();
            while (copier.copiedUpTo() == null) {
                copier.copyNextChunk(false);
            }
            long watermark = ((Number) copier.copiedUpTo().values().get(0)).longValue();
            assertThat(watermark).as("both chunks, counted once the first committed").isGreaterThanOrEqualTo(200);
            assertThat(copier.rowsCopied()).as("ids are 1..1000: the rows counted are exactly those up to the watermark")
                    .isEqualTo(watermark);
            while (!copier.isDone()) {
                copier.copyNextChunk(true);
            }
            assertThat(copier.rowsCopied()).isEqualTo(1000);
        }
    }

    @Test
    void aHoldFinishesTheChunksUnderWayAndLeavesTheCopysEndToTheNextCall() throws Exception {
        try (Copy copy = new Copy("copier_hold", "id INT NOT NULL PRIMARY KEY, v INT", "seq, seq", null, 2);
             Connection writer = copy.lockRow(1000)) { // the last chunk's share lock waits until the writer commits
            RowCopier copier = copy.copier;
            String count = "SELECT COUNT(*) FROM " + copy.plan.names().qualifiedGhost();
            long counted = copier.copyNextChunk(false); // two chunks started, one awaited
            counted += copier.finishChunksUnderWay();
            assertThat(counted).as("rows counted by the call and the hold").isEqualTo(200);
            assertThat(copier.rowsCopied()).as("every row written is counted: nothing is left to commit")
                    .isEqualTo(SERVER.queryLong(copy.plan.names().database(), count)).isEqualTo(200);
            assertThat(copier.finishChunksUnderWay()).as("none under way").isZero();

            for (int pair = 2; pair <= 4; pair++) {
                copier.copyNextChunk(false);
                copier.finishChunksUnderWay();
            }
            assertThat(copier.rowsCopied()).isEqualTo(SERVER.queryLong(copy.plan.names().database(), count)).isEqualTo(800);
            copier.copyNextChunk(false); // the last two chunks started: (800, 900] commits, the last waits for the writer
            assertThat(copier.rowsCopied()).isEqualTo(900);
            assertThat(copier.isDone()).isFalse();

            writer.commit();
            assertThat(copier.finishChunksUnderWay()).as("the last chunk, committed inside the hold").isEqualTo(100);
            assertThat(copier.isDone()).as("the copy's end waits for the next call, after the hold").isFalse();
            assertThat(copier.copyNextChunk(false)).as("nothing left to start or await").isZero();
            assertThat(copier.isDone()).isTrue();
            assertThat(copier.rowsCopied()).isEqualTo(SERVER.queryLong(copy.plan.names().database(), count)).isEqualTo(1000);
        }
    }

    @Test
    void aResumedCopyLeavesNothingToItself() throws Exception {
        // The run before may have re-synced any key into the ghost, and the copy's INSERT IGNORE would keep that row.
        try (Copy copy = new Copy("copier_resumed", "id INT NOT NULL PRIMARY KEY, v INT", "seq, seq", key(100))) {
            copy.copier.fixRange();
            copy.copier.copyNextChunk(false);
            assertThat(copy.copier.copiedUpTo()).isEqualTo(key(200));
            assertThat(copy.copier.willCopy(key(900))).as("a key ahead of the resumed copy").isFalse();
        }
    }

    @Test
    void chunksGrowFromTheConfiguredSizeAtTheCopysOwnPace() throws Exception {
        // 10 s a chunk: any chunk of this table is far quicker, so each size is twice the one before, from 50 rows.
        ChunkSizer sizer = new ChunkSizer(() -> 50, () -> 10_000);
        try (Copy copy = new Copy("copier_sized", "id INT NOT NULL PRIMARY KEY, v INT", "seq, seq", null, 1, sizer)) {
            RowCopier copier = copy.copier;
            List<Integer> plannedSizes = new ArrayList<>();
            List<Long> rowsCopied = new ArrayList<>();
            while (!copier.isDone()) {
                copier.copyNextChunk(false);
                plannedSizes.add(copier.chunkRows());
                rowsCopied.add(copier.rowsCopied());
            }
            // One stream: each call commits the chunk planned a call before it, at the size then planned.
            assertThat(plannedSizes).startsWith(100, 200, 400, 800);
            assertThat(rowsCopied).startsWith(50L, 100L, 200L, 400L, 800L).endsWith(1000L);
            assertThat(SERVER.queryLong(copy.plan.names().database(), "SELECT COUNT(*) FROM _t_gho")).isEqualTo(1000);
        }
    }

    @Test
    void keysWithoutAnOrderJavaKnowsAreNeverLeftToTheCopy() throws Exception {
        try (Copy copy = new Copy("copier_text_key", "name VARCHAR(20) NOT NULL PRIMARY KEY, v INT",
                "CONCAT('name-', LPAD(seq, 5, '0')), seq", null)) {
            copy.copier.copyNextChunk(false);
            assertThat(copy.copier.willCopy(new KeyTuple(List.of(new KeyColumn.Bytes("name-00900".getBytes())))))
                    .as("a text key ahead of the copy").isFalse();
        }
    }

    @Test
    void copyStreamsTakeTurnsOnlyOnAnAutoIncrementGhostBelowLockModeTwo() throws Exception {
        try (Copy numbered = new Copy("copier_autoinc", "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT", "seq, seq", null);
             Copy plain = new Copy("copier_plain", "id INT NOT NULL PRIMARY KEY, v INT", "seq, seq", null)) {
            Inspector inspector = new Inspector(numbered.planner);
            // The test servers run their defaults: MySQL's lock mode (since 8.0) is 2, MariaDB's 1.
            if (ServerKind.of(numbered.planner).isMySql()) {
                assertThat(inspector.copyStreamsTakeTurns(numbered.plan.names())).isEmpty();
            } else {
                assertThat(inspector.copyStreamsTakeTurns(numbered.plan.names()))
                        .hasValue("AUTO_INCREMENT column `id` under innodb_autoinc_lock_mode=1");
            }
            assertThat(new Inspector(plain.planner).copyStreamsTakeTurns(plain.plan.names())).isEmpty();
        }
    }

    private static KeyTuple key(long id) {
        return new KeyTuple(List.of(id));
    }

    /**
     * A table t of 1,000 rows ({@code columns}, filled by selecting {@code values} from seq_1_to_1000), its ghost made as
     * the migration makes it for ADD COLUMN, and a copier of one stream (or {@code streams}) into it; with
     * {@code resumeAfter}, as a run resumed from a checkpoint that had copied up to that key.
     */
    private static final class Copy implements AutoCloseable {
        private static final String ALTER = "ADD COLUMN extra INT";
        final Database db;
        final Connection planner;
        final MigrationPlan plan;
        final RowCopier copier;

        Copy(String databaseName, String columns, String values, KeyTuple resumeAfter) throws Exception {
            this(databaseName, columns, values, resumeAfter, 1);
        }

        Copy(String databaseName, String columns, String values, KeyTuple resumeAfter, int streams) throws Exception {
            this(databaseName, columns, values, resumeAfter, streams, ChunkSizer.fixed(100));
        }

        Copy(String databaseName, String columns, String values, KeyTuple resumeAfter, int streams, ChunkSizer sizer)
                throws Exception {
            String database = SERVER.createDatabase(databaseName);
            SERVER.execute(database, "CREATE TABLE t (" + columns + ") ENGINE=InnoDB",
                    "INSERT INTO t SELECT " + values + " FROM seq_1_to_1000");
            db = new Database(new ConnectionConfig(SERVER.host(), SERVER.port(), SERVER.user(), SERVER.password(),
                    database), false);
            planner = db.connect();
            plan = new Inspector(planner).plan(TableNames.of(database, "t"), AlterClauses.parse(ALTER), false, false);
            SqlBuilder sql = new SqlBuilder(plan, ServerKind.of(planner));
            Database.execute(planner, sql.createGhost());
            Database.execute(planner, SqlBuilder.alterTable(plan.names().qualifiedGhost(), ALTER));
            copier = new RowCopier(planner, db::connect, () -> streams, sizer, sql, plan.keyColumns(),
                    plan.ghostChunkKey().name(), resumeAfter != null, resumeAfter, false, 0);
        }

        /**
         * A writer's connection whose open transaction has changed row {@code id} of t: a chunk that reads the row waits
         * for its commit.
         */
        Connection lockRow(int id) throws SQLException {
            Connection writer = db.connect();
            writer.setAutoCommit(false);
            Database.execute(writer, "UPDATE " + plan.names().qualifiedOriginal() + " SET v = -v WHERE id = " + id);
            return writer;
        }

        @Override
        public void close() throws Exception {
            copier.close();
            planner.close();
        }
    }
}
