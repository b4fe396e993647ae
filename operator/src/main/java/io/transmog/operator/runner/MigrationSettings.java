package io.transmog.operator.runner;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;
import java.util.zip.CRC32;

import io.transmog.engine.Controls;
import io.transmog.engine.MigrationConfig;
import io.transmog.engine.MigrationException;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.hooks.HooksConfig;
import java.util.Optional;
import io.transmog.operator.model.TlsSpec;
import io.transmog.operator.model.TlsMode;
import io.transmog.engine.db.TlsSettings;
import io.transmog.engine.sql.TableNames;
import io.transmog.engine.throttle.LoadThresholds;
import io.transmog.operator.model.CutOverMode;
import io.transmog.operator.model.CutOverSpec;
import io.transmog.operator.model.DatabaseSpec;
import io.transmog.operator.model.HooksSpec;
import io.transmog.operator.model.ReplicaEndpoint;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationSpec;
import io.transmog.operator.model.ThrottleSpec;
import io.transmog.operator.reconciler.RunnerJobs;

/**
 * Pure translation of a SchemaMigration (and the runner's environment) into the engine's {@link MigrationConfig},
 * fixed for the run, and {@link Controls}, the live knobs: {@code spec.paused}, {@code spec.throttle.*} and the
 * manual cut-over ({@code cutOver.mode=Manual} postpones the cut-over until {@code cutOver.approved=true}).
 * Credentials come only from {@code TRANSMOG_USER} / {@code TRANSMOG_PASSWORD}; nothing here ever puts them into a
 * message.
 */
public final class MigrationSettings {

    static final int DEFAULT_PORT = 3306;
    static final int DEFAULT_CHUNK_SIZE = 1000;
    static final int DEFAULT_COPY_THREADS = 2;
    static final int DEFAULT_MAX_LAG_MILLIS = 1500;
    static final int DEFAULT_LOCK_TIMEOUT_SECONDS = 3;
    /**
     * Binlog client server ids of runners: one per resource (a restarted pod takes over the id of its predecessor,
     * which makes the server drop a stale connection of it), far from the server ids of real servers.
     */
    static final long SERVER_ID_BASE = 2_200_000_000L;
    static final long SERVER_ID_RANGE = 2_000_000_000L;

    private MigrationSettings() {
    }

    /** The resource or the environment cannot give a valid migration: retrying the pod would not help. */
    public static final class InvalidSettingsException extends Exception {
        public InvalidSettingsException(String message) {
            super(message);
        }
    }

    /**
     * The engine's configuration. Ghost and changelog tables left by an earlier pod of the migration (crash, node
     * drain) are never dropped up front: the engine resumes from their checkpoint, or starts over when they hold
     * none.
     */
    public static MigrationConfig config(SchemaMigration migration, Map<String, String> env)
            throws InvalidSettingsException {
        SchemaMigrationSpec spec = migration.getSpec();
        if (spec == null) {
            throw new InvalidSettingsException("the SchemaMigration has no spec");
        }
        DatabaseSpec db = spec.getDatabase();
        if (db == null || blank(db.getHost()) || blank(db.getSchema())) {
            throw new InvalidSettingsException("spec.database.host and spec.database.schema are required");
        }
        if (blank(spec.getTable()) || blank(spec.getAlter())) {
            throw new InvalidSettingsException("spec.table and spec.alter are required");
        }
        String user = env.get(RunnerJobs.ENV_USER);
        String password = env.get(RunnerJobs.ENV_PASSWORD);
        if (blank(user)) {
            throw new InvalidSettingsException("the environment variable " + RunnerJobs.ENV_USER + " is not set: it "
                    + "comes from the key `" + RunnerJobs.SECRET_KEY_USER + "` of the Secret in "
                    + "spec.database.credentialsSecretRef");
        }
        if (password == null) {
            throw new InvalidSettingsException("the environment variable " + RunnerJobs.ENV_PASSWORD + " is not set: "
                    + "it comes from the key `" + RunnerJobs.SECRET_KEY_PASSWORD + "` of the Secret in "
                    + "spec.database.credentialsSecretRef");
        }
        ConnectionConfig connection = new ConnectionConfig(db.getHost().trim(), port(db.getPort()), user, password,
                db.getSchema()).withTls(tls(migration));
        List<ConnectionConfig> replicas = new ArrayList<>();
        if (db.getReplicas() != null) {
            for (ReplicaEndpoint replica : db.getReplicas()) {
                if (replica == null || blank(replica.getHost())) {
                    throw new InvalidSettingsException("spec.database.replicas[].host is required");
                }
                replicas.add(connection.withHost(replica.getHost().trim(), port(replica.getPort())));
            }
        }
        CutOverSpec cutOver = spec.getCutOver();
        int lockTimeout = cutOver == null || cutOver.getLockTimeoutSeconds() == null ? DEFAULT_LOCK_TIMEOUT_SECONDS
                : cutOver.getLockTimeoutSeconds();
        try {
            return MigrationConfig.builder(connection, spec.getTable(), spec.getAlter())
                    .execute(!spec.isDryRun())
                    .okToDropTable(!keepOldTable(spec))
                    .skipMappingCheck(!mappingCheck(spec))
                    .cutOverLockTimeoutSeconds(lockTimeout)
                    .replicas(replicas)
                    .binlogServerId(binlogServerId(migration))
                    // The runner retries a lost database (see Runner) and has no one to ask about a purged binlog.
                    .keepTablesOnConnectionLoss(true)
                    // Dropped by the runner once Succeeded is recorded: a pod lost in between is followed by one
                    // that recognises the migration as done.
                    .keepChangelogOnSuccess(true)
                    .startOverIfBinlogPurged(true)
                    .startOverAdvice(startOverAdvice(db.getSchema().trim(), spec.getTable()))
                    .hooks(hooks(migration))
                    .build();
        } catch (MigrationException e) {
            throw new InvalidSettingsException(e.getMessage());
        }
    }

