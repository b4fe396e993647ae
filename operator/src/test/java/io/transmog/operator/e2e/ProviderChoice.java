package io.transmog.operator.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which cluster the end-to-end scenarios run on, and why. A Docker engine that is <em>configured</em> (DOCKER_HOST,
 * a Docker socket, or a ~/.testcontainers.properties) means k3s, and k3s then has to work: a configured engine that
 * cannot be used fails the suite with the reason instead of quietly running elsewhere. With none configured the
 * scenarios run on the local node. {@value #PROPERTY} (system property) or {@value #ENVIRONMENT} forces one:
 * {@code k3s} or {@code local-node}.
 */
record ProviderChoice(Kind kind, String reason) {

    static final String PROPERTY = "transmog.e2e.cluster";
    static final String ENVIRONMENT = "TRANSMOG_E2E_CLUSTER";
    static final Path DOCKER_SOCKET = Path.of("/var/run/docker.sock");

    enum Kind {
        K3S("k3s"), LOCAL_NODE("local-node");

        final String id;

        Kind(String id) {
            this.id = id;
        }
    }

    /** The choice for this JVM: its system properties, environment and files. */
    static ProviderChoice ofThisMachine() {
        String forced = System.getProperty(PROPERTY);
        if (forced == null || forced.isBlank()) {
            forced = System.getenv(ENVIRONMENT);
        }
        return decide(forced, System.getenv("DOCKER_HOST"), Files.exists(DOCKER_SOCKET),
                Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties")));
    }

    static ProviderChoice decide(String forced, String dockerHost, boolean dockerSocket, boolean testcontainersProperties) {
        if (forced != null && !forced.isBlank()) {
            for (Kind kind : Kind.values()) {
                if (kind.id.equals(forced.strip().toLowerCase(Locale.ROOT))) {
                    return new ProviderChoice(kind, "forced by " + PROPERTY + " / " + ENVIRONMENT + "=" + forced.strip());
                }
            }
            throw new IllegalArgumentException(PROPERTY + " / " + ENVIRONMENT + " must be k3s or local-node, not '"
                    + forced + "'");
        }
        if (dockerHost != null && !dockerHost.isBlank()) {
            return new ProviderChoice(Kind.K3S, "a Docker engine is configured: DOCKER_HOST=" + dockerHost);
        }
        if (dockerSocket) {
            return new ProviderChoice(Kind.K3S, "a Docker engine is configured: " + DOCKER_SOCKET + " exists");
        }
        if (testcontainersProperties) {
            return new ProviderChoice(Kind.K3S, "a Docker engine is configured: ~/.testcontainers.properties exists");
        }
        return new ProviderChoice(Kind.LOCAL_NODE, "no Docker engine is configured (DOCKER_HOST unset, no "
                + DOCKER_SOCKET + ", no ~/.testcontainers.properties)");
    }
}
