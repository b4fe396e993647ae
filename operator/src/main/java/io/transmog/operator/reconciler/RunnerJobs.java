package io.transmog.operator.reconciler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.transmog.operator.model.HooksSpec;
import io.transmog.operator.model.TlsSpec;
import io.transmog.operator.model.RunnerSpec;
import io.transmog.operator.model.SchemaMigration;

/**
 * Builds the one runner Job of a migration. Pure: the same resource and settings always give the same Job.
 *
 * <p>
 * The pod runs {@code transmog run <namespace>/<name>}; the runner reads everything else from the resource
 * itself. Database credentials reach it only as environment variables taken from the Secret
 * ({@code TRANSMOG_USER}, {@code TRANSMOG_PASSWORD}); they are never in the arguments, the Job, the resource or
 * events. Exit code {@value #EXIT_PERMANENT_FAILURE} tells Kubernetes not to retry (the runner has recorded a
 * final phase); any other non-zero exit is retried up to the backoff limit, and the runner resumes. The pod serves
 * Prometheus metrics on port {@value #METRICS_PORT} (RunnerMetrics) and says so in the usual
 * {@code prometheus.io/*} annotations. With {@code spec.hooks}, the ConfigMap it names is mounted at
 * {@value #HOOKS_MOUNT_PATH}, where the runner looks for gh-ost hook files.
 */
public final class RunnerJobs {

    public static final String CONTAINER = "runner";
    public static final String ENV_USER = "TRANSMOG_USER";
    public static final String ENV_PASSWORD = "TRANSMOG_PASSWORD";
    public static final String SECRET_KEY_USER = "username";
    public static final String SECRET_KEY_PASSWORD = "password";
    public static final int EXIT_PERMANENT_FAILURE = 3;

    public static final String LABEL_NAME = "app.kubernetes.io/name";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String LABEL_MIGRATION_UID = "transmog.io/migration-uid";
    public static final String MANAGED_BY = "transmog-operator";
    /** The Job informer only watches Jobs carrying this label. */
    public static final String SELECTOR = LABEL_MANAGED_BY + "=" + MANAGED_BY;
    public static final String ANNOTATION_MIGRATION = "transmog.io/migration";
    /** The runner's Prometheus endpoint (RunnerMetrics), announced by the pod's prometheus.io annotations. */
    public static final int METRICS_PORT = 9090;
    public static final String METRICS_PATH = "/metrics";
    public static final String ENV_METRICS_PORT = "TRANSMOG_METRICS_PORT";
    /** The {@code table} tag of the runner's metrics: the runner itself only learns it once it read its resource. */
    public static final String ENV_METRICS_TABLE = "TRANSMOG_METRICS_TABLE";

    /**
     * Where the keys of {@code spec.hooks.configMapRef} appear as files, read-only and executable by any user
     * ({@value #HOOKS_FILE_MODE} in octal: the pod runs as a non-root user that owns nothing), and the runner's
     * hooks path.
     */
    public static final String HOOKS_MOUNT_PATH = "/etc/transmog/hooks";
    public static final String HOOKS_VOLUME = "hooks";
    /** spec.database.tls.caSecretRef's key {@code ca.crt} appears here, read-only. */
    public static final String TLS_CA_MOUNT_PATH = "/etc/transmog/tls/ca";
    /** spec.database.tls.clientCertSecretRef's keys {@code tls.crt} and {@code tls.key} appear here, read-only. */
    public static final String TLS_CLIENT_MOUNT_PATH = "/etc/transmog/tls/client";
    public static final String TLS_CA_KEY = "ca.crt";
    public static final String TLS_CERT_KEY = "tls.crt";
    public static final String TLS_KEY_KEY = "tls.key";
    private static final int TLS_FILE_MODE = 0444;
    static final int HOOKS_FILE_MODE = 0555;

    private static final int MAX_NAME = 63;

    private RunnerJobs() {
    }

    /**
     * A DNS-1123 label (it also names the pods' job-name label), unique per resource instance: a migration
     * deleted and created again under the same name gets a new Job.
     */
    public static String jobName(SchemaMigration migration) {
        String name = migration.getMetadata().getName();
        String uid = migration.getMetadata().getUid();
        String suffix = shortHash(uid != null ? uid : migration.getMetadata().getNamespace() + "/" + name);
        String base = "smig-" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        int max = MAX_NAME - suffix.length() - 1;
        if (base.length() > max) {
            base = base.substring(0, max);
        }
        base = base.replaceAll("-+$", "");
        return base + "-" + suffix;
    }

    /**
     * @param defaultImage the image unless spec.runner.image overrides it (the operator's own image)
     */
    public static Job desired(SchemaMigration migration, OperatorConfig config, String defaultImage) {
        String namespace = migration.getMetadata().getNamespace();
        String name = migration.getMetadata().getName();
        RunnerSpec runner = migration.getSpec().getRunner();
        String image = runner != null && notBlank(runner.getImage()) ? runner.getImage() : defaultImage;
        String serviceAccount = runner != null && notBlank(runner.getServiceAccountName())
                ? runner.getServiceAccountName()
                : config.runnerServiceAccount();
        String secret = migration.getSpec().getDatabase().getCredentialsSecretRef().getName();
        Optional<String> hooksConfigMap = hooksConfigMap(migration);
        Placement placement = placement(migration, config);

        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_NAME, "transmog");
        labels.put(LABEL_COMPONENT, "runner");
        labels.put(LABEL_MANAGED_BY, MANAGED_BY);
        if (migration.getMetadata().getUid() != null) {
            labels.put(LABEL_MIGRATION_UID, migration.getMetadata().getUid());
        }

