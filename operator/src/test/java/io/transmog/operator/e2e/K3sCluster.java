package io.transmog.operator.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.MariaDBContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.transmog.operator.TestPaths;
import io.transmog.operator.scenario.RandomTokens;
import io.transmog.testdb.MariaDbServer;

/**
 * k3s in Docker (Testcontainers' k3s module): the project image built from the repository's {@code Dockerfile} and
 * imported into k3s' containerd, {@code deploy/} applied with {@code kubectl apply -k} through an overlay that only
 * sets the image (as a user pins a release), and a MariaDB container on the Docker network k3s shares, which pods
 * reach at its address there. Testcontainers is 1.21.4 or later (operator/pom.xml): older releases cannot talk to
 * Docker Engine 29.
 * <p>
 * Chosen where a Docker engine is configured ({@link ProviderChoice}); if Testcontainers cannot use it,
 * {@link #start()} fails with the reason. <b>It has never run on the machine it was written on</b> (no Docker
 * engine there): expect to fix details the first time it runs somewhere with Docker.
 * <p>
 * System properties: {@code transmog.e2e.image}, the Transmog image to use: present in the local Docker engine, used
 * as it is (e.g. after {@code docker build -t transmog:e2e .}, which is faster with BuildKit's Maven cache); absent,
 * built from the Dockerfile under that name and kept; unset, built afresh for this run (several minutes: the build
 * downloads the Maven dependencies) and removed afterwards. Use a tag other than {@code latest}: the pull policy is
 * IfNotPresent and the image exists only inside k3s. {@code transmog.e2e.k3s-image} (default {@value #K3S_IMAGE}),
 * {@code transmog.e2e.mariadb-image} (default {@value #MARIADB_IMAGE}).
 */
final class K3sCluster implements ClusterProvider {
    static final String K3S_IMAGE = "rancher/k3s:v1.31.4-k3s1";
    static final String MARIADB_IMAGE = "mariadb:10.11";
    private static final String KUBECONFIG = "--kubeconfig=/etc/rancher/k3s/k3s.yaml";

    private Network network;
    private K3sContainer k3s;
    private MariaDbOverConnectorJ mariadb;
    private KubernetesClient client;
    private CompletableFuture<String> image;
    private Path imageTar;

    @Override
    public String description() {
        return "k3s in Docker (Testcontainers)";
    }

    @Override
    public void start() {
        requireUsableDocker();
        Path root = TestPaths.repoRoot();
        // The image build takes minutes: it runs while k3s starts.
        image = CompletableFuture.supplyAsync(() -> transmogImage(root));
        network = Network.newNetwork();
        k3s = new K3sContainer(DockerImageName.parse(System.getProperty("transmog.e2e.k3s-image", K3S_IMAGE)))
                .withNetwork(network);
        k3s.start();
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build();
        importIntoK3s(image.join());
    }

    /** Docker is configured here: not being able to use it is a failure, with Testcontainers' reason. */
    private static void requireUsableDocker() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return;
        }
        String reason;
        try {
            DockerClientFactory.instance().client();
            reason = "no reason given";
        } catch (RuntimeException e) {
            reason = e.getMessage();
        }
        throw new AssertionError("a Docker engine is configured but Testcontainers cannot use it, so the end-to-end"
                + " scenarios cannot run on k3s: " + reason + " (Testcontainers' report above says which engine it tried;"
                + " -D" + ProviderChoice.PROPERTY + "=local-node runs them on the local node instead)");
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    /** deploy/ (with ../crds) through an overlay that sets the image, the way a user pins a release. */
    @Override
    public void install() {
        Path root = TestPaths.repoRoot();
        for (String dir : List.of("crds", "deploy", "examples")) {
            k3s.copyFileToContainer(MountableFile.forHostPath(root.resolve(dir)), "/transmog/" + dir);
        }
        String name = image.join();
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        k3s.copyFileToContainer(Transferable.of("""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - ../deploy
                images:
                  - name: ghcr.io/transmog/transmog
                    newName: %s
                    newTag: "%s"
                """.formatted(colon > slash ? name.substring(0, colon) : name,
                colon > slash ? name.substring(colon + 1) : "latest")), "/transmog/e2e/kustomization.yaml");
        inK3s("kubectl", KUBECONFIG, "apply", "--server-side", "--force-conflicts", "-k", "/transmog/e2e");
        awaitOperator(Duration.ofMinutes(5));
    }

    /** MariaDB on k3s' Docker network: pods reach it at its address there, the test through the mapped port. */
    @Override
    public PodReachableDatabase startDatabase() {
        mariadb = new MariaDbOverConnectorJ(DockerImageName.parse(System.getProperty("transmog.e2e.mariadb-image",
                MARIADB_IMAGE)).asCompatibleSubstituteFor("mariadb"))
                .withNetwork(network)
                .withPassword(RandomTokens.of(20))
                .withCommand("--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL",
                        "--server-id=1", "--max-allowed-packet=64M", "--innodb-buffer-pool-size=128M");
        mariadb.start();
        String address = mariadb.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
                .filter(n -> network.getId().equals(n.getNetworkID()))
                .map(n -> n.getIpAddress()).findFirst()
                .orElseThrow(() -> new IllegalStateException("MariaDB is not on the k3s network"));
        MariaDbServer server = MariaDbServer.external(mariadb.getHost(), mariadb.getMappedPort(3306), "root",
                mariadb.getPassword());
        return new PodReachableDatabase(server, address, 3306, "%");
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        for (AutoCloseable c : new AutoCloseable[] { k3s, mariadb, network }) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot stop " + c, e);
                }
            }
        }
        try {
            if (imageTar != null) {
                Files.deleteIfExists(imageTar);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        String name = wanted != null && !wanted.isBlank() ? wanted : "transmog-e2e:" + RandomTokens.of(8);
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
    private void importIntoK3s(String name) {
        try {
            imageTar = Files.createTempFile("transmog-image", ".tar");
            try (InputStream in = DockerClientFactory.instance().client().saveImageCmd(name).exec()) {
                Files.copy(in, imageTar, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the image " + name, e);
        }
        k3s.copyFileToContainer(MountableFile.forHostPath(imageTar), "/tmp/transmog-image.tar");
        inK3s("k3s", "ctr", "images", "import", "/tmp/transmog-image.tar");
        inK3s("rm", "/tmp/transmog-image.tar");
    }

    private String inK3s(String... command) {
        try {
            ExecResult r = k3s.execInContainer(command);
            if (r.getExitCode() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + r.getExitCode() + ":\n"
                        + r.getStdout() + r.getStderr());
            }
            return r.getStdout();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

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
}
