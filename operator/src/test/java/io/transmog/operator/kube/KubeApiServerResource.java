package io.transmog.operator.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.KubeAPITestException;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.transmog.operator.TestPaths;

/**
 * Starts a real kube-apiserver and etcd (io.fabric8:kube-api-test), installs the COMMITTED CRD from crds/, and
 * points the operator's Kubernetes client at it. The binaries come from ~/.kubeapitest/k8s/&lt;version&gt;-linux-amd64
 * (scripts/provision-kube-binaries.sh builds them); nothing is downloaded. When they are missing, every test
 * that needs this resource fails with kube-api-test's "Binaries cannot be found" error: never skipped.
 * <p>
 * The operator in this JVM talks to the server as the transmog-operator ServiceAccount with the RBAC of
 * deploy/; tests act as cluster admin through {@link #newClient()}.
 */
public class KubeApiServerResource implements QuarkusTestResourceLifecycleManager {

    private static KubeAPIServer server;
    private static Config config;

    @Override
    public Map<String, String> start() {
        boolean offline = !"false".equalsIgnoreCase(System.getenv("KUBE_API_TEST_OFFLINE_MODE"));
        server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(offline)
                .withUpdateKubeConfig(false)
                .build());
        try {
            server.start();
        } catch (KubeAPITestException e) {
            throw new IllegalStateException("cannot start kube-apiserver/etcd from "
                    + System.getenv().getOrDefault("KUBE_API_TEST_DIR", "~/.kubeapitest") + "/k8s/<version>-linux-amd64"
                    + " (" + e.getMessage() + "); provision them with scripts/provision-kube-binaries.sh", e);
        }
        config = Config.fromKubeconfig(server.getKubeConfigYaml());
        String token;
        try (KubernetesClient admin = newClient()) {
            installCommittedCrd(admin);
            // Everything in deploy/ (RBAC included), so that the operator under test runs with exactly the
            // permissions it has in a cluster: its client authenticates as the transmog-operator ServiceAccount.
            KubectlSupport.kubectl("apply", "--server-side", "--force-conflicts", "-k",
                    TestPaths.repoRoot().resolve("deploy").toString());
            token = admin.serviceAccounts().inNamespace("transmog-system").withName("transmog-operator")
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(4 * 3600L)
                            .endSpec().build())
                    .getStatus().getToken();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, String> properties = new HashMap<>();
        properties.put("quarkus.kubernetes-client.api-server-url", config.getMasterUrl());
        properties.put("quarkus.kubernetes-client.namespace", "default");
        properties.put("quarkus.kubernetes-client.token", token);
        put(properties, "ca-cert-data", config.getCaCertData());
        put(properties, "ca-cert-file", config.getCaCertFile());
        return properties;
    }

    private static void put(Map<String, String> properties, String key, String value) {
        if (value != null) {
            properties.put("quarkus.kubernetes-client." + key, value);
        }
    }

    static void installCommittedCrd(KubernetesClient client) {
        try (var in = Files.newInputStream(TestPaths.committedCrd())) {
            List<?> items = client.load(in).items();
            CustomResourceDefinition crd = (CustomResourceDefinition) items.get(0);
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
            client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                    // The API server writes the status (accepted names) before its conditions: both may be absent.
                    .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                            && c.getStatus().getConditions().stream().anyMatch(cond -> "Established".equals(cond.getType())
                                    && "True".equals(cond.getStatus())),
                            30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the committed CRD", e);
        }
    }

    /** The kubeconfig of the test API server (for kubectl). */
    public static String kubeConfigYaml() {
        return server.getKubeConfigYaml();
    }

    /** The cluster-admin configuration of the test API server (its URL and CA serve other identities too). */
    public static Config adminConfig() {
        return config;
    }

    /** A cluster-admin client of the test API server (the injected client is the operator's). */
    public static KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
