package io.transmog.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.MariaDBContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.TestPaths;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;

/**
 * The whole product on a real single-node Kubernetes: k3s in Docker (Testcontainers' k3s module), the project image
 * built from the repository's {@code Dockerfile} and imported into k3s' containerd, {@code deploy/} applied with
 * {@code kubectl apply -k} through an overlay that only sets the image (as a user pins a release), the runner RBAC of
 * {@code examples/01-runner-rbac.yaml}, a credentials Secret, and a MariaDB container with a ROW binlog that the
 * runner pod reaches over the Docker network. A SchemaMigration (manual cut-over) adds a column to a seeded table
 * while a writer thread inserts, updates and deletes rows; the writer stops once the copy has caught up, the
 * cut-over is approved, and the suite checks: phase Succeeded, the new column, no write lost (row count), the kept
 * {@code _customers_del} equal to the new table on the untouched columns (count + checksum), ghost and changelog
 * gone, the Job complete, and neither credential (plain or base64) in the Job, the Pods, the Events, the resource
 * (status included) or the operator's and runner's logs.
 * <p>
 * <b>Where no Docker engine is reachable it is skipped</b>, with a JUnit assumption (reported as skipped) and one
 * loud line on stderr. The Docker probe is Testcontainers' own, which is quick when there is no socket. Testcontainers
 * is 1.21.4 or later (operator/pom.xml): older releases cannot talk to Docker Engine 29 and would skip there too.
 * <p>
 * <b>It has never been run on the machine it was written on</b> (no Docker engine there): it was only compiled and
 * seen to skip. Expect to fix details the first time it runs somewhere with Docker.
 * <p>
 * Run it (see also operator/README.md): {@code mvn -B -pl operator -am verify -Dtest=NoSuchTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=K3sEndToEndIT}. System properties:
 * <ul>
 * <li>{@code transmog.e2e.image}: the Transmog image to use. Present in the local Docker engine: used as it is (e.g.
 * after {@code docker build -t transmog:e2e .}, which is faster with BuildKit's Maven cache); absent: built from the
 * Dockerfile under that name and kept. Unset: built afresh for this run (several minutes: the build downloads the
 * Maven dependencies from Maven Central) and removed afterwards. Use a tag other than {@code latest}: the operator's
 * and the runners' pull policy is IfNotPresent, and the image exists only inside k3s.</li>
 * <li>{@code transmog.e2e.k3s-image} (default {@value #K3S_IMAGE}), {@code transmog.e2e.mariadb-image} (default
 * {@value #MARIADB_IMAGE}).</li>
 * </ul>
 */
class K3sEndToEndIT {

    static final String SKIP_REASON = "no Docker engine on this machine; the k3s end-to-end suite needs one "
            + "(the kube-apiserver suites ran instead)";
    static final String K3S_IMAGE = "rancher/k3s:v1.31.4-k3s1";
    static final String MARIADB_IMAGE = "mariadb:10.11";

    private static final String NS = "shop";
    private static final String NAME = "customers-add-nickname";
    private static final int SEED_ROWS = 30_000;
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final String KUBECONFIG = "--kubeconfig=/etc/rancher/k3s/k3s.yaml";

    private static Network network;
    private static K3sContainer k3s;
    private static MariaDbOverConnectorJ mariadb;
    private static KubernetesClient client;
    private static Path imageTar;
    private static String dbUser;
    private static String dbPassword;

    private static boolean docker;
    private static String skipReason = SKIP_REASON;

    @BeforeAll
    static void start() throws Exception {
        docker = dockerAvailable();
        if (!docker) {
            System.err.println("*** SKIPPED K3sEndToEndIT: " + skipReason + " ***");
            return; // the assumption below reports each test as skipped (an aborted @BeforeAll would show 0 tests)
        }

        Path root = TestPaths.repoRoot();
        // The image build takes minutes: it runs while k3s and MariaDB start.
        CompletableFuture<String> image = CompletableFuture.supplyAsync(() -> transmogImage(root));
        network = Network.newNetwork();
        k3s = new K3sContainer(DockerImageName.parse(System.getProperty("transmog.e2e.k3s-image", K3S_IMAGE)))
                .withNetwork(network);
        mariadb = new MariaDbOverConnectorJ(DockerImageName.parse(System.getProperty("transmog.e2e.mariadb-image",
                MARIADB_IMAGE)).asCompatibleSubstituteFor("mariadb"))
                .withNetwork(network)
                .withPassword(token(20))
                .withCommand("--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL",
                        "--server-id=1", "--max-allowed-packet=64M", "--innodb-buffer-pool-size=128M");
        Startables.deepStart(k3s, mariadb).join();
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build();

        importIntoK3s(image.join());
        installTransmog(root, image.join());
        prepareDatabase();
        prepareNamespace();
    }

