package io.transmog.operator.reconciler;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;

/**
 * Decides whether a migration that has not started may start now:
 * <ol>
 * <li>the credentials Secret exists and has the keys {@code username} and {@code password} (only the key names
 * are looked at; values are never read into logs, status or events);</li>
 * <li>it is not paused;</li>
 * <li>no other unfinished migration of the same table (see {@link MigrationTarget}) is running or ahead of it in
 * the queue. The queue is first come, first served (creationTimestamp, then namespace/name), so two waiting
 * migrations always agree on which one goes first.</li>
 * </ol>
 */
@ApplicationScoped
public class MigrationGate {

    public static final String TARGET_INDEX = "transmog-target";

    static final Comparator<SchemaMigration> QUEUE_ORDER = Comparator
            .comparing((SchemaMigration m) -> nullToEmpty(m.getMetadata().getCreationTimestamp()))
            .thenComparing(m -> m.getMetadata().getNamespace())
            .thenComparing(m -> m.getMetadata().getName());

    /** Striped by table: a few fixed locks, so that migrations of different tables seldom share one. */
    private static final int START_LOCKS = 64;

    private final KubernetesClient client;
    private final Object[] startLocks = new Object[START_LOCKS];

    public MigrationGate(KubernetesClient client) {
        this.client = client;
        for (int i = 0; i < START_LOCKS; i++) {
            startLocks[i] = new Object();
        }
    }

    /**
     * The lock to hold from the gate's decision until the start it allows is recorded in the migration's status: the
     * same for every migration of a table, so that the second one's decision sees the first one's start. One operator
     * reconciles at a time (leader election), so a lock in this process is enough.
     */
    public Object startLock(SchemaMigration migration) {
        return startLocks[Math.floorMod(MigrationTarget.of(migration).key().hashCode(), START_LOCKS)];
    }

    /**
     * @param sameTarget other migrations of the same table, e.g. from the informer cache index
     */
    public Gate evaluate(SchemaMigration migration, List<SchemaMigration> sameTarget) {
        Gate credentials = checkCredentials(migration);
        if (credentials != null) {
            return credentials;
        }
        if (migration.getSpec().isPaused()) {
            return Gate.paused();
        }
        return blockedBy(migration, sameTarget)
                .map(other -> Gate.waiting(Gate.REASON_TABLE_BUSY,
                        "waiting for SchemaMigration " + other.getMetadata().getNamespace() + "/"
                                + other.getMetadata().getName() + " ("
                                + Optional.ofNullable(other.getStatus()).map(s -> s.getPhase()).orElse(Phase.Pending)
                                + ") to finish: only one migration at a time may change "
                                + MigrationTarget.of(migration)))
                .orElseGet(Gate::open);
    }

    /** The credentials Secret, and the TLS Secrets the runner pod mounts (a missing one would hold the pod). */
    Gate checkCredentials(SchemaMigration migration) {
        Gate credentials = checkSecret(migration, "spec.database.credentialsSecretRef",
                migration.getSpec().getDatabase().getCredentialsSecretRef().getName(),
                List.of(RunnerJobs.SECRET_KEY_USER, RunnerJobs.SECRET_KEY_PASSWORD));
        if (credentials != null) {
            return credentials;
        }
        for (RunnerJobs.TlsSecret tls : RunnerJobs.tlsSecrets(migration)) {
            Gate gate = checkSecret(migration, tls.field(), tls.secret(), tls.keys());
            if (gate != null) {
                return gate;
            }
        }
        return null;
    }

    private Gate checkSecret(SchemaMigration migration, String field, String name, List<String> keys) {
        String namespace = migration.getMetadata().getNamespace();
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null) {
            return Gate.waiting(Gate.REASON_SECRET_MISSING, "waiting for Secret " + namespace + "/" + name + " (" + field
                    + ") with the keys " + keys.stream().map(k -> "`" + k + "`").toList() + ": it does not exist");
        }
        for (String key : keys) {
            if (!hasKey(secret.getData(), key) && !hasKey(secret.getStringData(), key)) {
                return Gate.waiting(Gate.REASON_SECRET_KEY_MISSING,
                        "waiting for Secret " + namespace + "/" + name + " to have the key `" + key + "`");
            }
        }
        return null;
    }

    /** The migration this one has to wait for, if any. */
    static Optional<SchemaMigration> blockedBy(SchemaMigration migration, List<SchemaMigration> sameTarget) {
        String uid = migration.getMetadata().getUid();
        MigrationTarget target = MigrationTarget.of(migration);
        Stream<SchemaMigration> others = sameTarget.stream()
                .filter(o -> uid == null || !uid.equals(o.getMetadata().getUid()))
                .filter(o -> !(o.getMetadata().getName().equals(migration.getMetadata().getName())
                        && o.getMetadata().getNamespace().equals(migration.getMetadata().getNamespace())))
                .filter(o -> target.equals(MigrationTarget.of(o)))
                .filter(o -> o.getStatus() == null || o.getStatus().getPhase() == null
                        || !o.getStatus().getPhase().isFinished());
        List<SchemaMigration> unfinished = others.toList();
        Optional<SchemaMigration> running = unfinished.stream()
                .filter(o -> o.getStatus() != null && o.getStatus().getJobName() != null)
                .min(QUEUE_ORDER);
        if (running.isPresent()) {
            return running;
        }
        return unfinished.stream()
                .filter(o -> QUEUE_ORDER.compare(o, migration) < 0)
                .min(QUEUE_ORDER);
    }

    private static boolean hasKey(Map<String, String> data, String key) {
        return data != null && data.containsKey(key);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
