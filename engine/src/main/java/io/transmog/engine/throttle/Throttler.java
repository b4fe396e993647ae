package io.transmog.engine.throttle;

import io.transmog.engine.Controls;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether the migration may write right now, and whether it must stop: flag
 * files, an explicit pause, stream lag, replica lag (the changelog heartbeat read back
 * on each replica), load thresholds on global status and the throttle query. Database
 * checks (critical load included) run at most once a second; flag files and the pause
 * are looked at on every call.
 *
 * <p>Not thread-safe: the migration loop is its only caller, apart from
 * {@link #replicaLagMillis()}, which any thread may read.
 */
public final class Throttler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Throttler.class);
    private static final long CHECK_INTERVAL_MILLIS = 1000;
    private static final int THROTTLE_QUERY_TIMEOUT_SECONDS = 2;
    /** What {@link #replicaLag} returns for a replica that has no heartbeat yet. */
    private static final long NO_HEARTBEAT = Long.MAX_VALUE / 2;

    public record Settings(Path throttleFlagFile, Path throttleAdditionalFlagFile, Path panicFlagFile,
                           List<ConnectionConfig> replicas) {
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
    private final Map<ConnectionConfig, Connection> replicaConnections = new HashMap<>();
    private Connection primaryConnection;
    private Connection throttleQueryConnection;
    private long lastCheckMillis;
    private String databaseReason;
    private long lastCriticalCheckMillis;
    /** Why the last critical-load check could not decide (unknown variable), or null. */
    private String criticalLoadProblem;
    private volatile long hibernateUntilMillis;
    private String hibernateReason;
    private boolean streamLagged;
    private volatile long replicaLagMillis;

    public Throttler(Controls controls, Settings settings, Changelog changelog, Database primary, String qualifiedChangelog) {
        this.controls = controls;
        this.settings = settings;
        this.changelog = changelog;
        this.primary = primary;
        this.changelogTable = qualifiedChangelog;
        this.initialMaxLoad = controls.maxLoad();
        this.initialCriticalLoad = controls.criticalLoad();
    }

    /**
     * Throws when the migration must abort: panic flag file, critical load (unless
     * {@link Controls#criticalLoadHibernateSeconds()} asks to hibernate instead).
     */
    public void checkAbort() throws SQLException {
        if (exists(settings.panicFlagFile())) {
            throw new MigrationException("panic flag file " + settings.panicFlagFile() + " exists: aborting");
        }
        long now = System.currentTimeMillis();
        if (now < hibernateUntilMillis) {
            return; // hibernating: no queries at all until it ends
        }
        LoadThresholds critical = controls.criticalLoad();
        if (critical.isEmpty()) {
            criticalLoadProblem = null;
            return;
        }
        if (now - lastCriticalCheckMillis < CHECK_INTERVAL_MILLIS) {
            return;
        }
        lastCriticalCheckMillis = now;
        Load load = measure(critical);
        if (!load.unknown().isEmpty()) {
            String problem = "critical-load names unknown global status variable(s) " + String.join(", ", load.unknown());
            if (critical == initialCriticalLoad) {
                throw new MigrationException(problem);
            }
            // A live change with a typo must not end the migration; hold writes until it is fixed.
            criticalLoadProblem = problem;
            return;
        }
        criticalLoadProblem = null;
        if (load.over().isEmpty()) {
            return;
        }
        String over = String.join(", ", load.over());
        long hibernateSeconds = controls.criticalLoadHibernateSeconds();
        if (hibernateSeconds <= 0) {
            throw new MigrationException("critical load reached: " + over + "; aborting to protect the server");
        }
        hibernateUntilMillis = now + hibernateSeconds * 1000;
        hibernateReason = "critical load reached: " + over + "; hibernating " + hibernateSeconds + "s until "
                + Instant.ofEpochMilli(hibernateUntilMillis).truncatedTo(ChronoUnit.SECONDS);
        // The next check right after hibernation must query again, not reuse an old answer.
        lastCriticalCheckMillis = 0;
        lastCheckMillis = 0;
        LOG.warn("{}", hibernateReason);
    }

    /** Why writing must wait now, or empty when it may go on. */
    public Optional<String> throttleReason() throws SQLException {
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
        if (criticalLoadProblem != null) {
            return Optional.of(criticalLoadProblem);
        }
        long lag = changelog.lagMillis();
        if (lag > controls.maxLagMillis()) {
            streamLagged = true;
            return Optional.of(String.format(Locale.ROOT, "binlog stream lag %.1fs > %.1fs", lag / 1000.0, controls.maxLagMillis() / 1000.0));
        }
        if (now - lastCheckMillis >= CHECK_INTERVAL_MILLIS) {
            lastCheckMillis = now;
            databaseReason = checkDatabases().orElse(null);
        }
        return Optional.ofNullable(databaseReason);
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

    /** True while a critical load has the migration hibernating. */
    public boolean hibernating() {
        return System.currentTimeMillis() < hibernateUntilMillis;
    }

    public long replicaLagMillis() {
        return replicaLagMillis;
    }

    private Optional<String> checkDatabases() throws SQLException {
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
        LoadThresholds maxLoad = controls.maxLoad();
        if (reason == null && !maxLoad.isEmpty()) {
            Load load = measure(maxLoad);
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
        return Optional.ofNullable(reason);
    }

    /** The age of the newest heartbeat the replica has applied. */
    private long replicaLag(ConnectionConfig replica) throws SQLException {
        Connection connection = replicaConnections.get(replica);
        if (connection == null || !connection.isValid(2)) {
            dropReplicaConnection(replica);
            connection = new Database(replica).connect();
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

    private Load measure(LoadThresholds thresholds) throws SQLException {
        if (primaryConnection == null || !primaryConnection.isValid(2)) {
            if (primaryConnection != null) {
                quietlyClose(primaryConnection);
            }
            primaryConnection = primary.connect();
        }
        Map<String, Long> current = new HashMap<>();
        try (Statement statement = primaryConnection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW GLOBAL STATUS")) {
            while (rs.next()) {
                String name = rs.getString(1);
                for (String wanted : thresholds.limits().keySet()) {
                    // Status names are case-insensitive in SHOW STATUS LIKE; match them the same way.
                    if (wanted.equalsIgnoreCase(name)) {
                        try {
                            current.put(wanted, Long.parseLong(rs.getString(2).strip()));
                        } catch (NumberFormatException | NullPointerException ignored) {
                            // a non-numeric status variable cannot be a load threshold: reported as unknown
                        }
                    }
                }
            }
        }
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

    @Override
    public void close() {
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
