package io.transmog.engine.support;

import io.transmog.engine.Controls;
import io.transmog.engine.MigrationConfig;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Migrator;
import io.transmog.engine.Phase;
import io.transmog.engine.StatusTracker;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.throttle.LoadThresholds;
import io.transmog.testdb.MariaDbServer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.awaitility.Awaitility.await;

/** A migration running in the background of a test, with its phase history at hand. */
public final class MigrationRun {
    private final Migrator migrator;
    private final Controls controls;
    private final StatusTracker status;
    private final List<Phase> phases = new CopyOnWriteArrayList<>();
    /** When each phase was first entered (System.nanoTime()). */
    private final Map<Phase, Long> entered = new ConcurrentHashMap<>();
    /** The status each phase was first entered with, as listeners (the runner's status patch) heard it. */
    private final Map<Phase, MigrationStatus> enteredWith = new ConcurrentHashMap<>();
    private final CompletableFuture<MigrationStatus> result;

    private MigrationRun(MigrationConfig config, Controls controls) {
        this.controls = controls;
        this.status = new StatusTracker(config.table());
        status.addListener(s -> {
            if (phases.isEmpty() || phases.get(phases.size() - 1) != s.phase()) {
                phases.add(s.phase());
                entered.putIfAbsent(s.phase(), System.nanoTime());
                enteredWith.putIfAbsent(s.phase(), s);
            }
        });
        this.migrator = new Migrator(config, controls, status);
        this.result = CompletableFuture.supplyAsync(migrator::run);
    }

    /**
     * How the tests' migrations log in. On MySQL, without TLS, caching_sha2_password needs the server's RSA key
     * whenever the server has not cached the password, as after every restart (ThrottlingIT restarts a replica):
     * there, as a deployment without TLS would, the driver may fetch it.
     */
    public static ConnectionConfig connection(MariaDbServer server, String database) {
        return new ConnectionConfig(server.host(), server.port(), server.user(), server.password(), database)
                .withAllowPublicKeyRetrieval(server.isMySql());
    }

    /** Starts a migration with test-friendly defaults; {@code customize} may change any option. */
    public static MigrationRun start(MariaDbServer server, String database, String table, String alter,
                                     Controls controls, UnaryOperator<MigrationConfig.Builder> customize) {
        return start(connection(server, database), table, alter, controls, customize);
    }

    /** As above, with a connection of the test's own (another user, TLS). */
    public static MigrationRun start(ConnectionConfig connection, String table, String alter,
                                     Controls controls, UnaryOperator<MigrationConfig.Builder> customize) {
        MigrationConfig config = customize.apply(MigrationConfig.builder(connection, table, alter).execute(true)).build();
        return new MigrationRun(config, controls);
    }

    public static Controls controls(int chunkSize) {
        return new Controls(chunkSize, 0, 1500, LoadThresholds.none(), LoadThresholds.none());
    }

    public Controls controls() {
        return controls;
    }

    public MigrationStatus snapshot() {
        return status.snapshot();
    }

    public List<Phase> phases() {
        return List.copyOf(phases);
    }

    /** When the migration first entered {@code phase}, in System.nanoTime(); empty if it never did. */
    public Optional<Long> enteredAt(Phase phase) {
        return Optional.ofNullable(entered.get(phase));
    }

    /** The status the migration first entered {@code phase} with; empty if it never did. */
    public Optional<MigrationStatus> enteredWith(Phase phase) {
        return Optional.ofNullable(enteredWith.get(phase));
    }

    public void awaitPhase(Phase phase, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (result.isDone() && status.phase() != phase) {
                throw new AssertionError("migration ended in " + result.join().phase() + " (" + result.join().message()
                        + ") before reaching " + phase);
            }
            return status.phase() == phase;
        });
    }

    /** Waits until the ghost table has everything committed to the original so far. */
    public void catchUp() throws Exception {
        migrator.catchUp().get(60, TimeUnit.SECONDS);
    }

    public MigrationStatus finish(Duration timeout) throws Exception {
        return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
