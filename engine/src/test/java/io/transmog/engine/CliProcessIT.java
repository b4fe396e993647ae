package io.transmog.engine;

import io.transmog.engine.support.CliProcess;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.TableChecksum;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI as a process: SIGTERM during the copy (acceptance 5) and a bounded heap (acceptance 6). */
class CliProcessIT {
    private final MariaDbServer server = MariaDbServer.shared();

    @Test
    void sigtermDuringCopyCancelsDropsGhostAndChangelogAndLeavesOriginalUntouched() throws Exception {
        String database = server.createDatabase("sigterm");
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB",
                "INSERT INTO t SELECT seq, CONCAT('row ', seq) FROM seq_1_to_200000");
        String createBefore = showCreate(database);
        TableChecksum before;
        try (Connection connection = server.connect(database)) {
            before = TableChecksum.of(connection, database, "t");
        }
        try (CliProcess cli = CliProcess.migrate(server, database, List.of(), "--table", "t",
                "--alter", "ADD COLUMN c INT", "--execute", "--status-json", "--status-interval-seconds", "1",
                "--chunk-size", "100", "--nice-ratio", "3")) {
            cli.awaitStdoutLine(line -> line.contains("\"phase\":\"Copying\"") && !line.contains("\"rowsCopied\":0,"), 60);
            cli.terminate();
            int exit = cli.waitFor(60);
            assertThat(exit).isNotZero();
            assertThat(cli.stderr()).contains("cancelled").contains("SIGTERM");
            assertThat(cli.stdout().get(cli.stdout().size() - 1)).as("exit %d%nstdout %s%nstderr %s", exit, cli.stdout(), cli.stderr())
                    .contains("\"phase\":\"Cancelled\"");
        }
        assertThat(MigrationIntegrityIT.tables(server, database)).containsExactly("t");
        assertThat(showCreate(database)).isEqualTo(createBefore);
        try (Connection connection = server.connect(database)) {
            assertThat(TableChecksum.of(connection, database, "t")).isEqualTo(before);
        }
    }

    @Test
    void copiesAMillionRowsUnderWritesWithin256MegabytesOfHeap() throws Exception {
        String database = server.createDatabase("heap");
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL,"
                        + " pad CHAR(60) NOT NULL, KEY k_1 (k)) ENGINE=InnoDB",
                "INSERT INTO t SELECT seq, FLOOR(RAND() * 1000000), REPEAT(LEFT(SHA2(seq, 256), 32), 3), REPEAT('x', 60) FROM seq_1_to_1000000");
        try (WriteLoad load = new WriteLoad(server, database, 2, "+00:00",
                r -> "UPDATE t SET k = k + 1 WHERE id = " + (1 + r % 1_200_000));
             CliProcess cli = CliProcess.migrate(server, database, List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                     "--table", "t", "--alter", "ADD COLUMN extra INT NOT NULL DEFAULT 0", "--execute",
                     "--status-json", "--chunk-size", "5000")) {
            int exit = cli.waitFor(600);
            load.stop();
            assertThat(exit).as(cli.stderr()).isZero();
            assertThat(load.unexpectedErrors()).isEmpty();
            String last = cli.stdout().get(cli.stdout().size() - 1);
            assertThat(last).contains("\"phase\":\"Succeeded\"");
            System.out.println("1M-row copy under -Xmx256m, final status: " + last);
        }
        assertThat(server.queryLong(database, "SELECT COUNT(*) FROM t")).isEqualTo(1_000_000L);
        assertThat(server.queryLong(database, "SELECT COUNT(*) FROM t JOIN _t_del d USING (id) WHERE t.c = d.c AND t.pad = d.pad"))
                .isEqualTo(1_000_000L);
    }

    /**
     * The checksum pass reads rows into transmog to hash them. Chunks of wide rows (here 40 rows of 1 MiB, one chunk)
     * held whole, for both tables at once, need 80 MiB: more than this heap, as a chunk of 1,000 rows of 200 KiB would
     * be for a runner's. Read row by row, they need one row each.
     */
    @Test
    void verifiesChunksOfMegabyteRowsInAHeapSmallerThanAChunk() throws Exception {
        String database = server.createDatabase("wide");
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, doc MEDIUMBLOB NOT NULL) ENGINE=InnoDB",
                "INSERT INTO t SELECT seq, REPEAT(CHAR(64 + seq), 1048576) FROM seq_1_to_40");
        try (CliProcess cli = CliProcess.migrate(server, database, List.of("-Xmx48m", "-XX:+ExitOnOutOfMemoryError"),
                "--table", "t", "--alter", "ADD COLUMN extra INT NOT NULL DEFAULT 0", "--execute")) {
            int exit = cli.waitFor(300);
            assertThat(exit).as(cli.stderr()).isZero();
            assertThat(cli.stderr()).contains("checksum pass 1: 40 rows in 1 chunks compared");
            // One line per event, the binlog client's included; the last line is the CLI's own summary.
            List<String> lines = cli.stderr().lines().toList();
            assertThat(lines.subList(0, lines.size() - 1)).as(cli.stderr())
                    .allMatch(line -> line.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) (INFO|WARN|ERROR) .*"));
            assertThat(lines.get(lines.size() - 1)).startsWith("Succeeded: ");
        }
        assertThat(server.queryLong(database, "SELECT COUNT(*) FROM t JOIN _t_del d USING (id) WHERE t.doc = d.doc"))
                .isEqualTo(40L);
    }

    private String showCreate(String database) throws Exception {
        try (Connection connection = server.connect(database);
             var statement = connection.createStatement();
             var rs = statement.executeQuery("SHOW CREATE TABLE t")) {
            rs.next();
            return rs.getString(2);
        }
    }
}
