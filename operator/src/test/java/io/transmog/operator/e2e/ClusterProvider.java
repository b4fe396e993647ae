package io.transmog.operator.e2e;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.transmog.operator.scenario.ClusterChecks;
import io.transmog.testdb.MariaDbServer;

/**
 * A real Kubernetes cluster for the end-to-end scenarios: started with the product image in its container runtime,
 * Transmog installed from {@code deploy/} through the overlay this cluster needs, and a database its pods reach.
 * {@link #select()} picks k3s (Testcontainers) where a Docker engine is configured, else the local node.
 */
interface ClusterProvider extends AutoCloseable {

    /** A database server with a ROW binlog; {@code hostForPods}:{@code portForPods} is how runner pods reach it. */
    record PodReachableDatabase(MariaDbServer server, String hostForPods, int portForPods, String clientHostPattern) {
    }

    /** What this cluster is, for the log. */
    String description();

    /** Starts the cluster and loads the product image into its container runtime. */
    void start();

    KubernetesClient client();

    /** Applies {@code deploy/} through this cluster's overlay; returns once the operator's pod is available. */
    void install();

    /** Starts a database server whose address pods of this cluster reach; {@link #close()} stops it. */
    PodReachableDatabase startDatabase();

    /** Stops the database and the cluster; leaves nothing running. */
    @Override
    void close();

    /** The provider {@link ProviderChoice#ofThisMachine()} picks, after saying which and why. */
    static ClusterProvider select() {
        ProviderChoice choice = ProviderChoice.ofThisMachine();
        ClusterProvider provider = choice.kind() == ProviderChoice.Kind.K3S ? new K3sCluster() : new LocalNodeCluster();
        System.out.println("end-to-end: running on " + provider.description() + ": " + choice.reason());
        return provider;
    }

    /** Waits for the operator's Deployment to have its pod available. */
    default void awaitOperator(Duration timeout) {
        var operator = client().apps().deployments().inNamespace(ClusterChecks.OPERATOR_NAMESPACE)
                .withName("transmog-operator");
        await("the operator Deployment to be available").atMost(timeout).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    Deployment d = operator.get();
                    return d != null && d.getStatus() != null
                            && Integer.valueOf(1).equals(d.getStatus().getAvailableReplicas());
                });
    }
}
