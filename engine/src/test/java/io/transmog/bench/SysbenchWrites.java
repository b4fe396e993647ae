package io.transmog.bench;

import io.transmog.load.PacedWrites;
import io.transmog.testdb.MariaDbServer;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The benchmark's write load on the sysbench-shaped table: half UPDATEs, a quarter INSERTs and a quarter DELETEs of
 * random rows, autocommit, paced by {@link PacedWrites}.
 */
final class SysbenchWrites {
    /** Errors a busy application sees from its own concurrency: duplicate key, deadlock, lock wait timeout. */
    private static final Set<Integer> EXPECTED = Set.of(1062, 1213, 1205);
    private static final int WRITES_PER_SESSION_PER_SECOND = 100;

    private SysbenchWrites() {
    }

    /** Starts writing now; keys {@code firstKey..lastKey} are updated and deleted, inserts take new ones. */
    static PacedWrites start(MariaDbServer server, String database, String table, int perSecond, long firstKey,
                             long lastKey) throws SQLException {
        int sessions = Math.max(4, perSecond / WRITES_PER_SESSION_PER_SECOND);
        return new PacedWrites(() -> server.connect(database), sessions, perSecond, EXPECTED, (index, connection) -> {
            PreparedStatement update = connection.prepareStatement("UPDATE " + table + " SET k = k + 1 WHERE id = ?");
            PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " (k, c, pad) VALUES (?, ?, ?)");
            PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE id = ?");
            return sequence -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                int kind = random.nextInt(4);
                PreparedStatement statement = kind < 2 ? update : kind == 2 ? insert : delete;
                if (kind == 2) {
                    insert.setLong(1, random.nextLong(firstKey, lastKey + 1));
                    insert.setString(2, Long.toString(random.nextLong(Long.MAX_VALUE)));
                    insert.setString(3, Long.toString(random.nextLong(Long.MAX_VALUE)));
                } else {
                    statement.setLong(1, random.nextLong(firstKey, lastKey + 1));
                }
                statement.executeUpdate();
            };
        });
    }
}
