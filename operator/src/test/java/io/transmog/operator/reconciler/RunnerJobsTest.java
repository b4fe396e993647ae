package io.transmog.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.model.ConfigMapReference;
import io.transmog.operator.model.HooksSpec;
import io.transmog.operator.model.TlsSecretReference;
import io.transmog.operator.model.TlsSpec;
import io.transmog.operator.model.RunnerSpec;

class RunnerJobsTest {

    static final String IMAGE = "registry.example/transmog:1.2.3";

    static final OperatorConfig CONFIG = new OperatorConfig() {
        public java.util.Optional<String> runnerImage() {
            return java.util.Optional.empty();
        }

        public String fallbackRunnerImage() {
            return "ghcr.io/transmog/transmog:latest";
        }

        public String runnerImagePullPolicy() {
            return "IfNotPresent";
        }

        public String runnerServiceAccount() {
            return "transmog-runner";
        }

        public String runnerCpuRequest() {
            return "100m";
        }

        public String runnerMemoryRequest() {
            return "256Mi";
        }

        public String runnerMemoryLimit() {
            return "512Mi";
        }

        public boolean runnerHostNetwork() {
            return false;
        }

        public int jobBackoffLimit() {
            return 6;
        }

        public Duration recheckInterval() {
            return Duration.ofSeconds(10);
        }

        public Duration cancelTimeout() {
            return Duration.ofMinutes(10);
        }
    };

