package io.transmog.engine;

import io.transmog.engine.control.ControlCommands;
import io.transmog.engine.control.ControlServer;
import io.transmog.engine.support.CliProcess;
import io.transmog.engine.support.MigrationRun;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.ServerOptions;
import io.transmog.testdb.TableChecksum;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.transmog.engine.ThrottlingIT.ALTER;
import static io.transmog.engine.ThrottlingIT.ROWS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A running migration steered through the interactive command socket, gh-ost style:
 * in-process over a unix socket, and as the real CLI over TCP and a unix socket at once.
 * Writers keep writing while rows are copied.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ControlServerIT {
    private static MariaDbServer server;
    @TempDir
    Path dir;
    private final List<MigrationRun> runs = new ArrayList<>();

    @AfterEach
    void cancelLeftovers() {
        ThrottlingIT.cancelUnfinished(runs);
    }

    @BeforeAll
    static void startServer() {
        // Dedicated, so the binary log holds only this class's migrations and writers.
        server = MariaDbServer.start(ServerOptions.defaults());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** One command per connection, as {@code echo cmd | nc -U socket} sends it; the answer ends when the server closes. */
    static String send(SocketAddress address, String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(address)) {
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (channel.read(buffer) >= 0) {
                if (!buffer.hasRemaining()) {
                    throw new AssertionError("answer too long");
                }
            }
            buffer.flip();
            return StandardCharsets.UTF_8.decode(buffer).toString();
        }
    }

    /** Waits until {@code sup} reports the state, and returns the milliseconds it took. */
    static long awaitState(SocketAddress address, String state, Duration timeout) {
        long start = System.nanoTime();
        await().atMost(timeout).pollInterval(Duration.ofMillis(10))
                .until(() -> send(address, "sup").contains("State: " + state));
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    static long copied(SocketAddress address) throws IOException {
        String sup = send(address, "sup");
        assertThat(sup).startsWith("Copy: ");
        return Long.parseLong(sup.substring("Copy: ".length(), sup.indexOf('/')));
    }

    /**
     * The typical step of the copied-rows counter: sampled every 0.2 ms, well within a
     * chunk and its nice rest even when a chunk takes under a millisecond, the median of
     * its increases is one chunk's worth of rows. Watches {@code steps} chunks, the
     * first of which may still have been copied at the old size, so it is skipped.
     */
    static long medianStep(MigrationRun run, int steps) {
        List<Long> seen = new ArrayList<>();
        long last = run.snapshot().rowsCopied();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (seen.size() < steps + 1 && System.nanoTime() < end) {
            LockSupport.parkNanos(200_000);
            long now = run.snapshot().rowsCopied();
            if (now > last) {
                seen.add(now - last);
                last = now;
            }
        }
        assertThat(seen).as("copy progressed").hasSize(steps + 1);
        List<Long> sorted = new ArrayList<>(seen.subList(1, seen.size()));
        sorted.sort(null);
        System.out.println("copied-rows steps: " + seen);
        return sorted.get(sorted.size() / 2);
    }

    /** While paused: no row count change and not one binlog event for the ghost table for {@code millis}. */
    static void assertGhostUntouched(String database, long millis) throws Exception {
        ThrottlingIT.Binlog.Position from = ThrottlingIT.Binlog.current(server);
        long ghostRows = ThrottlingIT.count(server, database, "_t_gho");
        Thread.sleep(millis);
        assertThat(ThrottlingIT.count(server, database, "_t_gho")).as("ghost rows while paused").isEqualTo(ghostRows);
        Map<String, Integer> events = ThrottlingIT.Binlog.tableMapsBetween(server, from, ThrottlingIT.Binlog.current(server));
        System.out.printf("%d ms paused: binlog table maps %s%n", millis, events);
        assertThat(events.getOrDefault(database + "._t_gho", 0)).as("binlog events for the ghost while paused").isZero();
        assertThat(events.getOrDefault(database + ".t", 0)).as("the writers' events are visible").isPositive();
    }

    @Test
    void unixSocketSteersARunningMigration() throws Exception {
        String database = ThrottlingIT.createTable(server, "control_socket", ROWS);
        Controls controls = ThrottlingIT.slowControls(100, 5.0, 1500);
        // One stream, so that each step of the copied-rows counter is one chunk: with two, a chunk that commits before
        // the older one is counted with it, and the counter often steps by two chunks at once.
        controls.setCopyThreads(1);
        controls.setPostponeCutOver(true);
        Path socket = dir.resolve("t.sock");
        try (WriteLoad writers = ThrottlingIT.writers(server, database, 2)) {
            MigrationRun run = MigrationRun.start(server, database, "t", ALTER, controls, b -> b);
            runs.add(run);
            try (ControlServer control = ControlServer.start(
                    new ControlCommands(controls, run::snapshot, database, "t", null), socket, null)) {
                UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
                run.awaitPhase(Phase.Copying, Duration.ofSeconds(30));
                await().atMost(Duration.ofSeconds(30)).until(() -> copied(address) > 2_000);

                // chunk-size: the answer, the read-back, the controls and the copy itself all change.
                long before = medianStep(run, 9);
                assertThat(send(address, "chunk-size=500")).contains("# chunk-size: 500;").doesNotContain("error");
                assertThat(send(address, "chunk-size=?")).isEqualTo("500\n");
                assertThat(controls.chunkSize()).isEqualTo(500);
                long after = medianStep(run, 9);
                System.out.printf("copied rows per step: %d at chunk-size 100, %d at chunk-size 500%n", before, after);
                assertThat(before).isBetween(50L, 100L);
                assertThat(after).isBetween(250L, 500L);

                // Bad commands: an error line naming the problem; nothing changes.
                assertThat(send(address, "chunk-size=0")).isEqualTo("error: chunk size must be between 10 and " + Controls.MAX_CHUNK_SIZE + ", got 0\n");
                assertThat(send(address, "chunk-size=lots")).isEqualTo("error: chunk-size: \"lots\" is not a whole number\n");
                assertThat(send(address, "nice-ratio=-2")).startsWith("error: nice ratio must be between 0 and 100");
                assertThat(send(address, "max-load=Threads_running")).startsWith("error: max-load must look like");
                assertThat(send(address, "hurry-up")).isEqualTo("error: unknown command: hurry-up; try help\n");
                assertThat(send(address, "throttle=orders")).startsWith("error: 'throttle' names table orders");
                assertThat(controls.chunkSize()).isEqualTo(500);
                assertThat(controls.niceRatio()).isEqualTo(5.0);
                assertThat(controls.maxLoad().isEmpty()).isTrue();
                assertThat(controls.paused()).isFalse();
                assertThat(run.snapshot().phase()).isEqualTo(Phase.Copying);

                // throttle: Paused within 2 s, and then the ghost is not written at all.
                assertThat(send(address, "throttle")).startsWith("# Note: you may only throttle");
                long pausedAfter = awaitState(address, "Paused", Duration.ofSeconds(2));
                System.out.printf("throttle -> State: Paused after %d ms%n", pausedAfter);
                long copiedWhilePaused = copied(address);
                assertGhostUntouched(database, 3_500);
                assertThat(copied(address)).isEqualTo(copiedWhilePaused);
                assertThat(run.enteredWith(Phase.Paused).orElseThrow().rowsCopied()).as("rows copied as the pause was reported")
                        .isEqualTo(run.snapshot().rowsCopied());

                // no-throttle: copying again.
                send(address, "no-throttle");
                long resumedAfter = awaitState(address, "Copying", Duration.ofSeconds(2));
                System.out.printf("no-throttle -> State: Copying after %d ms%n", resumedAfter);
                await().atMost(Duration.ofSeconds(5)).until(() -> copied(address) > copiedWhilePaused);

                MigrationStatus result = ThrottlingIT.finishWithoutWriters(run, writers);
                assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
            }
            assertThat(socket).as("socket file removed on close").doesNotExist();
        }
        ThrottlingIT.assertMigratedIdentically(server, database);
    }

    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return probe.getLocalPort();
        }
    }

    @Test
    void cliServesTcpAndUnixSocketAndRemovesTheSocketOnExit() throws Exception {
        String database = ThrottlingIT.createTable(server, "control_cli", ROWS);
        int port = freePort();
        Path socket = dir.resolve("cli.sock");
        Path postpone = Files.createFile(dir.resolve("postpone.flag"));
        InetSocketAddress tcp = new InetSocketAddress("127.0.0.1", port);
        UnixDomainSocketAddress unix = UnixDomainSocketAddress.of(socket);
        try (WriteLoad writers = ThrottlingIT.writers(server, database, 2);
             CliProcess cli = CliProcess.migrate(server, database, List.of("-Xmx256m"),
                     "--table", "t", "--alter", ALTER, "--execute", "--chunk-size", "100", "--nice-ratio", "5",
                     "--status-json", "--status-interval-seconds", "1", "--postpone-cut-over-flag-file", postpone.toString(),
                     "--serve-tcp-port", Integer.toString(port), "--serve-socket-file", socket.toString(),
                     "--throttle-query", "SELECT 0", "--critical-load-hibernate-seconds", "5")) {
            cli.awaitStdoutLine(line -> line.contains("\"phase\":\"Copying\""), 60);
            await().atMost(Duration.ofSeconds(30)).until(() -> copied(tcp) > 2_000);
            assertThat(send(unix, "status")).contains("# Serving on unix socket: " + socket,
                    "# Serving on tcp port: 127.0.0.1:" + port, "# Migrating `" + database + "`.`t`",
                    "# critical-load-hibernate-seconds: 5; throttle-query: SELECT 0");

            assertThat(send(tcp, "chunk-size=abc")).isEqualTo("error: chunk-size: \"abc\" is not a whole number\n");
            assertThat(send(tcp, "chunk-size=?")).isEqualTo("100\n");

            send(tcp, "throttle");
            long pausedAfter = awaitState(tcp, "Paused", Duration.ofSeconds(2));
            System.out.printf("CLI: throttle over TCP -> State: Paused after %d ms%n", pausedAfter);
            assertGhostUntouched(database, 3_000);
            cli.awaitStdoutLine(line -> line.contains("\"phase\":\"Paused\"") && line.contains("\"throttleReason\":\"paused\""), 5);

            send(unix, "no-throttle");
            awaitState(tcp, "Copying", Duration.ofSeconds(2));
            assertThat(send(unix, "chunk-size=2000")).contains("# chunk-size: 2000;");
            assertThat(send(tcp, "nice-ratio=0")).contains("nice-ratio: 0.0");

            awaitState(unix, "AwaitingCutOver", Duration.ofMinutes(2));
            writers.stop();
            assertThat(writers.unexpectedErrors()).isEmpty();
            assertThat(send(unix, "unpostpone")).startsWith("Unpostponed\n");
            assertThat(postpone).as("postpone flag file removed by unpostpone").doesNotExist();
            int exit = cli.waitFor(120);
            assertThat(exit).as(cli.stderr()).isZero();
        }
        assertThat(socket).as("socket file removed on exit").doesNotExist();
        try (SocketChannel ignored = SocketChannel.open(tcp)) {
            throw new AssertionError("TCP port still served after exit");
        } catch (IOException expected) {
            // connection refused: the port is closed
        }
        ThrottlingIT.assertMigratedIdentically(server, database);
    }

    @Test
    void panicOverTheSocketCancelsAndCleansUp() throws Exception {
        String database = ThrottlingIT.createTable(server, "control_panic", ROWS);
        Path socket = dir.resolve("panic.sock");
        UnixDomainSocketAddress unix = UnixDomainSocketAddress.of(socket);
        TableChecksum before;
        String createBefore;
        try (CliProcess cli = CliProcess.migrate(server, database, List.of("-Xmx256m"),
                "--table", "t", "--alter", ALTER, "--execute", "--chunk-size", "100", "--nice-ratio", "5",
                "--serve-socket-file", socket.toString())) {
            try (WriteLoad writers = ThrottlingIT.writers(server, database, 2)) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> copied(unix) > 2_000);
                writers.stop();
                assertThat(writers.unexpectedErrors()).isEmpty();
            }
            // From here on only the migration could change the original.
            createBefore = ThrottlingIT.showCreate(server, database, "t");
            try (Connection c = server.connect(database)) {
                before = TableChecksum.of(c, database, "t");
            }
            assertThat(send(unix, "panic=orders")).startsWith("error: 'panic' names table orders");
            assertThat(send(unix, "sup")).contains("State: Copying");
            assertThat(send(unix, "panic")).startsWith("Panic:");
            int exit = cli.waitFor(60);
            assertThat(exit).isEqualTo(3);
            assertThat(cli.stderr()).contains("cancelled: panic requested", "original untouched");
        }
        assertThat(socket).doesNotExist();
        assertThat(ThrottlingIT.tableExists(server, database, "_t_gho")).isFalse();
        assertThat(ThrottlingIT.tableExists(server, database, "_t_ghc")).isFalse();
        assertThat(ThrottlingIT.showCreate(server, database, "t")).isEqualTo(createBefore);
        try (Connection c = server.connect(database)) {
            assertThat(TableChecksum.of(c, database, "t")).isEqualTo(before);
        }
    }

    @Test
    void cliRefusesATakenPortOrABadThrottleQueryBeforeTouchingTheDatabase() throws Exception {
        String database = ThrottlingIT.createTable(server, "control_taken", 100);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             CliProcess cli = CliProcess.migrate(server, database, List.of(),
                     "--table", "t", "--alter", ALTER, "--execute", "--serve-tcp-port", Integer.toString(taken.getLocalPort()))) {
            assertThat(cli.waitFor(60)).isEqualTo(2);
            assertThat(cli.stderr()).contains("error: cannot serve on 127.0.0.1:" + taken.getLocalPort());
        }
        try (CliProcess cli = CliProcess.migrate(server, database, List.of(),
                "--table", "t", "--alter", ALTER, "--execute", "--throttle-query", "DELETE FROM t")) {
            assertThat(cli.waitFor(60)).isEqualTo(2);
            assertThat(cli.stderr()).contains("error: throttle query must be a SELECT statement");
        }
        assertThat(ThrottlingIT.count(server, database, "t")).isEqualTo(100);
        assertThat(ThrottlingIT.tableExists(server, database, "_t_gho")).isFalse();
        assertThat(ThrottlingIT.tableExists(server, database, "_t_ghc")).isFalse();
    }
}
