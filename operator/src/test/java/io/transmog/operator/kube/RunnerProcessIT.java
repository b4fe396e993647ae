package io.transmog.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.reconciler.RunnerJobs;
import io.transmog.operator.runner.ExitCode;

/**
 * {@code transmog run ns/name} as the image runs it: the image's launcher (src/main/docker/transmog) starting the
 * packaged application (target/quarkus-app) in a process of its own, authenticated as the runner ServiceAccount, its
 * credentials in TRANSMOG_USER / TRANSMOG_PASSWORD only. What only a real process can show: SIGTERM handling, exit
 * codes, the log it writes, and resuming in a new process from the checkpoint the stopped one left.
 * <p>
 * The operator does not run here: the test creates the SchemaMigration and starts the processes itself.
 */
class RunnerProcessIT {

    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static final String ALTER = MigrationDatabase.ALTER;

    private static KubeApiServerResource kube;
    private static KubernetesClient admin;
    private static MigrationDatabase db;
    private static Path home;

    @BeforeAll
    static void start() throws IOException {
        kube = new KubeApiServerResource();
        kube.start();
        admin = KubeApiServerResource.newClient();
        db = MigrationDatabase.create();
        Path app = Path.of(System.getProperty("transmog.quarkus.app", "target/quarkus-app")).toAbsolutePath();
        if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException("no packaged application at " + app + ": run `mvn verify` (package first)");
        }
        // The image's layout: /opt/transmog/operator is the Quarkus application.
        home = Files.createTempDirectory("transmog-home");
        Files.createSymbolicLink(home.resolve("operator"), app);
    }

    @AfterAll
    static void stop() throws IOException {
        if (admin != null) {
            admin.close();
        }
        if (kube != null) {
            kube.stop();
        }
        if (home != null) {
            Files.deleteIfExists(home.resolve("operator"));
            Files.deleteIfExists(home);
        }
    }

    @Test
    void sigtermStopsTheProcessAndTheNextOneResumesFromTheCheckpoint() throws Exception {
        String ns = namespace("resume");
        String schema = db.createSchema("resume");
        db.seed(schema, "customers", 100_000);
        create(ns, migration(ns, "m", schema, 10));

        RunnerProcess first = RunnerProcess.start(ns, "m", token(ns));
        awaitStatus(ns, "m", m -> m.getStatus().getPhase() == Phase.Copying && rowsCopied(m) >= 2_000, first);
        // Held mid-copy (the copy is fast), past a checkpoint (one a second while copying).
        patchSpec(ns, "{\"spec\":{\"paused\":true}}");
        awaitStatus(ns, "m", m -> m.getStatus().getPhase() == Phase.Paused, first);
        first.process.destroy(); // SIGTERM
        assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).as("exits within the grace period").isTrue();
        assertThat(first.process.exitValue()).as("a stop, not a failure: " + first.log())
                .isEqualTo(ExitCode.STOPPED.code());
        SchemaMigration stopped = get(ns, "m");
        assertThat(stopped.getStatus().getPhase()).as("not finished: the phase it stopped in").isEqualTo(Phase.Paused);
        assertThat(stopped.getStatus().getMessage()).contains("SIGTERM").contains("resumes");
        assertThat(stopped.getStatus().getCompletedAt()).isNull();
        long copiedBefore = rowsCopied(stopped);
        assertThat(db.tableExists(schema, "_customers_gho")).as("ghost kept for the next pod").isTrue();
        assertThat(db.tableExists(schema, "_customers_ghc")).as("changelog (checkpoint) kept").isTrue();
        assertThat(first.log()).contains("stopping (SIGTERM)");

        // Writes while no runner runs: the next one must pick them up from the binlog.
        db.execute(schema, "UPDATE customers SET score = score + 7 WHERE id <= 50",
                "INSERT INTO customers (name, email) VALUES ('gap','gap@example.com')");
        patchSpec(ns, "{\"spec\":{\"paused\":false,\"throttle\":{\"chunkSize\":5000}}}");

        RunnerProcess second = RunnerProcess.start(ns, "m", token(ns));
        assertThat(second.process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(second.process.exitValue()).as(second.log()).isZero();
        SchemaMigration done = get(ns, "m");
        assertThat(done.getStatus().getPhase()).as(done.getStatus().getMessage()).isEqualTo(Phase.Succeeded);
        assertThat(done.getStatus().getCompletedAt()).isNotNull();
        assertThat(second.log()).contains("resuming from the checkpoint");
        assertThat(copiedBefore).isGreaterThan(0);
        assertThat(db.columnExists(schema, "customers", "nickname")).isTrue();
        assertThat(db.count(schema, "customers")).isEqualTo(100_001);
        assertThat(db.fingerprint(schema, "customers")).isEqualTo(db.fingerprint(schema, "_customers_del"));
        assertThat(db.tableExists(schema, "_customers_gho")).isFalse();
        assertThat(db.tableExists(schema, "_customers_ghc")).isFalse();

        for (RunnerProcess p : List.of(first, second)) {
            assertNoSecret(p.log());
        }
    }

    @Test
    void deletionCancelsCleansUpAndExitsZeroEvenWhenSigtermFollows() throws Exception {
        String ns = namespace("cancel");
        String schema = db.createSchema("cancel");
        db.seed(schema, "customers", 50_000);
        String before = db.fingerprint(schema, "customers");
        SchemaMigration m = migration(ns, "m", schema, 10);
        // Stands in for the operator's finalizer: the resource stays, being deleted, until the runner is done.
        m.getMetadata().setFinalizers(List.of("transmog.io/cancel-migration"));
        create(ns, m);

        RunnerProcess runner = RunnerProcess.start(ns, "m", token(ns));
        awaitStatus(ns, "m", s -> s.getStatus().getPhase() == Phase.Copying && rowsCopied(s) > 0, runner);
        patchSpec(ns, "{\"spec\":{\"paused\":true}}"); // held mid-copy: the copy is fast
        awaitStatus(ns, "m", s -> s.getStatus().getPhase() == Phase.Paused, runner);
        admin.resources(SchemaMigration.class).inNamespace(ns).withName("m").delete();
        // Deleting the Job's pod (what Kubernetes does when the operator gives up waiting) sends SIGTERM too.
        Thread.sleep(300);
        runner.process.destroy();
        assertThat(runner.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(runner.process.exitValue()).as(runner.log()).isZero();

        SchemaMigration cancelled = get(ns, "m");
        assertThat(cancelled.getStatus().getPhase()).isEqualTo(Phase.Cancelled);
        assertThat(cancelled.getStatus().getMessage()).contains("being deleted").contains("original untouched");
        assertThat(cancelled.getStatus().getCompletedAt()).isNotNull();
        assertThat(db.tableExists(schema, "_customers_gho")).isFalse();
        assertThat(db.tableExists(schema, "_customers_ghc")).isFalse();
        assertThat(db.columnExists(schema, "customers", "nickname")).isFalse();
        assertThat(db.fingerprint(schema, "customers")).isEqualTo(before);
        assertNoSecret(runner.log());

        admin.resources(SchemaMigration.class).inNamespace(ns).withName("m")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
    }

    @Test
    void exitCodesForBadArgumentsMissingResourcesAndMissingPermissions() throws Exception {
        String ns = namespace("codes");
        String other = namespace("codes-other");
        String schema = db.createSchema("codes");
        db.seed(schema, "customers", 100);
        create(other, migration(other, "m", schema, 1000));

        RunnerProcess badArgument = RunnerProcess.start("not-a-target", token(ns));
        assertThat(badArgument.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(badArgument.process.exitValue()).as("usage error: not retried").isEqualTo(ExitCode.PERMANENT.code());
        assertThat(badArgument.log()).contains("usage: transmog run <namespace>/<name>");

        RunnerProcess missing = RunnerProcess.start(ns, "gone", token(ns));
        assertThat(missing.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(missing.process.exitValue()).as("deleted before the pod ran: nothing to do").isZero();
        assertThat(missing.log()).contains("does not exist");

        // A runner only sees its own namespace (RoleBinding, not ClusterRoleBinding).
        RunnerProcess forbidden = RunnerProcess.start(other, "m", token(ns));
        assertThat(forbidden.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(forbidden.process.exitValue()).isEqualTo(ExitCode.PERMANENT.code());
        assertThat(forbidden.log()).contains("forbidden");
        assertThat(get(other, "m").getStatus()).isNull();
    }

    @Test
    void servesPrometheusMetricsWhileItCopies() throws Exception {
        String ns = namespace("metrics");
        String schema = db.createSchema("metrics");
        db.seed(schema, "customers", 50_000);
        create(ns, migration(ns, "m", schema, 10));
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }

        RunnerProcess runner = RunnerProcess.start(ns + "/m", token(ns), Map.of(
                RunnerJobs.ENV_METRICS_PORT, String.valueOf(port), RunnerJobs.ENV_METRICS_TABLE, "customers"));
        awaitStatus(ns, "m", m -> m.getStatus().getPhase() == Phase.Copying && rowsCopied(m) > 0, runner);
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + RunnerJobs.METRICS_PATH))
                        .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        Matcher copied = Pattern.compile("(?m)^transmog_migration_rows_copied\\{([^}]*)\\} (\\S+)$")
                .matcher(scrape.body());
        assertThat(copied.find()).as(scrape.body()).isTrue();
        assertThat(copied.group(1)).contains("namespace=\"" + ns + "\"", "name=\"m\"", "table=\"customers\"");
        assertThat(Double.parseDouble(copied.group(2))).isPositive();
        assertThat(scrape.body()).contains("jvm_memory_used_bytes");
        assertNoSecret(scrape.body());

        patchSpec(ns, "{\"spec\":{\"throttle\":{\"chunkSize\":5000}}}");
        assertThat(runner.process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(runner.process.exitValue()).as(runner.log()).isZero();
        assertThat(runner.log()).contains("Prometheus metrics on port " + port);
    }

    // ---- helpers ----

    /** One {@code transmog run} process, its stdout and stderr in a file. */
    private record RunnerProcess(Process process, Path logFile) {

        static RunnerProcess start(String namespace, String name, String token) throws IOException {
            return start(namespace + "/" + name, token);
        }

        static RunnerProcess start(String target, String token) throws IOException {
            return start(target, token, Map.of());
        }

        static RunnerProcess start(String target, String token, Map<String, String> extraEnv) throws IOException {
            Path launcher = Path.of(System.getProperty("transmog.launcher", "src/main/docker/transmog"));
            Path log = Files.createTempFile("transmog-run", ".log");
            log.toFile().deleteOnExit(); // kept while the tests run (failure messages quote it)
            ProcessBuilder builder = new ProcessBuilder("sh", launcher.toAbsolutePath().toString(), "run", target)
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(k -> k.startsWith("KUBE") || k.startsWith("TRANSMOG_"));
            Config config = KubeApiServerResource.adminConfig();
            env.put("TRANSMOG_HOME", home.toString());
            env.put("JAVA_OPTS", "-Xmx192m -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1");
            env.put("TRANSMOG_USER", db.user);
            env.put("TRANSMOG_PASSWORD", db.password);
            env.put("KUBERNETES_MASTER", config.getMasterUrl());
            env.put("KUBERNETES_AUTH_TOKEN", token);
            env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
            if (config.getCaCertData() != null) {
                env.put("KUBERNETES_CERTS_CA_DATA", config.getCaCertData());
            }
            if (config.getCaCertFile() != null) {
                env.put("KUBERNETES_CERTS_CA_FILE", config.getCaCertFile());
            }
            env.putAll(extraEnv);
            return new RunnerProcess(builder.start(), log);
        }

        String log() throws IOException {
            return Files.readString(logFile);
        }
    }

    private static void assertNoSecret(String text) {
        for (String secret : List.of(db.user, db.password)) {
            assertThat(text).doesNotContain(secret)
                    .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** A namespace with the runner's ServiceAccount and RoleBinding, as examples/01-runner-rbac.yaml has them. */
    private static String namespace(String prefix) {
        String ns = "proc-" + prefix + "-" + NAMESPACES.incrementAndGet();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                .create();
        admin.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder()
                .withNewMetadata().withName("transmog-runner").endMetadata().build()).create();
        admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder()
                .withNewMetadata().withName("transmog-runner").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                .withName("transmog-runner").endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName("transmog-runner").withNamespace(ns).endSubject()
                .build()).create();
        return ns;
    }

    private static String token(String ns) {
        return admin.serviceAccounts().inNamespace(ns).withName("transmog-runner")
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                .getStatus().getToken();
    }

    private static SchemaMigration migration(String ns, String name, String schema, int chunkSize) {
        return db.migration(ns, name, schema, "db-creds", chunkSize);
    }

    private static void patchSpec(String ns, String json) {
        admin.resources(SchemaMigration.class).inNamespace(ns).withName("m")
                .patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }

    private static void create(String ns, SchemaMigration m) {
        admin.resources(SchemaMigration.class).inNamespace(ns).resource(m).create();
    }

    private static SchemaMigration get(String ns, String name) {
        return admin.resources(SchemaMigration.class).inNamespace(ns).withName(name).get();
    }

    private static void awaitStatus(String ns, String name, Predicate<SchemaMigration> check, RunnerProcess runner) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!runner.process.isAlive()) {
                throw new AssertionError("the runner exited with " + runner.process.exitValue() + ":\n" + runner.log());
            }
            SchemaMigration m = get(ns, name);
            return m != null && m.getStatus() != null && check.test(m);
        });
    }

    private static long rowsCopied(SchemaMigration m) {
        return m.getStatus().getProgress() == null || m.getStatus().getProgress().getRowsCopied() == null ? 0
                : m.getStatus().getProgress().getRowsCopied();
    }
}
