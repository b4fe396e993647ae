package io.transmog.engine.throttle;

import io.transmog.engine.Controls;
import io.transmog.engine.binlog.Changelog;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The throttler collects replica and load readings on a thread of its own: the migration loop's checks never wait
 * on a server, and what the loop cannot know yet holds writes rather than letting them through.
 */
class ThrottlerTest {
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @Test
    void aReplicaThatNeverAnswersHoldsWritesWithoutHoldingUpTheLoop() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        closing.add(silent);
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(silent.accept()); // and never say a word: the driver waits for a greeting
                }
            } catch (IOException closed) {
                accepted.forEach(ThrottlerTest::closeQuietly);
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        Throttler throttler = throttler(silent.getLocalPort());

        // Each check on the loop returns at once, however long the collector waits for that replica.
        assertTimeoutPreemptively(Duration.ofSeconds(3), () -> {
            for (int i = 0; i < 100; i++) {
                throttler.checkAbort();
                assertThat(throttler.throttleReason()).contains("waiting for the first load and replica readings");
                Thread.sleep(10);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> !accepted.isEmpty());
        assertTimeoutPreemptively(Duration.ofSeconds(3), throttler::close);
    }

    @Test
    void anUnreachableReplicaThrottlesWithTheReasonOnceItsReadingIsIn() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        Throttler throttler = throttler(closedPort);
        await().atMost(Duration.ofSeconds(10)).until(() -> throttler.throttleReason()
                .filter(reason -> reason.startsWith("replica 127.0.0.1:" + closedPort + " lag unknown")).isPresent());
        throttler.checkAbort(); // throttles, never aborts
        assertThat(throttler.replicaLagMillis()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void withNothingToReadTheFirstReadingsLetWritesGo() throws Exception {
        Throttler throttler = new Throttler(controls(), new Throttler.Settings(null, null, null, List.of()),
                changelog(), database(1), "`d`.`_t_ghc`").start();
        closing.add(throttler);
        await().atMost(Duration.ofSeconds(5)).until(() -> throttler.throttleReason().isEmpty());
        assertThat(throttler.throttleReason()).isEqualTo(Optional.empty());
    }

    private Throttler throttler(int replicaPort) {
        ConnectionConfig replica = new ConnectionConfig("127.0.0.1", replicaPort, "u", "p", "d");
        Throttler throttler = new Throttler(controls(), new Throttler.Settings(null, null, null, List.of(replica)),
                changelog(), database(replicaPort), "`d`.`_t_ghc`").start();
        closing.add(0, throttler);
        return throttler;
    }

    private static Controls controls() {
        return new Controls(100, 0, 1500, LoadThresholds.none(), LoadThresholds.none());
    }

    /** A primary nothing connects to: no load threshold or throttle query is set. */
    private static Database database(int port) {
        return new Database(new ConnectionConfig("127.0.0.1", port, "u", "p", "d"));
    }

    /** A changelog that has seen no heartbeat: no stream lag. */
    private static Changelog changelog() {
        return new Changelog(database(1), null);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the test is over
        }
    }
}
