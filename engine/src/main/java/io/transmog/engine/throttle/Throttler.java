package io.transmog.engine.throttle;

import io.transmog.engine.Controls;
import io.transmog.engine.MigrationException;
import io.transmog.engine.binlog.Changelog;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.Database;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether the migration may write right now, and whether it must stop: flag
 * files, an explicit pause, stream lag, replica lag (the changelog heartbeat read back
 * on each replica) and load thresholds on global status. Database checks run at most
 * once a second; flag files and the pause are looked at on every call.
 */
public final class Throttler implements AutoCloseable {
    private static final long CHECK_INTERVAL_MILLIS = 1000;

    public record Settings(Path throttleFlagFile, Path throttleAdditionalFlagFile, Path panicFlagFile,
                           List<ConnectionConfig> replicas) {
    }

    private final Controls controls;
    private final Settings settings;
    private final Changelog changelog;
    private final Database primary;
    private final String changelogTable;
    private final Map<ConnectionConfig, Connection> replicaConnections = new HashMap<>();
    private Connection primaryConnection;
    private long lastCheckMillis;
    private String databaseReason;
    private volatile long replicaLagMillis;

    public Throttler(Controls controls, Settings settings, Changelog changelog, Database primary, String qualifiedChangelog) {
        this.controls = controls;
        this.settings = settings;
        this.changelog = changelog;
        this.primary = primary;
        this.changelogTable = qualifiedChangelog;
    }

    /** Throws when the migration must abort: panic flag file, critical load. */
    public void checkAbort() throws SQLException {
        if (exists(settings.panicFlagFile())) {
            throw new MigrationException("panic flag file " + settings.panicFlagFile() + " exists: aborting");
        }
        LoadThresholds critical = controls.criticalLoad();
        if (!critical.isEmpty()) {
            exceeded(critical).ifPresent(over -> {
                throw new MigrationException("critical load reached: " + over + "; aborting to protect the server");
            });
        }
    }

    /** Why writing must wait now, or empty when it may go on. */
    public Optional<String> throttleReason() throws SQLException {
        if (controls.paused()) {
            return Optional.of("paused");
        }
        for (Path flag : new Path[]{settings.throttleFlagFile(), settings.throttleAdditionalFlagFile()}) {
            if (exists(flag)) {
                return Optional.of("throttle flag file " + flag + " exists");
            }
        }
        long lag = changelog.lagMillis();
        if (lag > controls.maxLagMillis()) {
            return Optional.of(String.format(Locale.ROOT, "binlog stream lag %.1fs > %.1fs", lag / 1000.0, controls.maxLagMillis() / 1000.0));
        }
        long now = System.currentTimeMillis();
        if (now - lastCheckMillis >= CHECK_INTERVAL_MILLIS) {
            lastCheckMillis = now;
            databaseReason = checkDatabases().orElse(null);
        }
        return Optional.ofNullable(databaseReason);
    }

    public long replicaLagMillis() {
        return replicaLagMillis;
    }

    private Optional<String> checkDatabases() throws SQLException {
        long maxReplicaLag = 0;
        String reason = null;
        for (ConnectionConfig replica : settings.replicas()) {
            long lag = replicaLag(replica);
            maxReplicaLag = Math.max(maxReplicaLag, lag);
            if (reason == null && lag > controls.maxLagMillis()) {
                reason = String.format(Locale.ROOT, "replica %s:%d lag %.1fs > %.1fs", replica.host(), replica.port(),
                        lag / 1000.0, controls.maxLagMillis() / 1000.0);
            }
        }
        replicaLagMillis = maxReplicaLag;
        if (reason == null && !controls.maxLoad().isEmpty()) {
            reason = exceeded(controls.maxLoad()).map(over -> "max load exceeded: " + over).orElse(null);
        }
        return Optional.ofNullable(reason);
    }

    /** The age of the newest heartbeat the replica has applied. */
    private long replicaLag(ConnectionConfig replica) throws SQLException {
        Connection connection = replicaConnections.get(replica);
        if (connection == null || !connection.isValid(2)) {
            connection = new Database(replica).connect();
            replicaConnections.put(replica, connection);
        }
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT `value` FROM " + changelogTable + " WHERE `hint` = 'heartbeat'")) {
            if (!rs.next()) {
                return Long.MAX_VALUE / 2;
            }
            long heartbeatMicros = Long.parseLong(rs.getString(1));
            return Math.max(0, System.currentTimeMillis() - heartbeatMicros / 1000);
        } catch (SQLException e) {
            if (e.getErrorCode() == 1146) {
                return Long.MAX_VALUE / 2;
            }
            throw e;
        }
    }

    private Optional<String> exceeded(LoadThresholds thresholds) throws SQLException {
        if (primaryConnection == null || !primaryConnection.isValid(2)) {
            primaryConnection = primary.connect();
        }
        Map<String, Long> current = new HashMap<>();
        try (Statement statement = primaryConnection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW GLOBAL STATUS")) {
            while (rs.next()) {
                if (thresholds.limits().containsKey(rs.getString(1))) {
                    try {
                        current.put(rs.getString(1), Long.parseLong(rs.getString(2)));
                    } catch (NumberFormatException ignored) {
                        // a non-numeric status variable cannot be a load threshold
                    }
                }
            }
        }
        List<String> over = new ArrayList<>();
        thresholds.limits().forEach((name, limit) -> {
            Long value = current.get(name);
            if (value == null) {
                throw new MigrationException("unknown global status variable in load threshold: " + name);
            }
            if (value >= limit) {
                over.add(name + "=" + value + " >= " + limit);
            }
        });
        return over.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", over));
    }

    private static boolean exists(Path flag) {
        return flag != null && Files.exists(flag);
    }

    @Override
    public void close() {
        List<Connection> all = new ArrayList<>(replicaConnections.values());
        if (primaryConnection != null) {
            all.add(primaryConnection);
        }
        for (Connection connection : all) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing after use; nothing left to protect
            }
        }
    }
}
