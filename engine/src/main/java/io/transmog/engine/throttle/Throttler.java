package io.transmog.engine.throttle;

import io.transmog.engine.Controls;
import io.transmog.engine.DaemonThreads;
import io.transmog.engine.MigrationException;
import io.transmog.engine.binlog.Changelog;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether the migration may write right now, and whether it must stop: flag
 * files, an explicit pause, stream lag, replica lag (the changelog heartbeat read back
 * on each replica), load thresholds on global status and the throttle query.
 *
 * <p>The database readings (replicas, global status, the throttle query) are collected by a
 * thread of their own, once a second after the previous collection ended, as gh-ost's
 * throttler does: the migration loop only reads the latest {@link Readings}. Collected on
 * the loop, a dead replica cost the copy and the applier its connect timeout on every check.
 * What the loop may not act on stays safe: no reading yet, readings from before a
 * hibernation or readings gone stale (a collector stuck on a server) all throttle. Flag
 * files and the pause are looked at on every call.
 *
 * <p>{@link #throttleReason()} and {@link #checkAbort()} are for the migration loop only;
 * {@link #replicaLagMillis()} any thread may read.
 */
public final class Throttler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Throttler.class);
    private static final long CHECK_INTERVAL_MILLIS = 1000;
    /** Readings older than this throttle: the collector is stuck (a server that accepts but does not answer). */
    private static final long STALE_MILLIS = 10_000;
    private static final long CLOSE_WAIT_MILLIS = 1000;
    private static final int THROTTLE_QUERY_TIMEOUT_SECONDS = 2;
    /** What {@link #replicaLag} returns for a replica that has no heartbeat yet. */
    private static final long NO_HEARTBEAT = Long.MAX_VALUE / 2;

    public record Settings(Path throttleFlagFile, Path throttleAdditionalFlagFile, Path panicFlagFile,
                           List<ConnectionConfig> replicas) {
    }

    /**
     * One collection: when it started; why writing must wait (replica lag, max load, the throttle query), or null;
     * the critical-load thresholds it checked, those over their limit, or null, and why they could not be decided (a
     * live change naming an unknown variable), or null; and a failure that must end the migration (the primary
     * cannot be read, a mistyped initial threshold), or null.
     */
    private record Readings(long takenMillis, String reason, LoadThresholds criticalChecked, String criticalOver,
                            String criticalProblem, Exception failure) {
        /** The critical-load findings, unless the thresholds were changed since they were checked. */
        boolean criticalStillApplies(LoadThresholds current) {
            return criticalChecked == current;
        }
    }

    private final Controls controls;
    private final Settings settings;
    private final Changelog changelog;
    private final Database primary;
    private final String changelogTable;
    /** The thresholds the migration started with: a mistake in those fails fast, a later one only throttles. */
    private final LoadThresholds initialMaxLoad;
    private final LoadThresholds initialCriticalLoad;
    private final long startedMillis = System.currentTimeMillis();
    private final ScheduledExecutorService collector = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("transmog-throttle-readings"));
    // The collector's connections (close() closes them once it stopped).
    private final Map<ConnectionConfig, Connection> replicaConnections = new ConcurrentHashMap<>();
    private Connection primaryConnection;
    private Connection throttleQueryConnection;
    private volatile Readings readings;
    private volatile long replicaLagMillis;
    /** Written by the loop, read by the collector, which makes no query at all until it has passed. */
    private volatile long hibernateUntilMillis;
    // Only the migration loop uses these.
    private String hibernateReason;
    private boolean streamLagged;

    public Throttler(Controls controls, Settings settings, Changelog changelog, Database primary, String qualifiedChangelog) {
        this.controls = controls;
        this.settings = settings;
        this.changelog = changelog;
        this.primary = primary;
        this.changelogTable = qualifiedChangelog;
        this.initialMaxLoad = controls.maxLoad();
        this.initialCriticalLoad = controls.criticalLoad();
    }

    /** Starts collecting the database readings; the first collection starts now. */
    public Throttler start() {
        collector.scheduleWithFixedDelay(this::collect, 0, CHECK_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Throws when the migration must abort: panic flag file, critical load (unless
     * {@link Controls#criticalLoadHibernateSeconds()} asks to hibernate instead), a reading
     * that failed in a way no retry mends.
     */
    public void checkAbort() throws SQLException {
        if (exists(settings.panicFlagFile())) {
            throw new MigrationException("panic flag file " + settings.panicFlagFile() + " exists: aborting");
        }
        long now = System.currentTimeMillis();
        Readings current = usableReadings();
        if (now < hibernateUntilMillis || current == null) {
            return;
        }
        if (current.failure() instanceof SQLException e) {
            throw e;
        }
        if (current.failure() instanceof RuntimeException e) {
            throw e;
        }
        if (current.criticalOver() == null || !current.criticalStillApplies(controls.criticalLoad())) {
            return;
        }
        long hibernateSeconds = controls.criticalLoadHibernateSeconds();
        if (hibernateSeconds <= 0) {
            throw new MigrationException("critical load reached: " + current.criticalOver() + "; aborting to protect the server");
        }
        hibernateUntilMillis = now + hibernateSeconds * 1000;
        hibernateReason = "critical load reached: " + current.criticalOver() + "; hibernating " + hibernateSeconds + "s until "
                + Instant.ofEpochMilli(hibernateUntilMillis).truncatedTo(ChronoUnit.SECONDS);
        LOG.warn("{}", hibernateReason);
    }

    /** Why writing must wait now, or empty when it may go on. */
    public Optional<String> throttleReason() {
        streamLagged = false;
        long now = System.currentTimeMillis();
        if (now < hibernateUntilMillis) {
            return Optional.of(hibernateReason);
        }
        if (controls.paused()) {
            return Optional.of("paused");
        }
        for (Path flag : new Path[]{settings.throttleFlagFile(), settings.throttleAdditionalFlagFile()}) {
            if (exists(flag)) {
                return Optional.of("throttle flag file " + flag + " exists");
            }
        }
        Readings current = usableReadings();
        if (current == null) {
            return Optional.of(hibernateUntilMillis > 0 ? "waiting for load readings taken after the hibernation"
                    : "waiting for the first load and replica readings");
        }
        if (current.failure() != null) {
            return Optional.of("load readings failed: " + firstLine(current.failure().getMessage()));
        }
        if (current.criticalProblem() != null && current.criticalStillApplies(controls.criticalLoad())) {
            return Optional.of(current.criticalProblem());
        }
        long lag = changelog.lagMillis();
        if (lag > controls.maxLagMillis()) {
            streamLagged = true;
            return Optional.of(String.format(Locale.ROOT, "binlog stream lag %.1fs > %.1fs", lag / 1000.0, controls.maxLagMillis() / 1000.0));
        }
        if (now - current.takenMillis() > STALE_MILLIS) {
            return Optional.of(String.format(Locale.ROOT, "load and replica readings are %.0fs old: a server is slow to answer",
                    (now - current.takenMillis()) / 1000.0));
        }
        return Optional.ofNullable(current.reason());
    }

    /** The latest readings, unless there are none yet or they were taken before the last hibernation ended. */
    private Readings usableReadings() {
        Readings current = readings;
        return current == null || current.takenMillis() < hibernateUntilMillis ? null : current;
    }

    /**
     * True when the last {@link #throttleReason()} throttled only because the binlog stream
     * trails: the copy should wait, but pending changes must still be applied. The stream
     * stops reading while the changed-keys buffer is full, so holding back the applier too
     * would keep the stream (and its heartbeats) stuck, and the throttle with it.
     */
    public boolean onlyStreamLagging() {
        return streamLagged;
    }

    public long replicaLagMillis() {
        return replicaLagMillis;
    }

    /** One collection, on the collector thread; none while hibernating. */
    private void collect() {
        long taken = System.currentTimeMillis();
        if (taken < hibernateUntilMillis) {
            return;
        }
        try {
            LoadThresholds critical = controls.criticalLoad();
            LoadThresholds maxLoad = controls.maxLoad();
            Map<String, Long> status = critical.isEmpty() && maxLoad.isEmpty() ? Map.of() : globalStatus();
            String criticalOver = null;
            String criticalProblem = null;
            if (!critical.isEmpty()) {
                Load load = measure(critical, status);
                if (!load.unknown().isEmpty()) {
                    criticalProblem = "critical-load names unknown global status variable(s) " + String.join(", ", load.unknown());
                    if (critical == initialCriticalLoad) {
                        throw new MigrationException(criticalProblem);
                    }
                    // A live change with a typo must not end the migration; writes wait until it is fixed.
                } else if (!load.over().isEmpty()) {
                    criticalOver = String.join(", ", load.over());
                }
            }
            readings = new Readings(taken, databaseReason(maxLoad, status), critical, criticalOver, criticalProblem, null);
        } catch (Exception e) {
            readings = new Readings(taken, null, null, null, null, e);
        }
    }

    private String databaseReason(LoadThresholds maxLoad, Map<String, Long> status) throws SQLException {
        long maxReplicaLag = 0;
        String reason = null;
        for (ConnectionConfig replica : settings.replicas()) {
            String where = replica.host() + ":" + replica.port();
            long lag;
            try {
                lag = replicaLag(replica);
            } catch (SQLException | MigrationException e) {
                // A replica that cannot be read may be lagging without limit: hold writes, do not abort.
                dropReplicaConnection(replica);
                maxReplicaLag = Math.max(maxReplicaLag, System.currentTimeMillis() - startedMillis);
                if (reason == null) {
                    reason = "replica " + where + " lag unknown: " + firstLine(e.getMessage());
                }
                continue;
            }
            maxReplicaLag = Math.max(maxReplicaLag, lag == NO_HEARTBEAT ? System.currentTimeMillis() - startedMillis : lag);
            if (reason == null && lag > controls.maxLagMillis()) {
                reason = lag == NO_HEARTBEAT
                        ? "replica " + where + " has not replicated the changelog heartbeat yet"
                        : String.format(Locale.ROOT, "replica %s lag %.1fs > %.1fs", where, lag / 1000.0,
                        controls.maxLagMillis() / 1000.0);
            }
        }
        replicaLagMillis = maxReplicaLag;
        if (reason == null && !maxLoad.isEmpty()) {
            Load load = measure(maxLoad, status);
            if (!load.unknown().isEmpty()) {
                String problem = "max-load names unknown global status variable(s) " + String.join(", ", load.unknown());
                if (maxLoad == initialMaxLoad) {
                    throw new MigrationException(problem);
                }
                reason = problem;
            } else if (!load.over().isEmpty()) {
                reason = "max load exceeded: " + String.join(", ", load.over());
            }
        }
        String query = controls.throttleQuery();
        if (reason == null && query != null) {
            reason = throttleQuery(query).orElse(null);
        }
        return reason;
    }

    /** The age of the newest heartbeat the replica has applied. */
    private long replicaLag(ConnectionConfig replica) throws SQLException {
        Connection connection = replicaConnections.get(replica);
        if (connection == null || !connection.isValid(2)) {
            dropReplicaConnection(replica);
            connection = new Database(replica).connect();
            if (collector.isShutdown()) {
                quietlyClose(connection);
                throw new MigrationException("the throttle was closed while connecting to the replica");
            }
            replicaConnections.put(replica, connection);
        }
        try (Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(5);
            try (ResultSet rs = statement.executeQuery("SELECT `value` FROM " + changelogTable + " WHERE `hint` = 'heartbeat'")) {
                if (!rs.next()) {
                    return NO_HEARTBEAT;
                }
                long heartbeatMicros = Long.parseLong(rs.getString(1));
                return Math.max(0, System.currentTimeMillis() - heartbeatMicros / 1000);
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == 1146) {
                return NO_HEARTBEAT;
            }
            throw e;
        }
    }

    private void dropReplicaConnection(ConnectionConfig replica) {
        Connection old = replicaConnections.remove(replica);
        if (old != null) {
            quietlyClose(old);
        }
    }

    /**
     * Runs the throttle query on a read-only session of its own; a positive first value
     * throttles. No row or NULL counts as zero; an error or a non-number throttles too,
     * since the check it stands for could not be made.
     */
    private Optional<String> throttleQuery(String query) {
        try {
            if (throttleQueryConnection == null || !throttleQueryConnection.isValid(2)) {
                if (throttleQueryConnection != null) {
                    quietlyClose(throttleQueryConnection);
                }
                throttleQueryConnection = primary.connect();
                Database.execute(throttleQueryConnection, "SET SESSION TRANSACTION READ ONLY");
            }
            try (Statement statement = throttleQueryConnection.createStatement()) {
                statement.setQueryTimeout(THROTTLE_QUERY_TIMEOUT_SECONDS);
                try (ResultSet rs = statement.executeQuery(query)) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    String value = rs.getString(1);
                    if (value == null) {
                        return Optional.empty();
                    }
                    BigDecimal number;
                    try {
                        number = new BigDecimal(value.strip());
                    } catch (NumberFormatException e) {
                        return Optional.of("throttle-query returned \"" + abbreviate(value) + "\", not a number");
                    }
                    return number.signum() > 0 ? Optional.of("throttle-query returned " + number.toPlainString())
                            : Optional.empty();
                }
            }
        } catch (SQLException | MigrationException e) {
            if (throttleQueryConnection != null) {
                quietlyClose(throttleQueryConnection);
                throttleQueryConnection = null;
            }
            return Optional.of("throttle-query failed: " + firstLine(e.getMessage()));
        }
    }

    /** Current values of the thresholds' variables: those at or above their limit, and names the server lacks. */
    private record Load(List<String> over, List<String> unknown) {
    }

    /** Every numeric global status variable, by its name as the server spells it. */
    private Map<String, Long> globalStatus() throws SQLException {
        if (primaryConnection == null || !primaryConnection.isValid(2)) {
            if (primaryConnection != null) {
                quietlyClose(primaryConnection);
            }
            primaryConnection = primary.connect();
        }
        // Status names are case-insensitive in SHOW STATUS LIKE; they are matched the same way.
        Map<String, Long> status = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        try (Statement statement = primaryConnection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW GLOBAL STATUS")) {
            while (rs.next()) {
                try {
                    status.put(rs.getString(1), Long.parseLong(rs.getString(2).strip()));
                } catch (NumberFormatException | NullPointerException ignored) {
                    // a non-numeric status variable cannot be a load threshold: reported as unknown if named
                }
            }
        }
        return status;
    }

    private static Load measure(LoadThresholds thresholds, Map<String, Long> current) {
        List<String> over = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        thresholds.limits().forEach((name, limit) -> {
            Long value = current.get(name);
            if (value == null) {
                unknown.add(name);
            } else if (value >= limit) {
                over.add(name + "=" + value + " >= " + limit);
            }
        });
        return new Load(over, unknown);
    }

    private static boolean exists(Path flag) {
        return flag != null && Files.exists(flag);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no details";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }

    private static void quietlyClose(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing after use or after a failure; nothing left to protect
        }
    }

    /** Stops the collector, then closes its connections. */
    @Override
    public void close() {
        collector.shutdownNow();
        try {
            // A collection stuck connecting to a dead server is not interrupted; it ends at the connect timeout and
            // closes what it opened then (replicaLag), so closing need not wait for it.
            collector.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Connection> all = new ArrayList<>(replicaConnections.values());
        replicaConnections.clear();
        if (primaryConnection != null) {
            all.add(primaryConnection);
        }
        if (throttleQueryConnection != null) {
            all.add(throttleQueryConnection);
        }
        all.forEach(Throttler::quietlyClose);
    }
}
