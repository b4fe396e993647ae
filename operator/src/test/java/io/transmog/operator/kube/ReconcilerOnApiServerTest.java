package io.transmog.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.reconciler.RunnerJobs;
import io.transmog.operator.reconciler.SchemaMigrationReconciler;
import io.transmog.operator.status.StatusApply;

/** The operator, running in this JVM, against a real API server. */
@QuarkusTest
@WithTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class ReconcilerOnApiServerTest extends KubeTestSupport {

    private static final String PASSWORD = "pw-Zq8!never-leaks-7731";
    private static final String USER = "migrator-user-5521";

    @Test
    void createsOneRestrictedRunnerJobAndLeaksNoSecretValue() {
        String ns = newNamespace("job");
        createSecret(ns, "creds", Map.of("username", USER, "password", PASSWORD));
        SchemaMigration created = create(migration(ns, "add-nickname", "customers", "creds"));

        Job job = awaitJob(ns);
        var m = awaitStatus(ns, "add-nickname", s -> s.getStatus().getJobName() != null);

        assertThat(jobs(ns)).hasSize(1);
        assertThat(job.getMetadata().getName()).isEqualTo(m.getStatus().getJobName())
                .isEqualTo(RunnerJobs.jobName(created));
        assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.getKind()).isEqualTo("SchemaMigration");
            assertThat(ref.getName()).isEqualTo("add-nickname");
            assertThat(ref.getUid()).isEqualTo(created.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
        });
        assertThat(isManagedJob(job)).isTrue();
        var pod = job.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("transmog-test:dev");
        assertThat(container.getCommand()).containsExactly("transmog", "run", ns + "/add-nickname");
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("TRANSMOG_PASSWORD");
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("creds");
            assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
        }).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("TRANSMOG_USER");
            assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("username");
        });
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(job.getSpec().getBackoffLimit()).isEqualTo(6);
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());

        assertThat(m.getStatus().getPhase()).isEqualTo(Phase.Pending);
        assertThat(m.getStatus().getStartedAt()).isNotNull();
        assertThat(m.getStatus().getObservedGeneration()).isEqualTo(m.getMetadata().getGeneration());
        assertThat(condition(m, "Reconciling")).startsWith("True/");
        assertThat(m.getMetadata().getFinalizers()).contains(SchemaMigrationReconciler.FINALIZER);
        await().atMost(TIMEOUT).until(() -> events(ns).stream().anyMatch(e -> "Pending".equals(e.getReason())));

        // No secret value anywhere: Job, resource, events (also not base64-encoded).
        String everything = Serialization.asJson(jobs(ns)) + Serialization.asJson(get(ns, "add-nickname"))
                + Serialization.asJson(events(ns));
        for (String secret : new String[] { PASSWORD, USER }) {
            assertThat(everything).doesNotContain(secret)
                    .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void missingSecretKeepsItPendingUntilTheSecretAppears() {
        String ns = newNamespace("secret");
        create(migration(ns, "m", "customers", "later"));
        var waiting = awaitStatus(ns, "m", s -> s.getStatus().getPhase() == Phase.Pending
                && s.getStatus().getMessage() != null && s.getStatus().getMessage().contains("Secret"));
        assertThat(waiting.getStatus().getMessage()).contains("Secret " + ns + "/later").contains("does not exist");
        assertThat(condition(waiting, "Reconciling")).isEqualTo("True/CredentialsSecretMissing");
        assertThat(waiting.getStatus().getJobName()).isNull();
        assertThat(jobs(ns)).isEmpty();
        await().atMost(TIMEOUT).until(() -> events(ns).stream()
                .anyMatch(e -> "Warning".equals(e.getType()) && e.getMessage().contains(ns + "/later")));

        createSecret(ns, "later", Map.of("username", "u"));
        var keyMissing = awaitStatus(ns, "m",
                s -> "True/CredentialsKeyMissing".equals(condition(s, "Reconciling")));
        assertThat(keyMissing.getStatus().getMessage()).contains("Secret " + ns + "/later").contains("`password`");
        assertThat(jobs(ns)).isEmpty();

        client.secrets().inNamespace(ns).withName("later").edit(s -> {
            s.getData().put("password", Base64.getEncoder().encodeToString("p".getBytes(StandardCharsets.UTF_8)));
            return s;
        });
        awaitJob(ns);
        var started = awaitStatus(ns, "m", s -> s.getStatus().getJobName() != null);
        assertThat(started.getStatus().getStartedAt()).isNotNull();
    }

    @Test
    void aSecondMigrationOfTheSameTableWaitsForTheFirst() {
        String ns = newNamespace("busy");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        create(migration(ns, "first", "customers", "creds"));
        awaitStatus(ns, "first", s -> s.getStatus().getJobName() != null);

        var second = migration(ns, "second", "customers", "creds");
        second.getSpec().getDatabase().setHost("mysql"); // another spelling of the same Service
        create(second);
        var waiting = awaitStatus(ns, "second", s -> s.getStatus().getPhase() == Phase.Pending
                && s.getStatus().getMessage() != null);
        assertThat(waiting.getStatus().getMessage()).contains(ns + "/first").contains("customers");
        assertThat(condition(waiting, "Reconciling")).isEqualTo("True/TableBusy");
        assertThat(waiting.getStatus().getJobName()).isNull();

        create(migration(ns, "other-table", "orders", "creds"));
        awaitStatus(ns, "other-table", s -> s.getStatus().getJobName() != null);
        await().atMost(TIMEOUT).until(() -> jobs(ns).size() == 2);

        // The first one finishes: the second starts by itself.
        Job firstJob = jobs(ns).stream().filter(j -> j.getMetadata().getName()
                .equals(get(ns, "first").getStatus().getJobName())).findFirst().orElseThrow();
        runnerReports(ns, "first", Phase.Succeeded, "done");
        jobFinishes(firstJob, true);
        awaitStatus(ns, "second", s -> s.getStatus().getJobName() != null);
        // startedAt/jobName are recorded first (freezing the spec), then the Job is created.
        await().atMost(TIMEOUT).until(() -> jobs(ns).size() == 3);
    }

    @Test
    void ofMigrationsOfOneTableCreatedAtOnceOnlyOneStarts() throws InterruptedException {
        String ns = newNamespace("burst");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        // Created within a second or so, in the reverse of their queue order, and reconciled side by side: a decision
        // made before another migration of its table existed, and that one's decision made before the first one's
        // start was recorded, had let both start (DeployManifestsTest, once).
        List<String> tables = List.of("customers", "orders", "invoices", "payments");
        List<String> names = List.of("e", "d", "c", "b", "a");
        for (String name : names) {
            tables.forEach(table -> create(migration(ns, table + "-" + name, table, "creds")));
        }
        for (String table : tables) {
            names.forEach(name -> awaitStatus(ns, table + "-" + name, m -> m.getStatus() != null && m.getStatus().getPhase() != null));
        }
        Thread.sleep(2000);
        for (String table : tables) {
            assertThat(names.stream().filter(name -> get(ns, table + "-" + name).getStatus().getJobName() != null))
                    .as("migrations of shop.%s with a runner Job", table).hasSize(1);
        }
        assertThat(jobs(ns)).hasSize(tables.size());
    }

    @Test
    void aFinishedMigrationNeverRunsAgain() throws InterruptedException {
        String ns = newNamespace("finished");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        create(migration(ns, "m", "customers", "creds"));
        Job job = awaitJob(ns);
        // Each runner write holds all of its fields (under server-side apply, one it leaves out is removed).
        runnerPatchesStatus(ns, "m", Map.of("phase", "Copying", "message", "copying",
                "progress", Map.of("percent", 50.0, "rowsCopied", 10)));
        runnerPatchesStatus(ns, "m", Map.of("phase", "Succeeded", "message", "the table has been changed",
                "progress", Map.of("percent", 50.0, "rowsCopied", 10)));
        jobFinishes(job, true);
        var done = awaitStatus(ns, "m", s -> "True/Succeeded".equals(condition(s, "Ready")));
        assertThat(done.getStatus().getCompletedAt()).isNotNull();
        assertThat(done.getStatus().getProgress().getPercent()).isEqualTo(50.0);
        assertThat(done.getStatus().getMessage()).isEqualTo("the table has been changed");

        // The Job goes away (TTL, manual clean-up), and GitOps re-applies the resource with a spec change.
        client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).delete();
        await().atMost(TIMEOUT).until(() -> jobs(ns).isEmpty());
        client.resources(SchemaMigration.class).inNamespace(ns).withName("m")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"keepOldTable\":false}}");
        Thread.sleep(3000);
        assertThat(jobs(ns)).isEmpty();
        assertThat(get(ns, "m").getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    }

    @Test
    void aJobThatFailsWithoutAResultFailsTheMigration() {
        String ns = newNamespace("failed");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        create(migration(ns, "m", "customers", "creds"));
        Job job = awaitJob(ns);
        runnerReports(ns, "m", Phase.Copying, "copying");
        jobFinishes(job, false);
        var failed = awaitStatus(ns, "m", s -> s.getStatus().getPhase() == Phase.Failed);
        assertThat(failed.getStatus().getMessage()).contains(job.getMetadata().getName())
                .contains("BackoffLimitExceeded").contains("last phase: Copying");
        assertThat(condition(failed, "Stalled")).startsWith("True/");
        assertThat(failed.getStatus().getCompletedAt()).isNotNull();
        // The operator took phase and message over from the runner: a late runner write (not forced after its
        // first) is refused, and the recorded failure stays.
        assertThat(StatusApply.ownedStatusFields(failed, StatusApply.OPERATOR)).contains("phase", "message");
        assertConflict(() -> StatusApply.apply(client, ns, "m", Map.of("phase", "Copying", "message", "copying"),
                StatusApply.RUNNER, false));
        assertThat(get(ns, "m").getStatus().getPhase()).isEqualTo(Phase.Failed);
        await().atMost(TIMEOUT).until(() -> events(ns).stream()
                .anyMatch(e -> "Warning".equals(e.getType()) && "Failed".equals(e.getReason())));
    }

    /**
     * Issue 12: every status field has one owner that the API server enforces. Before the Job exists the operator
     * owns phase and message; the runner's first (forced) write takes them over; from then on a write by the wrong
     * field manager of a field the other one owns is refused with 409, and the stored value stays.
     */
    @Test
    void theApiServerRefusesAStatusWriteByTheWrongOwner() {
        String ns = newNamespace("owners");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        create(migration(ns, "m", "customers", "creds"));
        awaitJob(ns);
        var started = awaitStatus(ns, "m", s -> s.getStatus().getJobName() != null
                && StatusApply.ownedStatusFields(s, StatusApply.OPERATOR).contains("phase"));
        String jobName = started.getStatus().getJobName();

        // Before the runner took over, phase is the operator's: a runner write without force is refused.
        assertConflict(() -> StatusApply.apply(client, ns, "m", Map.of("phase", "Validating"), StatusApply.RUNNER,
                false));

        runnerReports(ns, "m", Phase.Copying, "copying");
        var taken = get(ns, "m");
        assertThat(StatusApply.ownedStatusFields(taken, StatusApply.RUNNER)).contains("phase", "message");
        assertThat(StatusApply.ownedStatusFields(taken, StatusApply.OPERATOR)).doesNotContain("phase", "message")
                .contains("jobName", "startedAt", "conditions", "observedGeneration");

        // The operator's field manager may no longer write phase; the runner's may never write the operator's fields.
        assertConflict(() -> StatusApply.apply(client, ns, "m", Map.of("phase", "Failed", "message", "x"),
                StatusApply.OPERATOR, false));
        assertConflict(() -> StatusApply.apply(client, ns, "m", Map.of("phase", "Copying", "message", "copying",
                "jobName", "another-job"), StatusApply.RUNNER, false));
        var after = get(ns, "m");
        assertThat(after.getStatus().getPhase()).isEqualTo(Phase.Copying);
        assertThat(after.getStatus().getMessage()).isEqualTo("copying");
        assertThat(after.getStatus().getJobName()).isEqualTo(jobName);
    }

    /**
     * A status field written by a version from before the field managers (JSON merge patches, recorded as "Update")
     * would refuse every apply of the operator with 409; the operator takes such fields over once and goes on.
     */
    @Test
    void statusFieldsWrittenBeforeTheFieldManagersAreTakenOverOnce() {
        String ns = newNamespace("legacy");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        create(migration(ns, "m", "customers", "creds"));
        Job job = awaitJob(ns);
        awaitStatus(ns, "m", s -> s.getStatus().getObservedGeneration() != null);
        client.resources(SchemaMigration.class).inNamespace(ns).withName("m").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"observedGeneration\":0}}");

        var back = awaitStatus(ns, "m",
                s -> s.getMetadata().getGeneration().equals(s.getStatus().getObservedGeneration()));
        assertThat(StatusApply.statusFieldsOfOtherWriters(back)).doesNotContain("observedGeneration");
        runnerReports(ns, "m", Phase.Copying, "copying");
        jobFinishes(job, false);
        awaitStatus(ns, "m", s -> s.getStatus().getPhase() == Phase.Failed);
    }

    private static void assertConflict(Runnable write) {
        assertThatThrownBy(write::run).isInstanceOfSatisfying(KubernetesClientException.class,
                e -> assertThat(e.getCode()).isEqualTo(409));
    }

    @Test
    void aPausedMigrationStartsOnlyWhenUnpaused() throws InterruptedException {
        String ns = newNamespace("paused");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        var m = migration(ns, "m", "customers", "creds");
        m.getSpec().setPaused(true);
        create(m);
        var paused = awaitStatus(ns, "m", s -> s.getStatus().getPhase() == Phase.Paused);
        assertThat(condition(paused, "Paused")).startsWith("True/");
        Thread.sleep(1500);
        assertThat(jobs(ns)).isEmpty();
        client.resources(SchemaMigration.class).inNamespace(ns).withName("m")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"paused\":false}}");
        awaitJob(ns);
    }

    @Test
    void deletingARunningMigrationWaitsForTheRunnerToCancel() {
        String ns = newNamespace("delete");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        create(migration(ns, "m", "customers", "creds"));
        Job job = awaitJob(ns);
        runnerReports(ns, "m", Phase.Copying, "copying");

        client.resources(SchemaMigration.class).inNamespace(ns).withName("m").delete();
        var cancelling = awaitStatus(ns, "m", s -> s.getMetadata().getDeletionTimestamp() != null
                && "True/Cancelling".equals(condition(s, "Reconciling")));
        assertThat(cancelling.getMetadata().getFinalizers()).contains(SchemaMigrationReconciler.FINALIZER);
        await().atMost(TIMEOUT).until(() -> events(ns).stream().anyMatch(e -> "Cancelling".equals(e.getReason())));

        // The runner sees the deletion, cancels, records it and exits.
        runnerReports(ns, "m", Phase.Cancelled, "cancelled: ghost and changelog tables dropped");
        jobFinishes(job, true);
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> get(ns, "m") == null);
    }

    @Test
    void deletingAFinishedMigrationTouchesNothing() {
        String ns = newNamespace("delete-done");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        create(migration(ns, "m", "customers", "creds"));
        Job job = awaitJob(ns);
        runnerReports(ns, "m", Phase.Succeeded, "done");
        awaitStatus(ns, "m", s -> "True/Succeeded".equals(condition(s, "Ready")));

        client.resources(SchemaMigration.class).inNamespace(ns).withName("m").delete();
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> get(ns, "m") == null);
        // The operator deleted nothing itself (the Job goes with its owner through Kubernetes' garbage collector,
        // which does not run on this bare API server).
        assertThat(client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get())
                .isNotNull();
    }
}
