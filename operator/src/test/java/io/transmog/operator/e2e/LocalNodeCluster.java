package io.transmog.operator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.transmog.operator.TestPaths;
import io.transmog.operator.node.LocalNode;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.ServerFlavor;
import io.transmog.testdb.ServerOptions;

/**
 * The local node of scripts/local-cluster.sh ({@link LocalNode}: kubelet on containerd, the image built without
 * Docker), Transmog from {@code overlays/local} (deploy/ plus the local image and hostNetwork), and a harness
 * database server on this machine's loopback, which hostNetwork pods reach at 127.0.0.1.
 */
final class LocalNodeCluster implements ClusterProvider {
    private final LocalNode node = new LocalNode();
    private MariaDbServer server;

    @Override
    public String description() {
        return "the local node (scripts/local-cluster.sh: kubelet on containerd)";
    }

    @Override
    public void start() {
        Map<String, String> times = node.start();
        System.out.printf("local node: API server ready %s s, node Ready %s s after start; image tar %d MiB%n",
                times.get("api_ready_seconds"), times.get("node_ready_seconds"), imageMiB());
    }

    @Override
    public KubernetesClient client() {
        return node.client();
    }

    @Override
    public void install() {
        node.kubectl("apply", "--server-side", "-k", TestPaths.repoRoot().resolve("overlays/local").toString());
        awaitOperator(Duration.ofMinutes(3));
    }

    @Override
    public PodReachableDatabase startDatabase() {
        server = MariaDbServer.start(ServerFlavor.selected(), ServerOptions.defaults());
        return new PodReachableDatabase(server, "127.0.0.1", server.port(), "127.0.0.1");
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            node.stop();
        }
    }

    private static long imageMiB() {
        try {
            return Files.size(LocalNode.image()) >> 20;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
