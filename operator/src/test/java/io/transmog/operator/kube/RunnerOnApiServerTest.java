package io.transmog.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Migrator;
import io.transmog.engine.StatusTracker;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.inspect.Inspector;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.AlterClauses;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;
import io.transmog.operator.model.CutOverMode;
import io.transmog.operator.model.CutOverSpec;
import io.transmog.operator.model.DatabaseSpec;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.status.StatusApply;
import io.transmog.operator.model.SchemaMigrationSpec;
import io.transmog.operator.model.SecretReference;
import io.transmog.operator.model.ThrottleSpec;
import io.transmog.operator.runner.ExitCode;
import io.transmog.operator.runner.MigrationSettings;
import io.transmog.operator.runner.Runner;

/**
 * The whole path with real parts: the operator (in this JVM, as its ServiceAccount) creates the runner Job; the
 * {@link NodeSimulator} plays kubelet and Job controller and runs {@code transmog run ns/name} in-process with the
 * Job's environment and a token of the runner's ServiceAccount (RBAC of deploy/ and examples/); the runner drives
 * the engine against a real MariaDB server and reports through the real API server.
 */
@QuarkusTest
@WithTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class RunnerOnApiServerTest extends KubeTestSupport {

    private static final Duration MIGRATION_TIMEOUT = Duration.ofSeconds(90);
    private static final String ALTER = "ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''";
    private static final String SECRET = "db-creds";

    private static MigrationDatabase db;
    private static NodeSimulator node;
    private static LogCapture logs;

    @BeforeAll
    static void startNodeAndDatabase() {
        db = MigrationDatabase.create();
        logs = LogCapture.install();
        node = new NodeSimulator(admin(), KubeApiServerResource.adminConfig(),
                new Runner.Options(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10),
                        Duration.ofSeconds(1))).start();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
        if (logs != null) {
            logs.close();
        }
    }

    @Test
    void migratesASeededTableThroughThePhasesToSucceededAndLeaksNoSecret() {
        Env env = prepare("migrate");
        db.seed(env.schema, "customers", 20_000);
        try (StatusRecorder recorder = new StatusRecorder(client, env.ns, "add-nickname")) {
            create(migration(env, "add-nickname", "customers", ALTER));
            SchemaMigration done = awaitMigration(env.ns, "add-nickname", m -> phase(m) == Phase.Succeeded);

            assertThat(recorder.phases()).containsSubsequence(Phase.Pending, Phase.Validating, Phase.Copying,
                    Phase.CuttingOver, Phase.Succeeded);
            // Phase and message pass from the operator to the runner without the resource ever showing no phase,
            // and end up owned by the runner's field manager alone.
            assertThat(recorder.updates()).extracting(StatusRecorder.Update::phase).doesNotContainNull();
            assertThat(StatusApply.ownedStatusFields(done, StatusApply.RUNNER)).contains("phase", "message",
                    "progress", "completedAt");
            assertThat(StatusApply.ownedStatusFields(done, StatusApply.OPERATOR)).doesNotContain("phase", "message")
                    .contains("jobName", "startedAt", "conditions", "observedGeneration");
            var status = done.getStatus();
            assertThat(status.getMessage()).contains("20000 rows copied");
            assertThat(status.getCompletedAt()).isNotNull();
            assertThat(status.getProgress().getRowsCopied()).isEqualTo(20_000L);
            assertThat(status.getProgress().getRowsEstimated()).isGreaterThanOrEqualTo(20_000L);
            assertThat(status.getProgress().getPercent()).isEqualTo(100.0);
            assertThat(status.getProgress().getThrottled()).isFalse();
            assertThat(status.getProgress().getThrottleReason()).isNull();
            assertThat(status.getCutOver().getAttempts()).isGreaterThanOrEqualTo(1);
            assertThat(status.getCutOver().getStallMillis()).isNotNull();
            assertThat(status.getPlan()).as("the plan is reported for dry runs only").isNull();
            await().atMost(TIMEOUT).until(() -> "True/Succeeded".equals(condition(get(env.ns, "add-nickname"), "Ready")));

            assertThat(db.columnExists(env.schema, "customers", "nickname")).isTrue();
            assertThat(db.count(env.schema, "customers")).isEqualTo(20_000);
            assertThat(db.fingerprint(env.schema, "_customers_del")).isEqualTo(db.fingerprint(env.schema, "customers"));
            assertThat(db.tableExists(env.schema, "_customers_gho")).isFalse();
            awaitChangelogDropped(env.schema);

            Job job = awaitJobFinished(env.ns, "Complete");
            assertThat(node.pods(env.ns, job.getMetadata().getName())).singleElement()
                    .satisfies(pod -> assertThat(pod.exitCode).isZero());

            // No credential anywhere: Job, Pods, resource, Events, and what the runner (and everything else) logged.
            String everything = Serialization.asJson(jobs(env.ns))
                    + Serialization.asJson(client.pods().inNamespace(env.ns).list().getItems())
                    + Serialization.asJson(get(env.ns, "add-nickname")) + Serialization.asJson(events(env.ns))
                    + logs.all();
            assertThat(logs.all()).contains("add-nickname").contains("phase=Copying");
            for (String secret : List.of(db.user, db.password)) {
                assertThat(everything).doesNotContain(secret)
                        .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    @Test
    void pauseStopsAllWritesToTheGhostTableWithinTwoSecondsAndUnpauseCompletes() throws Exception {
        Env env = prepare("pause");
        db.seed(env.schema, "customers", 100_000);
        try (StatusRecorder recorder = new StatusRecorder(client, env.ns, "m")) {
            SchemaMigration m = migration(env, "m", "customers", ALTER);
            m.getSpec().setThrottle(throttle(10));
            create(m);
            awaitMigration(env.ns, "m", s -> phase(s) == Phase.Copying && rowsCopied(s) > 0);

            long requested = System.nanoTime();
            patchSpec(env.ns, "m", "{\"spec\":{\"paused\":true}}");
            awaitMigration(env.ns, "m", s -> phase(s) == Phase.Paused, Duration.ofSeconds(5), Duration.ofMillis(50));
            Duration took = Duration.ofNanos(System.nanoTime() - requested);
            assertThat(took).as("spec.paused=true shows as phase Paused").isLessThan(Duration.ofSeconds(2));

            // Writes to the original go on; the ghost table must not change at all while paused.
            String ghostBefore = ghostFingerprint(env.schema);
            db.execute(env.schema,
                    "INSERT INTO customers (name, email, score) VALUES ('paused-1','p1@example.com',1),"
                            + "('paused-2','p2@example.com',2),('paused-3','p3@example.com',3)",
                    "UPDATE customers SET score = score + 1000 WHERE id <= 200",
                    "DELETE FROM customers WHERE id BETWEEN 300 AND 310");
            Thread.sleep(3000);
            assertThat(ghostFingerprint(env.schema)).as("ghost table during the pause").isEqualTo(ghostBefore);
            SchemaMigration paused = get(env.ns, "m");
            assertThat(phase(paused)).isEqualTo(Phase.Paused);
            assertThat(condition(paused, "Paused")).startsWith("True/");
            assertThat(recorder.longestGapIn(Phase.Paused)).as("status refreshed while paused")
                    .isLessThanOrEqualTo(Duration.ofMillis(2500));
            assertThat(recorder.updatesIn(Phase.Paused)).isGreaterThanOrEqualTo(2);

            // Unpause, and speed the copy up (throttle.* is live too).
            patchSpec(env.ns, "m", "{\"spec\":{\"paused\":false,\"throttle\":{\"chunkSize\":5000}}}");
            awaitMigration(env.ns, "m", s -> phase(s) == Phase.Succeeded);
            assertThat(recorder.phases()).containsSubsequence(Phase.Copying, Phase.Paused, Phase.Copying,
                    Phase.Succeeded);
            assertThat(recorder.longestGapIn(Phase.Copying)).as("status refreshed while copying")
                    .isLessThanOrEqualTo(Duration.ofMillis(2500));
            assertThat(db.count(env.schema, "customers")).isEqualTo(100_000 + 3 - 11);
            assertThat(db.fingerprint(env.schema, "customers")).isEqualTo(db.fingerprint(env.schema, "_customers_del"));
            assertThat(db.columnExists(env.schema, "customers", "nickname")).isTrue();
        }
    }

    @Test
    void manualCutOverWaitsForApproval() throws Exception {
        Env env = prepare("manual");
        db.seed(env.schema, "orders", 5_000);
        SchemaMigration m = migration(env, "m", "orders", "ADD INDEX idx_email (email)");
        CutOverSpec cutOver = new CutOverSpec();
        cutOver.setMode(CutOverMode.Manual);
        m.getSpec().setCutOver(cutOver);
        create(m);

        SchemaMigration waiting = awaitMigration(env.ns, "m", s -> phase(s) == Phase.AwaitingCutOver);
        assertThat(waiting.getStatus().getMessage()).contains("spec.cutOver.approved");
        assertThat(waiting.getStatus().getProgress().getPercent()).isEqualTo(100.0);
        db.execute(env.schema, "INSERT INTO orders (name, email) VALUES ('late','late@example.com')");
        Thread.sleep(2500);
        SchemaMigration still = get(env.ns, "m");
        assertThat(phase(still)).isEqualTo(Phase.AwaitingCutOver);
        assertThat(condition(still, "Paused")).startsWith("True/");
        assertThat(db.tableExists(env.schema, "_orders_del")).isFalse();

        patchSpec(env.ns, "m", "{\"spec\":{\"cutOver\":{\"approved\":true}}}");
        SchemaMigration done = awaitMigration(env.ns, "m", s -> phase(s) == Phase.Succeeded);
        assertThat(done.getStatus().getCutOver().getAttempts()).isGreaterThanOrEqualTo(1);
        assertThat(db.tableExists(env.schema, "_orders_del")).isTrue();
        assertThat(db.count(env.schema, "orders")).isEqualTo(5_001);
        assertThat(db.fingerprint(env.schema, "orders")).isEqualTo(db.fingerprint(env.schema, "_orders_del"));
        awaitJobFinished(env.ns, "Complete");
    }

    @Test
    void deletingTheResourceMidCopyCancelsAndCleansUp() {
        Env env = prepare("delete");
        db.seed(env.schema, "customers", 100_000);
        String before = db.fingerprint(env.schema, "customers");
        try (StatusRecorder recorder = new StatusRecorder(client, env.ns, "m")) {
            SchemaMigration m = migration(env, "m", "customers", ALTER);
            m.getSpec().setThrottle(throttle(10));
            create(m);
            awaitMigration(env.ns, "m", s -> phase(s) == Phase.Copying && rowsCopied(s) > 0);
            String jobName = get(env.ns, "m").getStatus().getJobName();
            assertThat(db.tableExists(env.schema, "_customers_gho")).isTrue();

            client.resources(SchemaMigration.class).inNamespace(env.ns).withName("m").delete();
            await().atMost(MIGRATION_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> get(env.ns, "m") == null);

            assertThat(recorder.phases()).endsWith(Phase.Cancelled);
            assertThat(recorder.updates().get(recorder.updates().size() - 1).message())
                    .contains("being deleted").contains("original untouched");
            assertThat(db.tableExists(env.schema, "_customers_gho")).isFalse();
            awaitChangelogDropped(env.schema);
            assertThat(db.tableExists(env.schema, "_customers_del")).isFalse();
            assertThat(db.columnExists(env.schema, "customers", "nickname")).isFalse();
            assertThat(db.fingerprint(env.schema, "customers")).isEqualTo(before);
            // The operator lets the resource go once Cancelled is recorded, maybe before the runner has exited.
            await().atMost(TIMEOUT).until(() -> node.pods(env.ns, jobName).get(0).exitCode >= 0);
            assertThat(node.pods(env.ns, jobName)).singleElement()
                    .satisfies(pod -> assertThat(pod.exitCode).isZero());
        }
    }

    @Test
    void aDryRunEndsValidatedWithThePlanAndChangesNothing() {
        Env env = prepare("dry");
        db.seed(env.schema, "customers", 1_000);
        SchemaMigration m = migration(env, "m", "customers", ALTER);
        m.getSpec().setDryRun(true);
        create(m);
        SchemaMigration done = awaitMigration(env.ns, "m", s -> phase(s) == Phase.Validated);
        assertThat(done.getStatus().getPlan()).isNotBlank().contains("customers");
        assertThat(done.getStatus().getCompletedAt()).isNotNull();
        await().atMost(TIMEOUT).until(() -> "True/Validated".equals(condition(get(env.ns, "m"), "Ready")));
        assertThat(db.columnExists(env.schema, "customers", "nickname")).isFalse();
        assertThat(db.tableExists(env.schema, "_customers_gho")).isFalse();
        awaitChangelogDropped(env.schema);
        awaitJobFinished(env.ns, "Complete");
    }

    @Test
    void aPodThatCrashedBeforeItsFirstCheckpointIsFollowedByOneThatStartsOverAndSucceeds() {
        Env env = prepare("crash");
        db.seed(env.schema, "customers", 5_000);
        // The first pod "crashes" (OOMKilled) after creating the ghost and changelog tables, before any checkpoint,
        // having reported progress with the runner's own identity (its status writes go through the runner RBAC).
        // Resuming from a real checkpoint after SIGTERM is RunnerProcessIT's.
        node.replaceNextAttempt(env.ns, (podEnv, runnerClient) -> {
            String changelog;
            try (var connection = db.server.connect(env.schema)) {
                MigrationPlan plan = new Inspector(connection).plan(TableNames.of(env.schema, "customers"),
                        AlterClauses.parse(ALTER), false, false);
                changelog = new SqlBuilder(plan, ServerKind.of(connection)).createChangelog();
            }
            db.execute(env.schema, "CREATE TABLE _customers_gho LIKE customers",
                    "ALTER TABLE _customers_gho " + ALTER,
                    "INSERT INTO _customers_gho (id, name, email, score) SELECT * FROM customers WHERE id <= 100",
                    changelog);
            StatusApply.apply(runnerClient, env.ns, "m", Map.of("phase", "Copying", "message", "copying",
                    "progress", Map.of("rowsCopied", 100)), StatusApply.RUNNER, true);
            return 137;
        });
        create(migration(env, "m", "customers", ALTER));
        SchemaMigration done = awaitMigration(env.ns, "m", s -> phase(s) == Phase.Succeeded);
        assertThat(done.getStatus().getProgress().getRowsCopied()).isEqualTo(5_000L);
        assertThat(db.columnExists(env.schema, "customers", "nickname")).isTrue();
        assertThat(db.fingerprint(env.schema, "customers")).isEqualTo(db.fingerprint(env.schema, "_customers_del"));
        Job job = awaitJobFinished(env.ns, "Complete");
        assertThat(job.getStatus().getFailed()).isEqualTo(1);
        assertThat(node.pods(env.ns, job.getMetadata().getName())).extracting(pod -> pod.exitCode)
                .containsExactly(137, 0);
    }

    @Test
    void aMigrationTheEngineRejectsFailsAtOnceWithoutRetries() {
        Env env = prepare("fail");
        create(migration(env, "m", "no_such_table", ALTER));
        SchemaMigration failed = awaitMigration(env.ns, "m", s -> phase(s) == Phase.Failed);
        assertThat(failed.getStatus().getMessage()).contains("no_such_table");
        assertThat(failed.getStatus().getCompletedAt()).isNotNull();
        Job job = awaitJobFinished(env.ns, "Failed");
        assertThat(job.getStatus().getConditions()).anySatisfy(c -> assertThat(c.getReason()).isEqualTo("PodFailurePolicy"));
        assertThat(node.pods(env.ns, job.getMetadata().getName())).singleElement()
                .satisfies(pod -> assertThat(pod.exitCode).isEqualTo(ExitCode.PERMANENT.code()));
        await().atMost(TIMEOUT).until(() -> condition(get(env.ns, "m"), "Stalled").startsWith("True/"));
        // The runner's message stays: the operator does not overwrite a finished phase.
        assertThat(get(env.ns, "m").getStatus().getMessage()).contains("no_such_table");
    }

    @Test
    void aDatabaseThatCannotBeReachedIsRetriedWithBackoffShownInStatusUntilItCan() {
        Env env = prepare("unreachable", MigrationDatabase.create());
        db.seed(env.schema, "customers", 5_000);
        try (TcpRelay relay = new TcpRelay(db.server.host(), db.server.port())) {
            SchemaMigration m = migration(env, "m", "customers", ALTER);
            m.getSpec().getDatabase().setPort(relay.port);
            create(m);
            SchemaMigration waiting = awaitMigration(env.ns, "m", s -> phase(s) == Phase.Pending
                    && String.valueOf(s.getStatus().getMessage()).contains("attempt 3 in 2 s"));
            assertThat(waiting.getStatus().getMessage()).contains("the database cannot be reached")
                    .contains("127.0.0.1:" + relay.port);

            relay.open();
            SchemaMigration done = awaitMigration(env.ns, "m", s -> phase(s) == Phase.Succeeded);
            assertThat(done.getStatus().getProgress().getRowsCopied()).isEqualTo(5_000L);
        }
        assertThat(db.columnExists(env.schema, "customers", "nickname")).isTrue();
        Job job = awaitJobFinished(env.ns, "Complete");
        assertThat(node.pods(env.ns, job.getMetadata().getName())).as("retried in the pod, not by new pods")
                .singleElement().satisfies(pod -> assertThat(pod.exitCode).isZero());
    }

    @Test
    void deletingAMigrationThatWaitsForItsDatabaseCancelsItAtOnce() {
        Env env = prepare("unreachable-delete", MigrationDatabase.create());
        db.seed(env.schema, "customers", 1_000);
        try (TcpRelay relay = new TcpRelay(db.server.host(), db.server.port());
             StatusRecorder recorder = new StatusRecorder(client, env.ns, "m")) {
            SchemaMigration m = migration(env, "m", "customers", ALTER);
            m.getSpec().getDatabase().setPort(relay.port);
            create(m);
            awaitMigration(env.ns, "m", s -> phase(s) == Phase.Pending
                    && String.valueOf(s.getStatus().getMessage()).contains("attempt 3"));
            String jobName = get(env.ns, "m").getStatus().getJobName();

            client.resources(SchemaMigration.class).inNamespace(env.ns).withName("m").delete();
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> get(env.ns, "m") == null);
            assertThat(recorder.phases()).endsWith(Phase.Cancelled);
            assertThat(recorder.updates().get(recorder.updates().size() - 1).message())
                    .contains("being deleted").contains("could not be reached").contains("original is untouched");
            await().atMost(TIMEOUT).until(() -> node.pods(env.ns, jobName).get(0).exitCode >= 0);
            assertThat(node.pods(env.ns, jobName)).singleElement().satisfies(pod -> assertThat(pod.exitCode).isZero());
        }
        assertThat(db.columnExists(env.schema, "customers", "nickname")).isFalse();
    }

    @Test
    void aConnectionLostMidCopyIsRetriedAndResumesFromTheCheckpoint() {
        Env env = prepare("outage", MigrationDatabase.create());
        db.seed(env.schema, "customers", 100_000);
        try (TcpRelay relay = new TcpRelay(db.server.host(), db.server.port())) {
            relay.open();
            SchemaMigration m = migration(env, "m", "customers", ALTER);
            m.getSpec().getDatabase().setPort(relay.port);
            m.getSpec().setThrottle(throttle(10));
            create(m);
            awaitMigration(env.ns, "m", s -> phase(s) == Phase.Copying && rowsCopied(s) >= 3_000);
            // Past a checkpoint (one a second while copying); the application goes on writing through the outage.
            relay.cut();
            db.execute(env.schema, "UPDATE customers SET score = score + 1 WHERE id % 100 = 0",
                    "DELETE FROM customers WHERE id % 1000 = 1",
                    "INSERT INTO customers (name, email) VALUES ('during the outage', 'outage@example.com')");
            SchemaMigration waiting = awaitMigration(env.ns, "m", s -> phase(s) == Phase.Pending);
            assertThat(waiting.getStatus().getMessage()).contains("the database cannot be reached").contains("attempt 2");
            assertThat(db.tableExists(env.schema, "_customers_gho")).as("kept for the next attempt").isTrue();

            // The log is this JVM's: count the resumes of this test only (tests of a class run one after another).
            int resumesBefore = resumes();
            relay.open();
            patchSpec(env.ns, "m", "{\"spec\":{\"throttle\":{\"chunkSize\":5000}}}");
            awaitMigration(env.ns, "m", s -> phase(s) == Phase.Succeeded);
            assertThat(resumes()).as("the attempt after the outage resumed from the checkpoint")
                    .isEqualTo(resumesBefore + 1);
            // Through the relay, which must stay open until then: the drop follows the recording of Succeeded.
            awaitChangelogDropped(env.schema);
        }
        assertThat(db.count(env.schema, "customers")).isEqualTo(100_000 - 100 + 1);
        assertThat(db.fingerprint(env.schema, "customers")).isEqualTo(db.fingerprint(env.schema, "_customers_del"));
    }

    @Test
    void aPodLostAfterTheSwapBeforeRecordingSucceededIsFollowedByOneThatRecordsIt() {
        Env env = prepare("lost-after-swap");
        db.seed(env.schema, "customers", 5_000);
        // The first pod migrates all the way through the swap, as the runner's engine does, and dies before it can
        // record the outcome: the changelog (kept until then) tells the next pod the migration is done.
        node.replaceNextAttempt(env.ns, (podEnv, runnerClient) -> {
            SchemaMigration m = runnerClient.resources(SchemaMigration.class).inNamespace(env.ns).withName("m").get();
            MigrationStatus end = new Migrator(MigrationSettings.config(m, podEnv),
                    MigrationSettings.controls(m.getSpec()), new StatusTracker("customers")).run();
            assertThat(end.phase()).isEqualTo(io.transmog.engine.Phase.Succeeded);
            assertThat(db.tableExists(env.schema, "_customers_ghc")).as("kept until Succeeded is recorded").isTrue();
            return 137;
        });
        create(migration(env, "m", "customers", ALTER));
        SchemaMigration done = awaitMigration(env.ns, "m", s -> phase(s) == Phase.Succeeded);
        assertThat(done.getStatus().getMessage()).contains("cut over by an earlier run");
        assertThat(db.columnExists(env.schema, "customers", "nickname")).isTrue();
        assertThat(db.fingerprint(env.schema, "customers")).isEqualTo(db.fingerprint(env.schema, "_customers_del"));
        awaitChangelogDropped(env.schema);
        Job job = awaitJobFinished(env.ns, "Complete");
        assertThat(node.pods(env.ns, job.getMetadata().getName())).extracting(pod -> pod.exitCode)
                .containsExactly(137, 0);
    }

    // ---- helpers ----

    /** Runs of the engine in this JVM that resumed from a checkpoint so far. */
    private static int resumes() {
        return logs.all().split("resuming from the checkpoint at", -1).length - 1;
    }

    /** The runner drops the changelog right after recording Succeeded. */
    private void awaitChangelogDropped(String schema) {
        await().atMost(TIMEOUT).until(() -> !db.tableExists(schema, "_customers_ghc"));
    }

    private record Env(String ns, String schema) {
    }

    /** A namespace set up as examples/ describe it (runner ServiceAccount and RoleBinding, credentials Secret). */
    private Env prepare(String prefix) {
        return prepare(prefix, db);
    }

    /**
     * With the credentials of {@code account} in the Secret. Tests whose database cannot be reached use an account of
     * their own: the engine's connect errors name the user, and the log of a runner in this JVM is not redacted the
     * way the runner process's is (RunnerProcessIT checks that one), so the shared account must stay out of this
     * JVM's log for the leak check of the other tests.
     */
    private Env prepare(String prefix, MigrationDatabase account) {
        String ns = newNamespace("runner-" + prefix);
        client.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder()
                .withNewMetadata().withName("transmog-runner").endMetadata().build()).create();
        client.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder()
                .withNewMetadata().withName("transmog-runner").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                .withName("transmog-runner").endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName("transmog-runner").withNamespace(ns).endSubject()
                .build()).create();
        createSecret(ns, SECRET, Map.of("username", account.user, "password", account.password));
        node.serve(ns);
        return new Env(ns, db.createSchema(prefix));
    }

    private SchemaMigration migration(Env env, String name, String table, String alter) {
        var database = new DatabaseSpec();
        database.setHost(db.server.host());
        database.setPort(db.server.port());
        database.setSchema(env.schema);
        database.setCredentialsSecretRef(new SecretReference(SECRET));
        var spec = new SchemaMigrationSpec();
        spec.setDatabase(database);
        spec.setTable(table);
        spec.setAlter(alter);
        var m = new SchemaMigration();
        m.setMetadata(new ObjectMetaBuilder().withNamespace(env.ns).withName(name).build());
        m.setSpec(spec);
        return m;
    }

    private static ThrottleSpec throttle(int chunkSize) {
        ThrottleSpec throttle = new ThrottleSpec();
        throttle.setChunkSize(chunkSize);
        return throttle;
    }

    private void patchSpec(String ns, String name, String json) {
        client.resources(SchemaMigration.class).inNamespace(ns).withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }

    private SchemaMigration awaitMigration(String ns, String name, Predicate<SchemaMigration> check) {
        return awaitMigration(ns, name, check, MIGRATION_TIMEOUT, Duration.ofMillis(200));
    }

    private SchemaMigration awaitMigration(String ns, String name, Predicate<SchemaMigration> check, Duration timeout,
            Duration poll) {
        await().atMost(timeout).pollInterval(poll).until(() -> {
            var m = get(ns, name);
            if (m != null && m.getStatus() != null && phase(m) != null && phase(m).isFinished() && !check.test(m)) {
                throw new AssertionError("finished in an unexpected state: " + Serialization.asJson(m.getStatus()));
            }
            return m != null && m.getStatus() != null && check.test(m);
        });
        return get(ns, name);
    }

    private Job awaitJobFinished(String ns, String conditionType) {
        await().atMost(MIGRATION_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> jobs(ns).stream()
                .anyMatch(j -> j.getStatus() != null && j.getStatus().getConditions() != null && j.getStatus()
                        .getConditions().stream().anyMatch(c -> conditionType.equals(c.getType())
                                && "True".equals(c.getStatus()))));
        return jobs(ns).get(0);
    }

    private String ghostFingerprint(String schema) {
        return db.fingerprint(schema, "_customers_gho");
    }

    private static Phase phase(SchemaMigration m) {
        return m.getStatus() == null ? null : m.getStatus().getPhase();
    }

    private static long rowsCopied(SchemaMigration m) {
        return m.getStatus().getProgress() == null || m.getStatus().getProgress().getRowsCopied() == null ? 0
                : m.getStatus().getProgress().getRowsCopied();
    }
}
