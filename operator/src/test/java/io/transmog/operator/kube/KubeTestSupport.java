package io.transmog.operator.kube;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.transmog.operator.model.DatabaseSpec;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.status.StatusApply;
import io.transmog.operator.model.SchemaMigrationSpec;
import io.transmog.operator.model.SecretReference;
import io.transmog.operator.reconciler.RunnerJobs;

/**
 * Helpers for tests against the real API server. No kubelet and no Job controller run there: tests write Job
 * and status changes themselves, the way the Job controller and the runner would.
 */
abstract class KubeTestSupport {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private static KubernetesClient admin;

    /** Cluster admin, not the operator's ServiceAccount (which is what the operator under test uses). */
    final KubernetesClient client = admin();

    static synchronized KubernetesClient admin() {
        if (admin == null) {
            admin = KubeApiServerResource.newClient();
        }
        return admin;
    }

    String newNamespace(String prefix) {
        String name = prefix + "-" + NAMESPACES.incrementAndGet();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
        return name;
    }

    Secret createSecret(String namespace, String name, Map<String, String> stringData) {
        return client.secrets().inNamespace(namespace).resource(new SecretBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withStringData(stringData)
                .build()).create();
    }

    static SchemaMigration migration(String namespace, String name, String table, String secret) {
        var db = new DatabaseSpec();
        db.setHost("mysql." + namespace + ".svc");
        db.setSchema("shop");
        db.setCredentialsSecretRef(new SecretReference(secret));
        var spec = new SchemaMigrationSpec();
        spec.setDatabase(db);
        spec.setTable(table);
        spec.setAlter("ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''");
        var m = new SchemaMigration();
        m.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        m.setSpec(spec);
        return m;
    }

    SchemaMigration create(SchemaMigration m) {
        return client.resource(m).create();
    }

    SchemaMigration get(String namespace, String name) {
        return client.resources(SchemaMigration.class).inNamespace(namespace).withName(name).get();
    }

    SchemaMigration awaitStatus(String namespace, String name, java.util.function.Predicate<SchemaMigration> check) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            var m = get(namespace, name);
            return m != null && m.getStatus() != null && check.test(m);
        });
        return get(namespace, name);
    }

    List<Job> jobs(String namespace) {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    Job awaitJob(String namespace) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> !jobs(namespace).isEmpty());
        return jobs(namespace).get(0);
    }

    List<Event> events(String namespace) {
        return client.v1().events().inNamespace(namespace).list().getItems();
    }

    /**
     * Writes status fields the way a runner process's first write does: a server-side apply as the runner's field
     * manager, forced (it takes phase and message over from the operator).
     */
    void runnerPatchesStatus(String namespace, String name, Map<String, Object> status) {
        StatusApply.apply(client, namespace, name, status, StatusApply.RUNNER, true);
    }

    void runnerReports(String namespace, String name, Phase phase, String message) {
        runnerPatchesStatus(namespace, name, Map.of("phase", phase.name(), "message", message));
    }

    /** Marks the Job finished, as the Job controller would. */
    void jobFinishes(Job job, boolean succeeded) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<JobCondition> conditions = succeeded
                ? List.of(condition("SuccessCriteriaMet", "CompletionsReached", now),
                        condition("Complete", "CompletionsReached", now))
                : List.of(condition("FailureTarget", "BackoffLimitExceeded", now),
                        condition("Failed", "BackoffLimitExceeded", now));
        var fresh = client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName()).get();
        var status = new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                .withStartTime(now)
                .withActive(0)
                .withReady(0)
                .withTerminating(0)
                .withSucceeded(succeeded ? 1 : 0)
                .withFailed(succeeded ? 0 : 1)
                .withCompletionTime(succeeded ? now : null)
                .withConditions(conditions)
                .withNewUncountedTerminatedPods().endUncountedTerminatedPods()
                .build();
        fresh.setStatus(status);
        client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(fresh).updateStatus();
    }

    private static JobCondition condition(String type, String reason, String now) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason)
                .withMessage(reason).withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    static String condition(SchemaMigration m, String type) {
        return m.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()))
                .map(c -> c.getStatus() + "/" + c.getReason()).findFirst().orElse("absent");
    }

    static boolean isManagedJob(Job job) {
        return RunnerJobs.MANAGED_BY.equals(job.getMetadata().getLabels().get(RunnerJobs.LABEL_MANAGED_BY));
    }
}