    @BeforeEach
    void requireDocker() {
        Assumptions.assumeTrue(docker, skipReason);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        for (AutoCloseable c : new AutoCloseable[] { k3s, mariadb, network }) {
            if (c != null) {
                c.close();
            }
        }
        if (imageTar != null) {
            Files.deleteIfExists(imageTar);
        }
    }

    @Test
    void migratesATableUnderWritesOnRealKubernetesAndLeaksNoSecret() throws Exception {
        Writer writer = new Writer();
        Thread writerThread = new Thread(writer, "e2e-writer");
        writerThread.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.operations.get() >= 50);
            client.resource(migrationYaml(mariadbAddress())).create();

            awaitPhase(Phase.AwaitingCutOver); // the copy has caught up; the cut-over waits for approval
            Thread.sleep(3000); // the ghost table is kept in sync with the writes while waiting for approval
        } finally {
            writer.stop = true;
            writerThread.join(30_000);
        }
        assertThat(writer.error).as("writer").isNull();
        assertThat(writer.operations.get()).isGreaterThan(100);

        migration().patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"cutOver\":{\"approved\":true}}}");
        SchemaMigration done = awaitPhase(Phase.Succeeded);
        assertThat(done.getStatus().getCompletedAt()).isNotNull();
        awaitCluster("the runner Job to complete", () -> {
            Job job = client.batch().v1().jobs().inNamespace(NS).withName(done.getStatus().getJobName()).get();
            return job != null && job.getStatus() != null && Integer.valueOf(1).equals(job.getStatus().getSucceeded());
        });

        // The database: the new column, no write lost, the kept original equal on the untouched columns.
        assertThat(queryLong("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' "
                + "AND TABLE_NAME = 'customers' AND COLUMN_NAME = 'nickname'")).isEqualTo(1);
        assertThat(queryLong("SELECT COUNT(*) FROM shop.customers"))
                .isEqualTo(SEED_ROWS + writer.inserted.get() - writer.deleted.get());
        assertThat(fingerprint("customers")).isEqualTo(fingerprint("_customers_del"));
        assertThat(queryLong("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' "
                + "AND TABLE_NAME IN ('_customers_gho', '_customers_ghc')")).isZero();

        // No credential anywhere Kubernetes shows it.
        StringBuilder everything = new StringBuilder()
                .append(Serialization.asJson(client.batch().v1().jobs().inNamespace(NS).list()))
                .append(Serialization.asJson(client.pods().inAnyNamespace().list()))
                .append(Serialization.asJson(client.v1().events().inAnyNamespace().list()))
                .append(Serialization.asJson(migration().get()));
        String logs = logs("transmog-system", "operator") + logs(NS, "runner");
        assertThat(logs(NS, "runner")).as("the runner's log").isNotBlank();
        everything.append(logs);
        for (String secret : List.of(dbUser, dbPassword)) {
            assertThat(everything.toString()).doesNotContain(secret)
                    .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        }
    }

    // ---- set-up ----

    /**
     * Testcontainers' own probe, quick when there is no socket. With no sign of an engine at all (no DOCKER_HOST, no
     * /var/run/docker.sock) its multi-line ERROR report ("execution cannot continue") is muted: it would read as a
     * failure next to a skipped suite. With one, the report stays: it says why that engine cannot be used.
     */
    private static boolean dockerAvailable() {
        if (System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))) {
            skipReason = "a Docker engine is configured (DOCKER_HOST or /var/run/docker.sock) but Testcontainers "
                    + "cannot use it (see its report above); the k3s end-to-end suite needs one";
            return DockerClientFactory.instance().isDockerAvailable();
        }
        java.util.logging.Logger discovery = org.jboss.logmanager.Logger.getLogger("org.testcontainers.dockerclient");
        Level level = discovery.getLevel();
        discovery.setLevel(Level.OFF);
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } finally {
            discovery.setLevel(level);
        }
    }

    /** transmog.e2e.image if the Docker engine has it, else the image built from the repository's Dockerfile. */
    private static String transmogImage(Path root) {
        String wanted = System.getProperty("transmog.e2e.image");
        if (wanted != null && !wanted.isBlank()) {
            try {
                DockerClientFactory.instance().client().inspectImageCmd(wanted).exec();
                return wanted;
            } catch (com.github.dockerjava.api.exception.NotFoundException absent) {
                // built below, and kept for the next run
            }
        }
        String name = wanted != null && !wanted.isBlank() ? wanted : "transmog-e2e:" + token(8);
        try {
            // Testcontainers talks to the engine's classic builder, which has no BuildKit `RUN --mount` cache:
            // the Dockerfile is sent without those flags. The context is what the Dockerfile copies, nothing else.
            String dockerfile = Files.readString(root.resolve("Dockerfile"));
            ImageFromDockerfile build = new ImageFromDockerfile(name, wanted == null || wanted.isBlank())
                    .withFileFromString("Dockerfile", dockerfile.replaceAll("--mount=\\S+\\s+", ""));
            Matcher copy = Pattern.compile("(?m)^COPY\\s+(.+)$").matcher(dockerfile);
            while (copy.find()) {
                List<String> args = List.of(copy.group(1).trim().split("\\s+"));
                if (args.stream().noneMatch(a -> a.startsWith("--from"))) { // not from an earlier stage
                    args.subList(0, args.size() - 1).stream().filter(a -> !a.startsWith("--"))
                            .forEach(source -> build.withFileFromPath(source, root.resolve(source)));
                }
            }
            return build.get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the Transmog image from " + root.resolve("Dockerfile"), e);
        }
    }

    /** docker save, copied into the k3s container, imported into its containerd (k3s' air-gap way). */
    private static void importIntoK3s(String image) throws Exception {
        imageTar = Files.createTempFile("transmog-image", ".tar");
        try (InputStream in = DockerClientFactory.instance().client().saveImageCmd(image).exec()) {
            Files.copy(in, imageTar, StandardCopyOption.REPLACE_EXISTING);
        }
        k3s.copyFileToContainer(MountableFile.forHostPath(imageTar), "/tmp/transmog-image.tar");
        inK3s("k3s", "ctr", "images", "import", "/tmp/transmog-image.tar");
        inK3s("rm", "/tmp/transmog-image.tar");
    }

    /** deploy/ (with ../crds) through an overlay that sets the image, the way a user pins a release. */
    private static void installTransmog(Path root, String image) throws Exception {
        for (String dir : List.of("crds", "deploy", "examples")) {
            k3s.copyFileToContainer(MountableFile.forHostPath(root.resolve(dir)), "/transmog/" + dir);
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        String newName = colon > slash ? image.substring(0, colon) : image;
        String newTag = colon > slash ? image.substring(colon + 1) : "latest";
        k3s.copyFileToContainer(Transferable.of("""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - ../deploy
                images:
                  - name: ghcr.io/transmog/transmog
                    newName: %s
                    newTag: "%s"
                """.formatted(newName, newTag)), "/transmog/e2e/kustomization.yaml");
        inK3s("kubectl", KUBECONFIG, "apply", "--server-side", "--force-conflicts", "-k", "/transmog/e2e");
        var operator = client.apps().deployments().inNamespace("transmog-system").withName("transmog-operator");
        awaitCluster("the operator Deployment to be available", () -> {
            Deployment d = operator.get();
            return d != null && d.getStatus() != null && Integer.valueOf(1).equals(d.getStatus().getAvailableReplicas());
        });
        assertThat(operator.get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .endsWith(newName + ":" + newTag);
    }

    /** A schema, a seeded table, and a migration user whose name and password are found nowhere else. */
    private static void prepareDatabase() throws SQLException {
        dbUser = "smig_" + token(10);
        dbPassword = "Pw-" + token(18) + "-x9";
        try (Connection c = rootConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE shop");
            s.execute("CREATE USER '" + dbUser + "'@'%' IDENTIFIED BY '" + dbPassword + "'");
            s.execute("GRANT ALL PRIVILEGES ON *.* TO '" + dbUser + "'@'%'");
            s.execute("CREATE TABLE shop.customers (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                    + "name VARCHAR(64) NOT NULL, email VARCHAR(128) NOT NULL, score INT NOT NULL DEFAULT 0)");
            for (int start = 1; start <= SEED_ROWS; start += 1000) {
                StringBuilder sql = new StringBuilder("INSERT INTO shop.customers (name, email, score) VALUES ");
                for (int i = start; i < start + 1000 && i <= SEED_ROWS; i++) {
                    sql.append(i == start ? "" : ",").append("('name-").append(i).append("','user").append(i)
                            .append("@example.com',").append(i % 997).append(')');
                }
                s.executeUpdate(sql.toString());
            }
        }
    }

    /** Namespace shop: the runner's ServiceAccount and RoleBinding from examples/, and the credentials Secret. */
    private static void prepareNamespace() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        inK3s("kubectl", KUBECONFIG, "apply", "-f", "/transmog/examples/01-runner-rbac.yaml");
        client.secrets().inNamespace(NS).resource(new SecretBuilder()
                .withNewMetadata().withName("shop-migrator").endMetadata()
                .withStringData(Map.of("username", dbUser, "password", dbPassword))
                .build()).create();
    }

    private static String migrationYaml(String host) {
        return """
                apiVersion: transmog.io/v1alpha1
                kind: SchemaMigration
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  database:
                    host: "%s"
                    port: 3306
                    schema: shop
                    credentialsSecretRef:
                      name: shop-migrator
                  table: customers
                  alter: "ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''"
                  throttle:
                    chunkSize: 200
                  cutOver:
                    mode: Manual
                    approved: false
                  keepOldTable: true
                """.formatted(NAME, NS, host);
    }

    /** MariaDB's address on the Docker network it shares with k3s; pods reach it through the node. */
    private static String mariadbAddress() {
        return mariadb.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
                .filter(n -> network.getId().equals(n.getNetworkID()))
                .map(n -> n.getIpAddress()).findFirst()
                .orElseThrow(() -> new IllegalStateException("MariaDB is not on the k3s network"));
    }

    // ---- the writer ----

    /** Inserts, updates and deletes rows of shop.customers until stopped; counts what it changed. */
    private static final class Writer implements Runnable {
        final AtomicLong operations = new AtomicLong();
        final AtomicLong inserted = new AtomicLong();
        final AtomicLong deleted = new AtomicLong();
        volatile boolean stop;
        volatile Throwable error;

        @Override
        public void run() {
            Random random = new Random(7);
            try (Connection c = rootConnection();
                    PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO shop.customers (name, email, score) VALUES (?, ?, ?)");
                    PreparedStatement update = c.prepareStatement(
                            "UPDATE shop.customers SET score = score + 1, name = CONCAT('w-', id) WHERE id = ?");
                    PreparedStatement delete = c.prepareStatement("DELETE FROM shop.customers WHERE id = ?")) {
                while (!stop) {
                    int op = random.nextInt(10);
                    long id = 1 + random.nextInt(SEED_ROWS);
                    if (op < 4) {
                        insert.setString(1, "writer-" + operations.get());
                        insert.setString(2, "w" + operations.get() + "@example.com");
                        insert.setInt(3, random.nextInt(1000));
                        inserted.addAndGet(insert.executeUpdate());
                    } else if (op < 8) {
                        update.setLong(1, id);
                        update.executeUpdate();
                    } else {
                        delete.setLong(1, id);
                        deleted.addAndGet(delete.executeUpdate());
                    }
                    operations.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (Throwable e) {
                error = e;
            }
        }
    }

    // ---- helpers ----

    /**
     * Testcontainers' MariaDB module, reached with MySQL Connector/J (the project's only JDBC driver) instead of
     * MariaDB's, which the module would load to wait for the server and which is not on the class path.
     */
    static final class MariaDbOverConnectorJ extends MariaDBContainer<MariaDbOverConnectorJ> {
        MariaDbOverConnectorJ(DockerImageName image) {
            super(image);
        }

        @Override
        public String getDriverClassName() {
            return "com.mysql.cj.jdbc.Driver";
        }

        /** No default schema: root seeds its own; no TLS, as the engine's connections. */
        @Override
        public String getJdbcUrl() {
            return "jdbc:mysql://" + getHost() + ":" + getMappedPort(3306) + "/?sslMode=DISABLED";
        }
    }

    private static Connection rootConnection() throws SQLException {
        return DriverManager.getConnection(mariadb.getJdbcUrl(), "root", mariadb.getPassword());
    }

    private static long queryLong(String sql) throws SQLException {
        try (Connection c = rootConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Row count and a checksum of the columns both versions of the table have. */
    private static String fingerprint(String table) throws SQLException {
        try (Connection c = rootConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('#', id, name, email, "
                        + "score))), 0) FROM shop.`" + table + "`")) {
            rs.next();
            return rs.getLong(1) + "/" + rs.getLong(2);
        }
    }

    private static Resource<SchemaMigration> migration() {
        return client.resources(SchemaMigration.class).inNamespace(NS).withName(NAME);
    }

    /** The logs of the Transmog pods of one component (operator or runner) in a namespace. */
    private static String logs(String namespace, String component) {
        StringBuilder logs = new StringBuilder();
        for (Pod pod : client.pods().inNamespace(namespace).withLabel("app.kubernetes.io/component", component)
                .list().getItems()) {
            logs.append(client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).getLog());
        }
        return logs.toString();
    }

    /** Waits until the migration is in {@code wanted} or has finished otherwise, and checks it is {@code wanted}. */
    private static SchemaMigration awaitPhase(Phase wanted) {
        Set<Phase> finished = EnumSet.of(Phase.Succeeded, Phase.Failed, Phase.Cancelled, Phase.Validated);
        awaitCluster("phase " + wanted, () -> {
            SchemaMigration m = migration().get();
            Phase phase = m == null || m.getStatus() == null ? null : m.getStatus().getPhase();
            return phase == wanted || finished.contains(phase);
        });
        SchemaMigration m = migration().get();
        assertThat(m.getStatus().getPhase()).as(() -> m.getStatus().getMessage() + "\n" + diagnostics())
                .isEqualTo(wanted);
        return m;
    }

    /** Waits; on a timeout, fails with what the cluster shows (pods, events, operator and runner logs). */
    private static void awaitCluster(String what, Callable<Boolean> condition) {
        try {
            await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "\n" + diagnostics(), e);
        }
    }

    private static String diagnostics() {
        List<String> out = new ArrayList<>();
        for (String[] cmd : List.of(
                new String[] { "kubectl", KUBECONFIG, "get", "deploy,jobs,pods,smig", "-A", "-o", "wide" },
                new String[] { "kubectl", KUBECONFIG, "get", "events", "-A", "--sort-by=.lastTimestamp" },
                new String[] { "kubectl", KUBECONFIG, "-n", NS, "get", "smig", NAME, "-o", "yaml" },
                new String[] { "kubectl", KUBECONFIG, "-n", "transmog-system", "logs", "deploy/transmog-operator",
                        "--tail=200" },
                new String[] { "kubectl", KUBECONFIG, "-n", NS, "logs", "-l", "app.kubernetes.io/component=runner",
                        "--tail=200" })) {
            try {
                ExecResult r = k3s.execInContainer(cmd);
                out.add("$ " + String.join(" ", cmd) + "\n" + r.getStdout() + r.getStderr());
            } catch (Exception e) {
                out.add("$ " + String.join(" ", cmd) + "\n" + e);
            }
        }
        return String.join("\n", out);
    }

    private static String inK3s(String... command) throws Exception {
        ExecResult r = k3s.execInContainer(command);
        if (r.getExitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + r.getExitCode() + ":\n"
                    + r.getStdout() + r.getStderr());
        }
        return r.getStdout();
    }

    private static String token(int length) {
        String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }
}
