package io.transmog.operator.reconciler;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the operator, from application.properties or TRANSMOG_OPERATOR_* environment variables. */
@ConfigMapping(prefix = "transmog.operator")
public interface OperatorConfig {

    /**
     * Image of runner pods unless spec.runner.image overrides it. Normally left unset: the operator then uses
     * its own image (one image, two commands), read from its own Pod, so operator and runner versions cannot
     * drift. See {@link RunnerImage}.
     */
    Optional<String> runnerImage();

    /** Image used when neither runner-image is set nor the operator's own image can be found. */
    @WithDefault("ghcr.io/transmog/transmog:latest")
    String fallbackRunnerImage();

    @WithDefault("IfNotPresent")
    String runnerImagePullPolicy();

    /** ServiceAccount of runner pods unless spec.runner.serviceAccountName overrides it. */
    @WithDefault("transmog-runner")
    String runnerServiceAccount();

    @WithDefault("100m")
    String runnerCpuRequest();

    /**
     * Memory request of runner pods unless spec.runner.resources sets their resources: the runner's peak memory use
     * over a 1M-row migration on a real node (132 MiB by its cgroup, LocalNodeIT; README "The runner pod") with
     * some room.
     */
    @WithDefault("160Mi")
    String runnerMemoryRequest();

    /**
     * Memory limit of runner pods unless spec.runner.resources sets their resources. The runner's JVM takes half
     * of it as its heap limit (the image's runner-jvm-options), so a larger limit also gives it a larger heap.
     */
    @WithDefault("256Mi")
    String runnerMemoryLimit();

    /**
     * Runner pods share the node's network namespace ({@code hostNetwork: true}). Off by default: a runner needs no
     * host network in a normal cluster. On for a cluster without a pod network, such as the loopback-only local node
     * of scripts/local-cluster.sh (overlays/local sets it), where a pod reaches the database and the API server
     * only through the host's loopback.
     */
    @WithDefault("false")
    boolean runnerHostNetwork();

    /** Retries of a runner pod that exits with an error other than the permanent-failure code. */
    @WithDefault("6")
    int jobBackoffLimit();

    /** How often a waiting migration (missing Secret, busy table) is looked at again. */
    @WithDefault("10s")
    Duration recheckInterval();

    /**
     * How long a deleted, still running migration may take to cancel itself before the operator deletes its Job
     * (whose pod then gets SIGTERM) and lets the resource go.
     */
    @WithDefault("10m")
    Duration cancelTimeout();
}
