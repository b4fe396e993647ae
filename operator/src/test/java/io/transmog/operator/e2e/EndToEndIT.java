package io.transmog.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.transmog.operator.TestPaths;
import io.transmog.operator.model.Phase;
import io.transmog.operator.scenario.AfterCutOver;
import io.transmog.operator.scenario.Check;
import io.transmog.operator.scenario.ClusterChecks;
import io.transmog.operator.scenario.CustomersLoad;
import io.transmog.operator.scenario.DataChecks;
import io.transmog.operator.scenario.LoadReport;
import io.transmog.operator.scenario.ShopDatabase;

/**
 * The whole product on a real Kubernetes cluster ({@link ClusterProvider#select()}: k3s where a Docker engine is
 * configured, the local node otherwise), the scenario of {@code make demo} with the same load and the same checks
 * (io.transmog.operator.scenario): {@code deploy/} installed as written plus the cluster's overlay, the runner RBAC of
 * {@code examples/}, a Secret with a migration account that holds only the README's privileges, and
 * {@code shop.customers} under three writers. A SchemaMigration with a manual cut-over is paused mid-copy (the ghost
 * holds still while the writers go on) and resumed with larger chunks; in AwaitingCutOver the writers stop and the
 * ghost is compared with the original row by row; the writers restart and the cut-over is approved under load.
 * Then every check of {@link AfterCutOver}: phase and status fields, the new table, the old one kept, nothing left,
 * no writer error, every acknowledged insert present and the row count, the Job Complete, an Event per phase, the
 * account's name and password nowhere Kubernetes shows them (pod args and env, logs, status, events), and the
 * cut-over stall.
 */
class EndToEndIT {
    private static final String NS = "shop";
    private static final String NAME = "customers-add-nickname";
    private static final String SECRET = "shop-migrator";
    private static final long ROWS = 40_000;
    private static final int WRITERS = 3;
    private static final Duration WRITER_PAUSE = Duration.ofMillis(50);
    /** Small chunks, so the copy is still running when the pause lands; raised live on resume. */
    private static final int CHUNK_SIZE = 20;
    private static final int CHUNK_SIZE_AFTER_RESUME = 2000;

    private static ClusterProvider cluster;
    private static KubernetesClient client;
    private static ClusterProvider.PodReachableDatabase database;
    private static ShopDatabase shop;
    private static ShopDatabase.Account migrator;

    @BeforeAll
    static void startClusterAndInstall() throws Exception {
        cluster = ClusterProvider.select();
        cluster.start();
        client = cluster.client();
        cluster.install();

        database = cluster.startDatabase();
        shop = new ShopDatabase(database.server());
        shop.create(ROWS);
        migrator = shop.createMigrator(database.clientHostPattern());

        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .serverSideApply();
        try (InputStream rbac = Files.newInputStream(TestPaths.repoRoot().resolve("examples/01-runner-rbac.yaml"))) {
            client.load(rbac).inNamespace(NS).serverSideApply();
        }
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(SECRET).endMetadata()
                .addToStringData("username", migrator.user()).addToStringData("password", migrator.password())
                .build()).create();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void migratesATableUnderWritesPausedAndApprovedRowByRowEqualWithoutLeakingTheCredentials() throws Exception {
        ClusterChecks watch = new ClusterChecks(client, NS, NAME);
        DataChecks data = new DataChecks(shop);
        List<Check> checks = new ArrayList<>();

        LoadReport duringCopy;
        try (CustomersLoad load = CustomersLoad.start(shop.server(), 1, WRITERS, WRITER_PAUSE, ROWS)) {
            client.resource(migrationYaml()).create();
            watch.awaitPhase(Duration.ofMinutes(3), Phase.Copying);
            patch("{\"spec\":{\"paused\":true}}");
            watch.awaitPhase(Duration.ofMinutes(1), Phase.Paused);
            checks.add(watch.pausedHoldsStill(shop, 1, Duration.ofSeconds(4)));
            patch("{\"spec\":{\"paused\":false,\"throttle\":{\"chunkSize\":" + CHUNK_SIZE_AFTER_RESUME + "}}}");
            watch.awaitPhase(Duration.ofMinutes(5), Phase.AwaitingCutOver);
            duringCopy = load.stop();
        }
        checks.add(data.ghostEqualsOriginal());

        LoadReport duringCutOver;
        Instant approved;
        Instant succeeded;
        try (CustomersLoad load = CustomersLoad.start(shop.server(), 2, WRITERS, WRITER_PAUSE, ROWS)) {
            Thread.sleep(3_000);
            approved = Instant.now();
            patch("{\"spec\":{\"cutOver\":{\"approved\":true}}}");
            watch.awaitPhase(Duration.ofMinutes(3), Phase.Succeeded);
            succeeded = Instant.now();
            Thread.sleep(2_000); // writes keep landing in the new table
            duringCutOver = load.stop();
        }
        AfterCutOver after = new AfterCutOver(watch.settled(), ROWS, duringCopy, duringCutOver, approved, succeeded,
                List.of(migrator.user(), migrator.password()), List.of());
        checks.addAll(after.checks(data, watch));

        checks.forEach(c -> System.out.println("end-to-end: " + c.line()));
        after.figures().forEach(f -> System.out.println("end-to-end: " + f));
        assertThat(checks).as("every check passes").allSatisfy(c -> assertThat(c.passed()).as(c.description()).isTrue());
    }

    private static String migrationYaml() {
        return """
                apiVersion: transmog.io/v1alpha1
                kind: SchemaMigration
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  database:
                    host: "%s"
                    port: %d
                    schema: %s
                    credentialsSecretRef:
                      name: %s
                %s  table: %s
                  alter: "%s"
                  throttle:
                    chunkSize: %d
                  cutOver:
                    mode: Manual
                    approved: false
                  keepOldTable: true
                """.formatted(NAME, NS, database.hostForPods(), database.portForPods(), ShopDatabase.SCHEMA, SECRET,
                // MySQL's caching_sha2_password sends a password only over TLS (or RSA).
                shop.server().isMySql() ? "    tls:\n      mode: Required\n" : "", ShopDatabase.TABLE,
                ShopDatabase.ALTER, CHUNK_SIZE);
    }

    private static void patch(String mergePatch) {
        new ClusterChecks(client, NS, NAME).migration().patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
    }
}