    @Test
    void runsTransmogRunWithCredentialsOnlyFromTheSecret() {
        var m = Fixtures.migration("shop", "add-nickname", "mysql", "shop", "customers");
        Job job = RunnerJobs.desired(m, CONFIG, IMAGE);

        var pod = job.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("registry.example/transmog:1.2.3");
        assertThat(container.getCommand()).containsExactly("transmog", "run", "shop/add-nickname");
        assertThat(container.getArgs()).isNullOrEmpty();
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("TRANSMOG_USER")).singleElement()
                .satisfies(e -> {
                    assertThat(e.getValue()).isNull();
                    assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("creds");
                    assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("username");
                });
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("TRANSMOG_PASSWORD")).singleElement()
                .satisfies(e -> {
                    assertThat(e.getValue()).isNull();
                    assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
                });
        assertThat(container.getEnv()).filteredOn(e -> e.getValue() != null).as("plain values: metrics settings only")
                .extracting(EnvVar::getName)
                .containsExactlyInAnyOrder(RunnerJobs.ENV_METRICS_PORT, RunnerJobs.ENV_METRICS_TABLE);
        assertThat(container.getEnvFrom()).isNullOrEmpty();
    }

    @Test
    void runnerPodsUseTheHostNetworkOnlyWhenTheOperatorIsToldSo() {
        var m = Fixtures.migration("shop", "m", "mysql", "shop", "customers");
        assertThat(RunnerJobs.desired(m, CONFIG, IMAGE).getSpec().getTemplate().getSpec().getHostNetwork())
                .as("default: the pod network").isNull();

        OperatorConfig hostNetwork = (OperatorConfig) java.lang.reflect.Proxy.newProxyInstance(
                OperatorConfig.class.getClassLoader(), new Class<?>[] { OperatorConfig.class },
                (proxy, method, args) -> method.getName().equals("runnerHostNetwork") ? Boolean.TRUE
                        : method.invoke(CONFIG, args));
        assertThat(RunnerJobs.desired(m, hostNetwork, IMAGE).getSpec().getTemplate().getSpec().getHostNetwork())
                .isTrue();
    }

    @Test
    void thePodServesPrometheusMetricsAndSaysWhere() {
        Job job = RunnerJobs.desired(Fixtures.migration("shop", "m", "mysql", "shop", "customers"), CONFIG, IMAGE);

        var template = job.getSpec().getTemplate();
        var container = template.getSpec().getContainers().get(0);
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("TRANSMOG_METRICS_PORT")).singleElement()
                .satisfies(e -> assertThat(e.getValue()).isEqualTo("9090"));
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("TRANSMOG_METRICS_TABLE")).singleElement()
                .satisfies(e -> assertThat(e.getValue()).isEqualTo("customers"));
        assertThat(container.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("metrics");
            assertThat(port.getContainerPort()).isEqualTo(9090);
            assertThat(port.getProtocol()).isEqualTo("TCP");
        });
        assertThat(template.getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", "9090")
                .containsEntry("prometheus.io/path", "/metrics");
        assertThat(job.getMetadata().getAnnotations()).as("the pods are scraped, not the Job")
                .doesNotContainKey("prometheus.io/scrape");
    }

    @Test
    void isARestrictedNeverRestartingJob() {
        Job job = RunnerJobs.desired(Fixtures.migration("shop", "m", "mysql", "shop", "t"), CONFIG, IMAGE);
        assertThat(job.getSpec().getBackoffLimit()).isEqualTo(6);
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getServiceAccountName()).isEqualTo("transmog-runner");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        var sc = pod.getContainers().get(0).getSecurityContext();
        assertThat(sc.getRunAsNonRoot()).isTrue();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getContainers().get(0).getVolumeMounts()).singleElement()
                .satisfies(v -> assertThat(v.getMountPath()).isEqualTo("/tmp"));
        assertThat(pod.getVolumes()).singleElement().satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
        assertThat(job.getSpec().getPodFailurePolicy().getRules()).hasSize(2);
        assertThat(job.getMetadata().getLabels()).containsEntry(RunnerJobs.LABEL_MANAGED_BY, RunnerJobs.MANAGED_BY);
    }

    @Test
    void theHooksConfigMapIsMountedReadOnlyAndExecutableWithinTheRestrictedProfile() {
        var m = Fixtures.migration("shop", "m", "mysql", "shop", "t");
        var hooks = new HooksSpec();
        hooks.setConfigMapRef(new ConfigMapReference("shop-hooks"));
        m.getSpec().setHooks(hooks);

        var pod = RunnerJobs.desired(m, CONFIG, IMAGE).getSpec().getTemplate().getSpec();

        var container = pod.getContainers().get(0);
        assertThat(container.getVolumeMounts()).extracting(VolumeMount::getMountPath)
                .containsExactly("/tmp", RunnerJobs.HOOKS_MOUNT_PATH);
        assertThat(container.getVolumeMounts()).filteredOn(v -> v.getName().equals(RunnerJobs.HOOKS_VOLUME)).singleElement()
                .satisfies(v -> assertThat(v.getReadOnly()).isTrue());
        assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals(RunnerJobs.HOOKS_VOLUME)).singleElement()
                .satisfies(v -> {
                    assertThat(v.getConfigMap().getName()).isEqualTo("shop-hooks");
                    assertThat(v.getConfigMap().getDefaultMode()).isEqualTo(0555);
                    assertThat(v.getConfigMap().getItems()).as("every key becomes a file").isNullOrEmpty();
                });
        // A ConfigMap volume is among the volume types the restricted Pod Security Standard allows; nothing else
        // about the pod changes.
        assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getConfigMap() != null || v.getEmptyDir() != null).isTrue());
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(RunnerJobs.hooksConfigMap(m)).contains("shop-hooks");
    }

    @Test
    void tlsSecretsAreMountedReadOnlyAsFilesAndNeverInlined() {
        var m = Fixtures.migration("shop", "m", "mysql", "shop", "t");
        var tls = new TlsSpec();
        tls.setCaSecretRef(new TlsSecretReference("shop-ca"));
        tls.setClientCertSecretRef(new TlsSecretReference("shop-client"));
        m.getSpec().getDatabase().setTls(tls);

        var job = RunnerJobs.desired(m, CONFIG, IMAGE);
        var pod = job.getSpec().getTemplate().getSpec();

        var container = pod.getContainers().get(0);
        assertThat(container.getVolumeMounts()).extracting(VolumeMount::getMountPath)
                .containsExactly("/tmp", RunnerJobs.TLS_CA_MOUNT_PATH, RunnerJobs.TLS_CLIENT_MOUNT_PATH);
        assertThat(container.getVolumeMounts()).filteredOn(v -> v.getName().startsWith("tls-"))
                .allSatisfy(v -> assertThat(v.getReadOnly()).isTrue());
        assertThat(pod.getVolumes()).filteredOn(v -> v.getSecret() != null)
                .extracting(v -> v.getSecret().getSecretName() + ":" + v.getSecret().getDefaultMode())
                .containsExactly("shop-ca:292", "shop-client:292");
        assertThat(container.getArgs()).noneMatch(arg -> arg.contains("shop-ca") || arg.contains("shop-client"));
        assertThat(container.getEnv()).noneMatch(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null
                && !e.getValueFrom().getSecretKeyRef().getName().equals(m.getSpec().getDatabase().getCredentialsSecretRef().getName()));
    }

    @Test
    void withoutHooksNothingIsMounted() {
        var m = Fixtures.migration("shop", "m", "mysql", "shop", "t");
        var pod = RunnerJobs.desired(m, CONFIG, IMAGE).getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactly("tmp");
        assertThat(RunnerJobs.hooksConfigMap(m)).isEmpty();
    }

    @Test
    void runnerSettingsOverrideTheDefaults() {
        var m = Fixtures.migration("shop", "m", "mysql", "shop", "t");
        var runner = new RunnerSpec();
        runner.setImage("other/image:9");
        runner.setServiceAccountName("custom-sa");
        runner.setNodeSelector(Map.of("pool", "db-tools"));
        runner.setTolerations(List.of(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build()));
        runner.setResources(new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("2Gi")).build());
        m.getSpec().setRunner(runner);
        var pod = RunnerJobs.desired(m, CONFIG, IMAGE).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getImage()).isEqualTo("other/image:9");
        assertThat(pod.getServiceAccountName()).isEqualTo("custom-sa");
        assertThat(pod.getNodeSelector()).containsEntry("pool", "db-tools");
        assertThat(pod.getTolerations()).hasSize(1);
        assertThat(pod.getContainers().get(0).getResources().getLimits()).containsEntry("memory", new Quantity("2Gi"));
    }

    @Test
    void jobNamesAreValidUniqueAndStable() {
        var m = Fixtures.migration("shop", "A.very.long.name-" + "x".repeat(80), "mysql", "shop", "t");
        String name = RunnerJobs.jobName(m);
        assertThat(name).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
        assertThat(RunnerJobs.jobName(m)).isEqualTo(name);
        var recreated = Fixtures.migration("shop", m.getMetadata().getName(), "mysql", "shop", "t");
        recreated.getMetadata().setUid("another-uid");
        assertThat(RunnerJobs.jobName(recreated)).isNotEqualTo(name);
        assertThat(RunnerJobs.jobName(Fixtures.migration("shop", "add-nickname", "mysql", "shop", "t")))
                .startsWith("smig-add-nickname-");
    }

    @Test
    void theJobCarriesNoSecretMaterial() {
        String json = Serialization.asJson(RunnerJobs.desired(Fixtures.migration("shop", "m", "mysql", "shop", "t"),
                CONFIG, IMAGE));
        assertThat(json.split("\"value\"", -1)).as("no plain value besides the metrics port and table").hasSize(3);
        assertThat(json).contains("\"value\":\"9090\"", "\"value\":\"t\"");
    }
}