    /** The live knobs as the spec has them now; invalid throttle settings fail the migration before it starts. */
    public static Controls controls(SchemaMigrationSpec spec) throws InvalidSettingsException {
        ThrottleSpec throttle = spec.getThrottle() == null ? new ThrottleSpec() : spec.getThrottle();
        Controls controls;
        try {
            controls = new Controls(orDefault(throttle.getChunkSize(), DEFAULT_CHUNK_SIZE), 0,
                    orDefault(throttle.getMaxLagMillis(), DEFAULT_MAX_LAG_MILLIS),
                    LoadThresholds.parse("spec.throttle.maxLoad", throttle.getMaxLoad()),
                    LoadThresholds.parse("spec.throttle.criticalLoad", throttle.getCriticalLoad()));
        } catch (MigrationException e) {
            throw new InvalidSettingsException(e.getMessage());
        }
        Changes changes = apply(spec, controls);
        if (!changes.problems().isEmpty()) {
            throw new InvalidSettingsException(String.join("; ", changes.problems()));
        }
        return controls;
    }

    /**
     * What applying the live fields changed (for the log), and which values were refused (they keep their previous
     * value and are reported in status.message).
     */
    public record Changes(List<String> applied, List<String> problems) {
        public boolean isEmpty() {
            return applied.isEmpty() && problems.isEmpty();
        }

        /** Sets a numeric knob when the spec's value differs from the current one; a refused value is a problem. */
        private void setNumber(String field, int wanted, long current, IntConsumer setter) {
            if (wanted == current) {
                return;
            }
            try {
                setter.accept(wanted);
                applied.add(field + "=" + wanted);
            } catch (MigrationException e) {
                problems.add(field + ": " + e.getMessage());
            }
        }
    }

    /** Applies {@code spec.paused}, {@code spec.throttle.*} and the manual cut-over to {@code controls}. */
    public static Changes apply(SchemaMigrationSpec spec, Controls controls) {
        List<String> applied = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean paused = spec.isPaused();
        if (controls.paused() != paused) {
            controls.setPaused(paused);
            applied.add("spec.paused=" + paused);
        }
        boolean postpone = postponeCutOver(spec);
        if (controls.postponeCutOver() != postpone) {
            controls.setPostponeCutOver(postpone);
            applied.add(postpone ? "cut-over waits for spec.cutOver.approved=true" : "cut-over may proceed");
        }
        ThrottleSpec throttle = spec.getThrottle() == null ? new ThrottleSpec() : spec.getThrottle();
        Changes changes = new Changes(applied, problems);
        changes.setNumber("spec.throttle.chunkSize", orDefault(throttle.getChunkSize(), DEFAULT_CHUNK_SIZE),
                controls.chunkSize(), controls::setChunkSize);
        changes.setNumber("spec.throttle.chunkTimeMillis",
                Controls.initialChunkTimeMillis(throttle.getChunkTimeMillis(), throttle.getChunkSize() != null),
                controls.chunkTimeMillis(), controls::setChunkTimeMillis);
        changes.setNumber("spec.throttle.copyThreads", orDefault(throttle.getCopyThreads(), DEFAULT_COPY_THREADS),
                controls.copyThreads(), controls::setCopyThreads);
        changes.setNumber("spec.throttle.maxLagMillis", orDefault(throttle.getMaxLagMillis(), DEFAULT_MAX_LAG_MILLIS),
                controls.maxLagMillis(), value -> controls.setMaxLagMillis(value));
        try {
            LoadThresholds maxLoad = LoadThresholds.parse("spec.throttle.maxLoad", throttle.getMaxLoad());
            if (!Objects.equals(controls.maxLoad(), maxLoad)) {
                controls.setMaxLoad(maxLoad);
                applied.add("spec.throttle.maxLoad=" + maxLoad);
            }
        } catch (MigrationException e) {
            problems.add(e.getMessage());
        }
        try {
            LoadThresholds criticalLoad = LoadThresholds.parse("spec.throttle.criticalLoad", throttle.getCriticalLoad());
            if (!Objects.equals(controls.criticalLoad(), criticalLoad)) {
                controls.setCriticalLoad(criticalLoad);
                applied.add("spec.throttle.criticalLoad=" + criticalLoad);
            }
        } catch (MigrationException e) {
            problems.add(e.getMessage());
        }
        return new Changes(List.copyOf(changes.applied()), List.copyOf(changes.problems()));
    }