        return new JobBuilder()
                .withNewMetadata()
                    .withName(jobName(migration))
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .addToAnnotations(ANNOTATION_MIGRATION, namespace + "/" + name)
                .endMetadata()
                .withNewSpec()
                    .withBackoffLimit(config.jobBackoffLimit())
                    .withNewPodFailurePolicy()
                        .addNewRule()
                            .withAction("FailJob")
                            .withNewOnExitCodes()
                                .withContainerName(CONTAINER)
                                .withOperator("In")
                                .withValues(EXIT_PERMANENT_FAILURE)
                            .endOnExitCodes()
                        .endRule()
                        .addNewRule()
                            .withAction("Ignore")
                            .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition()
                        .endRule()
                    .endPodFailurePolicy()
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(labels)
                            .addToAnnotations(ANNOTATION_MIGRATION, namespace + "/" + name)
                            .addToAnnotations("prometheus.io/scrape", "true")
                            .addToAnnotations("prometheus.io/port", String.valueOf(METRICS_PORT))
                            .addToAnnotations("prometheus.io/path", METRICS_PATH)
                        .endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            // Only where the operator is told so (a cluster without a pod network): see OperatorConfig.
                            .withHostNetwork(config.runnerHostNetwork() ? Boolean.TRUE : null)
                            .withServiceAccountName(serviceAccount)
                            .withNodeSelector(placement.nodeSelector().isEmpty() ? null : placement.nodeSelector())
                            .withTolerations(placement.tolerations().isEmpty() ? null : placement.tolerations())
                            .withNewSecurityContext()
                                .withRunAsNonRoot(true)
                                .withSeccompProfile(new SeccompProfile(null, "RuntimeDefault"))
                            .endSecurityContext()
                            .addNewContainer()
                                .withName(CONTAINER)
                                .withImage(image)
                                .withImagePullPolicy(config.runnerImagePullPolicy())
                                .withCommand("transmog", "run", namespace + "/" + name)
                                .withEnv(env(secret, migration.getSpec().getTable()))
                                .addNewPort()
                                    .withName("metrics")
                                    .withContainerPort(METRICS_PORT)
                                    .withProtocol("TCP")
                                .endPort()
                                .withResources(new ResourceRequirementsBuilder()
                                        .withRequests(placement.requests().isEmpty() ? null : placement.requests())
                                        .withLimits(placement.limits().isEmpty() ? null : placement.limits()).build())
                                .withNewSecurityContext()
                                    .withRunAsNonRoot(true)
                                    .withReadOnlyRootFilesystem(true)
                                    .withAllowPrivilegeEscalation(false)
                                    .withCapabilities(new Capabilities(null, List.of("ALL")))
                                    .withSeccompProfile(new SeccompProfile(null, "RuntimeDefault"))
                                .endSecurityContext()
                                .withVolumeMounts(volumeMounts(hooksConfigMap.isPresent(), tlsSecrets(migration)))
                            .endContainer()
                            .withVolumes(volumes(hooksConfigMap, tlsSecrets(migration)))
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /** The migration a runner pod (or Job) belongs to, from its {@value #ANNOTATION_MIGRATION} annotation. */
    public static Set<ResourceID> migrationOf(HasMetadata runnerObject) {
        Map<String, String> annotations = runnerObject.getMetadata().getAnnotations();
        String migration = annotations == null ? null : annotations.get(ANNOTATION_MIGRATION);
        int slash = migration == null ? -1 : migration.indexOf('/');
        if (slash <= 0) {
            return Set.of();
        }
        return Set.of(new ResourceID(migration.substring(slash + 1), migration.substring(0, slash)));
    }

    /** The ConfigMap of the resource's hooks, if it has any. */
    public static Optional<String> hooksConfigMap(SchemaMigration migration) {
        HooksSpec hooks = migration.getSpec().getHooks();
        if (hooks == null || hooks.getConfigMapRef() == null || !notBlank(hooks.getConfigMapRef().getName())) {
            return Optional.empty();
        }
        return Optional.of(hooks.getConfigMapRef().getName());
    }

    /** A Secret of spec.database.tls: the volume it is mounted as, where, the field naming it and the keys it needs. */
    public record TlsSecret(String volume, String secret, String mountPath, String field, List<String> keys) {
    }