    /** cutOver.mode=Manual holds the cut-over until cutOver.approved=true. */
    public static boolean postponeCutOver(SchemaMigrationSpec spec) {
        CutOverSpec cutOver = spec.getCutOver();
        return cutOver != null && cutOver.getMode() == CutOverMode.Manual && !Boolean.TRUE.equals(cutOver.getApproved());
    }

    static long binlogServerId(SchemaMigration migration) {
        String uid = migration.getMetadata().getUid();
        String identity = uid != null ? uid : migration.getMetadata().getNamespace() + "/" + migration.getMetadata().getName();
        CRC32 crc = new CRC32();
        crc.update(identity.getBytes(StandardCharsets.UTF_8));
        return SERVER_ID_BASE + crc.getValue() % SERVER_ID_RANGE;
    }

    /**
     * {@code spec.database.tls}: the mode, and the files of its Secrets where the Job mounts them. Absent: no TLS.
     * VerifyIdentity is the default mode once a tls block is given.
     */
    static TlsSettings tls(SchemaMigration migration) throws InvalidSettingsException {
        TlsSpec tls = migration.getSpec().getDatabase().getTls();
        if (tls == null) {
            return TlsSettings.disabled();
        }
        TlsMode mode = tls.getMode() == null ? TlsMode.VerifyIdentity : tls.getMode();
        boolean ca = tls.getCaSecretRef() != null;
        boolean client = tls.getClientCertSecretRef() != null;
        try {
            return new TlsSettings(switch (mode) {
                case Disabled -> TlsSettings.Mode.DISABLED;
                case Required -> TlsSettings.Mode.REQUIRED;
                case VerifyCA -> TlsSettings.Mode.VERIFY_CA;
                case VerifyIdentity -> TlsSettings.Mode.VERIFY_IDENTITY;
            }, ca ? Optional.of(Path.of(RunnerJobs.TLS_CA_MOUNT_PATH, RunnerJobs.TLS_CA_KEY)) : Optional.empty(),
                    client ? Optional.of(Path.of(RunnerJobs.TLS_CLIENT_MOUNT_PATH, RunnerJobs.TLS_CERT_KEY)) : Optional.empty(),
                    client ? Optional.of(Path.of(RunnerJobs.TLS_CLIENT_MOUNT_PATH, RunnerJobs.TLS_KEY_KEY)) : Optional.empty());
        } catch (MigrationException e) {
            throw new InvalidSettingsException("spec.database.tls: " + e.getMessage());
        }
    }

    /** {@code spec.hooks}: the files of its ConfigMap, which the Job mounts at {@link RunnerJobs#HOOKS_MOUNT_PATH}. */
    static HooksConfig hooks(SchemaMigration migration) {
        if (RunnerJobs.hooksConfigMap(migration).isEmpty()) {
            return HooksConfig.none();
        }
        HooksSpec hooks = migration.getSpec().getHooks();
        return HooksConfig.at(Path.of(RunnerJobs.HOOKS_MOUNT_PATH))
                .withTimeoutSeconds(orDefault(hooks.getTimeoutSeconds(), HooksConfig.DEFAULT_TIMEOUT_SECONDS))
                .withStatusIntervalSeconds(orDefault(hooks.getStatusIntervalSeconds(),
                        HooksConfig.DEFAULT_STATUS_INTERVAL_SECONDS));
    }

    private static boolean mappingCheck(SchemaMigrationSpec spec) {
        return spec.getVerification() == null || !Boolean.FALSE.equals(spec.getVerification().getMappingCheck());
    }

    private static boolean keepOldTable(SchemaMigrationSpec spec) {
        return spec.getKeepOldTable() == null || spec.getKeepOldTable();
    }

    private static int port(Integer port) {
        return port == null ? DEFAULT_PORT : port;
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    /** A resource cannot pass --initially-drop-ghost-table; a finished one never re-runs, so a new one is needed. */
    private static String startOverAdvice(String schema, String table) {
        TableNames names = TableNames.of(schema, table);
        return "drop " + names.qualifiedGhost() + " and " + names.qualifiedChangelog()
                + ", then delete this SchemaMigration and apply it again";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