    public static List<TlsSecret> tlsSecrets(SchemaMigration migration) {
        TlsSpec tls = migration.getSpec().getDatabase().getTls();
        List<TlsSecret> secrets = new ArrayList<>();
        if (tls != null && tls.getCaSecretRef() != null && notBlank(tls.getCaSecretRef().getName())) {
            secrets.add(new TlsSecret("tls-ca", tls.getCaSecretRef().getName(), TLS_CA_MOUNT_PATH,
                    "spec.database.tls.caSecretRef", List.of(TLS_CA_KEY)));
        }
        if (tls != null && tls.getClientCertSecretRef() != null && notBlank(tls.getClientCertSecretRef().getName())) {
            secrets.add(new TlsSecret("tls-client", tls.getClientCertSecretRef().getName(), TLS_CLIENT_MOUNT_PATH,
                    "spec.database.tls.clientCertSecretRef", List.of(TLS_CERT_KEY, TLS_KEY_KEY)));
        }
        return secrets;
    }

    private static List<VolumeMount> volumeMounts(boolean hooks, List<TlsSecret> tlsSecrets) {
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
        if (hooks) {
            mounts.add(new VolumeMountBuilder().withName(HOOKS_VOLUME).withMountPath(HOOKS_MOUNT_PATH).withReadOnly(true)
                    .build());
        }
        for (TlsSecret tls : tlsSecrets) {
            mounts.add(new VolumeMountBuilder().withName(tls.volume()).withMountPath(tls.mountPath()).withReadOnly(true).build());
        }
        return mounts;
    }

    private static List<Volume> volumes(Optional<String> hooksConfigMap, List<TlsSecret> tlsSecrets) {
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
        hooksConfigMap.ifPresent(name -> volumes.add(new VolumeBuilder().withName(HOOKS_VOLUME)
                .withNewConfigMap().withName(name).withDefaultMode(HOOKS_FILE_MODE).withOptional(false).endConfigMap()
                .build()));
        // Certificates and keys reach the pod only as files of a Secret volume, never in args or env.
        for (TlsSecret tls : tlsSecrets) {
            volumes.add(new VolumeBuilder().withName(tls.volume())
                    .withNewSecret().withSecretName(tls.secret()).withDefaultMode(TLS_FILE_MODE).withOptional(false).endSecret()
                    .build());
        }
        return volumes;
    }

    private static List<EnvVar> env(String secret, String table) {
        return List.of(
                secretEnv(ENV_USER, secret, SECRET_KEY_USER),
                secretEnv(ENV_PASSWORD, secret, SECRET_KEY_PASSWORD),
                fieldEnv("TRANSMOG_POD_NAME", "metadata.name"),
                fieldEnv("TRANSMOG_POD_NAMESPACE", "metadata.namespace"),
                new EnvVar(ENV_METRICS_PORT, String.valueOf(METRICS_PORT), null),
                new EnvVar(ENV_METRICS_TABLE, table, null));
    }

    private static EnvVar secretEnv(String env, String secret, String key) {
        return new EnvVarBuilder().withName(env)
                .withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key).withOptional(false)
                .endSecretKeyRef().endValueFrom()
                .build();
    }

    private static EnvVar fieldEnv(String env, String path) {
        return new EnvVarBuilder().withName(env)
                .withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef().endValueFrom()
                .build();
    }

    /**
     * What decides whether, and where, the runner pod can be scheduled: node selector, tolerations and the runner
     * container's requests and limits. A Job's pod template cannot be changed, so when the spec changes these while
     * the Job's pod waits unschedulable, the operator replaces the Job (see StatusMapper); comparing placements tells
     * it the spec changed them. Empty collections stand for unset ones, as the API server returns them.
     */
    public record Placement(Map<String, String> nodeSelector, List<Toleration> tolerations,
            Map<String, Quantity> requests, Map<String, Quantity> limits) {

        public Placement {
            nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
            tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
            requests = requests == null ? Map.of() : Map.copyOf(requests);
            limits = limits == null ? Map.of() : Map.copyOf(limits);
        }

        /** The placement a Job's pod template asks for. */
        public static Placement of(Job job) {
            PodSpec pod = job.getSpec().getTemplate().getSpec();
            ResourceRequirements resources = pod.getContainers().stream().filter(c -> CONTAINER.equals(c.getName()))
                    .map(Container::getResources).filter(java.util.Objects::nonNull).findFirst()
                    .orElseGet(ResourceRequirements::new);
            return new Placement(pod.getNodeSelector(), pod.getTolerations(), resources.getRequests(),
                    resources.getLimits());
        }
    }

    /**
     * The placement of the migration's runner pod: spec.runner's, with the operator's requests and limits unless
     * spec.runner.resources sets them.
     */
    public static Placement placement(SchemaMigration migration, OperatorConfig config) {
        RunnerSpec runner = migration.getSpec().getRunner();
        if (runner == null) {
            runner = new RunnerSpec();
        }
        ResourceRequirements resources = runner.getResources();
        if (resources == null) {
            resources = new ResourceRequirementsBuilder()
                    .addToRequests("cpu", new Quantity(config.runnerCpuRequest()))
                    .addToRequests("memory", new Quantity(config.runnerMemoryRequest()))
                    .addToLimits("memory", new Quantity(config.runnerMemoryLimit()))
                    .build();
        }
        return new Placement(runner.getNodeSelector(), runner.getTolerations(), resources.getRequests(),
                resources.getLimits());
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static String shortHash(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
