package io.transmog.operator.kube;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.transmog.operator.reconciler.RunnerJobs;
import io.transmog.operator.runner.Runner;
import io.transmog.operator.runner.RunnerCommand;

/**
 * Plays the node (kubelet) and the Job controller for the runner Jobs the operator creates, since the test API
 * server runs neither:
 * <ul>
 * <li>for each Job in a served namespace it creates a Pod from the Job's template (bound to a fake node), marks it
 * Running, and runs the container's command {@code transmog run <ns>/<name>} with the container's environment
 * resolved the way the kubelet does (secretKeyRef from the Secret, fieldRef from the Pod), and credentials of a token
 * of the pod's ServiceAccount (so the runner has exactly the RBAC of deploy/). A {@link PodLauncher} decides how the
 * command runs: tests run it as an in-process {@link Runner} ({@link #inProcess}) or as a real
 * {@code transmog run} process. (For a real node, kubelet and controllers included, see LocalNodeIT.)</li>
 * <li>when the runner returns, it writes the Pod's terminated status with the exit code, and the Job's status as
 * the Job controller would: Complete on 0; the pod failure policy's action (FailJob on exit code 3, Ignore on a
 * DisruptionTarget condition); otherwise a counted failure and a new pod until the backoff limit.</li>
 * </ul>
 * {@link #replaceNextAttempt} lets a test decide what one pod does instead of running the runner (a crash). SIGTERM
 * cannot be simulated in-process (the runner then leaves the engine to die with the process): RunnerProcessIT sends
 * it to a real {@code transmog run} process.
 */
final class NodeSimulator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NodeSimulator.class);
    static final String NODE = "simulated-node";

    /** What a replaced attempt does: gets the pod's environment and client, returns the exit code. */
    interface Attempt {
        int run(Map<String, String> env, KubernetesClient runnerClient) throws Exception;
    }

    /**
     * Runs the container of one runner pod, as a kubelet would, and returns its exit code.
     *
     * @param pod the Pod (created, status Running)
     * @param command the container's command ({@code transmog run <ns>/<name>})
     * @param env the container's environment, resolved (secretKeyRef, fieldRef)
     * @param podConfig where the API server is, authenticated with a token of the pod's ServiceAccount
     * @param run records what runs (an in-process runner sets {@link PodRun#runner})
     */
    interface PodLauncher {
        int run(Pod pod, List<String> command, Map<String, String> env, Config podConfig, PodRun run)
                throws Exception;
    }

    /** The command runs as a {@link Runner} in this JVM (tests: fast, and the test can reach the runner). */
    static PodLauncher inProcess(Runner.Options options) {
        return (pod, command, env, podConfig, run) -> {
            RunnerCommand.Target target = RunnerCommand.Target.parse(
                    command.subList(2, command.size()).toArray(String[]::new));
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(podConfig).build()) {
                Runner runner = new Runner(client, target.namespace(), target.name(), env, options);
                run.runner = runner;
                return runner.run();
            }
        };
    }

    private final KubernetesClient admin;
    private final Config adminConfig;
    private final PodLauncher launcher;
    private final Set<String> namespaces = ConcurrentHashMap.newKeySet();
    private final Map<String, JobRun> runs = new ConcurrentHashMap<>();
    private final Map<String, Attempt> replacements = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "node-simulator");
        t.setDaemon(true);
        return t;
    });
    private SharedIndexInformer<Job> informer;
    private volatile boolean allNamespaces;
    private volatile boolean closed;

    NodeSimulator(KubernetesClient admin, Config adminConfig, Runner.Options options) {
        this(admin, adminConfig, inProcess(options));
    }

    NodeSimulator(KubernetesClient admin, Config adminConfig, PodLauncher launcher) {
        this.admin = admin;
        this.adminConfig = adminConfig;
        this.launcher = launcher;
    }

    NodeSimulator start() {
        informer = admin.batch().v1().jobs().inAnyNamespace().withLabel(RunnerJobs.LABEL_MANAGED_BY, RunnerJobs.MANAGED_BY)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Job job) {
                        seen(job);
                    }

                    @Override
                    public void onUpdate(Job old, Job job) {
                        seen(job);
                    }

                    @Override
                    public void onDelete(Job job, boolean unknown) {
                    }
                }, 0);
        return this;
    }

    /** Runs the Jobs of this namespace (Jobs elsewhere are left alone). */
    void serve(String namespace) {
        namespaces.add(namespace);
        informer.getStore().list().forEach(this::seen);
    }

    /** Runs the Jobs of every namespace, as the one node of a cluster does. */
    void serveAllNamespaces() {
        allNamespaces = true;
        informer.getStore().list().forEach(this::seen);
    }

    /** The next pod of a Job in {@code namespace} does {@code attempt} instead of running the runner. */
    void replaceNextAttempt(String namespace, Attempt attempt) {
        replacements.put(namespace, attempt);
    }

    /** The pods started for a Job so far, oldest first. */
    List<PodRun> pods(String namespace, String jobName) {
        JobRun run = runs.get(namespace + "/" + jobName);
        return run == null ? List.of() : List.copyOf(run.pods);
    }

    private synchronized void seen(Job job) {
        String ns = job.getMetadata().getNamespace();
        if (closed || !(allNamespaces || namespaces.contains(ns)) || isFinished(job.getStatus())) {
            return;
        }
        String key = ns + "/" + job.getMetadata().getName();
        if (runs.containsKey(key)) {
            return;
        }
        JobRun run = new JobRun(job);
        runs.put(key, run);
        executor.submit(() -> run.loop());
    }

    /** One pod of a Job. */
    static final class PodRun {
        final String name;
        volatile Runner runner;
        volatile int exitCode = -1;

        PodRun(String name) {
            this.name = name;
        }
    }

    private final class JobRun {
        private final Job job;
        private final String ns;
        private final List<PodRun> pods = new CopyOnWriteArrayList<>();
        private volatile PodRun current;
        private int failed;

        JobRun(Job job) {
            this.job = job;
            this.ns = job.getMetadata().getNamespace();
        }

        void loop() {
            try {
                Instant started = Instant.now();
                while (true) {
                    PodRun pod = runPod(started);
                    String action = action(pod);
                    LOG.infof("pod %s/%s exited with %d: %s", ns, pod.name, pod.exitCode, action);
                    switch (action) {
                        case "Complete" -> {
                            writeJobStatus(finished(started, true, "CompletionsReached", "Reached expected number of succeeded pods"));
                            return;
                        }
                        case "FailJob" -> {
                            failed++;
                            writeJobStatus(finished(started, false, "PodFailurePolicy",
                                    "Container runner for pod " + ns + "/" + pod.name + " failed with exit code "
                                            + pod.exitCode + " matching FailJob rule at index 0"));
                            return;
                        }
                        case "Ignore" -> {
                            // not counted: a new pod
                        }
                        default -> {
                            failed++;
                            int limit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
                            if (failed > limit) {
                                writeJobStatus(finished(started, false, "BackoffLimitExceeded",
                                        "Job has reached the specified backoff limit"));
                                return;
                            }
                        }
                    }
                    Thread.sleep(200);
                    if (closed || admin.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName())
                            .get() == null) {
                        return;
                    }
                }
            } catch (Exception e) {
                LOG.errorf(e, "simulating Job %s/%s failed", ns, job.getMetadata().getName());
            }
        }

        private PodRun runPod(Instant jobStarted) throws Exception {
            String jobName = job.getMetadata().getName();
            String podName = jobName + "-" + randomSuffix();
            PodRun run = new PodRun(podName);
            pods.add(run);
            current = run;

            Map<String, String> labels = new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
            labels.put("job-name", jobName);
            labels.put("batch.kubernetes.io/job-name", jobName);
            Pod pod = admin.pods().inNamespace(ns).resource(new PodBuilder()
                    .withNewMetadata()
                        .withName(podName)
                        .withNamespace(ns)
                        .withLabels(labels)
                        .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations())
                        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                                .withName(jobName).withUid(job.getMetadata().getUid()).withController(true)
                                .withBlockOwnerDeletion(true).build())
                    .endMetadata()
                    .withSpec(job.getSpec().getTemplate().getSpec())
                    .editSpec().withNodeName(NODE).endSpec()
                    .build()).create();
            String now = now();
            Container container = pod.getSpec().getContainers().get(0);
            writePodStatus(pod, new PodStatusBuilder().withPhase("Running").withStartTime(now).withHostIP("10.0.0.1")
                    .withPodIP("10.1.0." + ThreadLocalRandom.current().nextInt(2, 250))
                    .withConditions(podCondition("Ready", "True", now))
                    .withContainerStatuses(new ContainerStatusBuilder().withName(container.getName())
                            .withImage(container.getImage()).withImageID("sha256:simulated").withReady(true)
                            .withStarted(true).withRestartCount(0)
                            .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(now).endRunning()
                                    .build())
                            .build())
                    .build());
            writeJobStatus(new JobStatusBuilder().withStartTime(jobStarted.truncatedTo(ChronoUnit.SECONDS).toString())
                    .withActive(1).withReady(1).withFailed(failed).withSucceeded(0).withTerminating(0)
                    .withNewUncountedTerminatedPods().endUncountedTerminatedPods().build());

            Map<String, String> env = resolveEnv(pod, container);
            List<String> command = container.getCommand();
            if (command.size() < 2 || !"transmog".equals(command.get(0)) || !"run".equals(command.get(1))) {
                throw new IllegalStateException("unexpected runner command " + command);
            }
            Attempt replacement = replacements.remove(ns);
            try {
                Config podConfig = configFor(pod);
                if (replacement != null) {
                    try (KubernetesClient podClient = new KubernetesClientBuilder().withConfig(podConfig).build()) {
                        run.exitCode = replacement.run(env, podClient);
                    }
                } else {
                    run.exitCode = launcher.run(pod, command, env, podConfig, run);
                }
            } catch (Exception e) {
                LOG.errorf(e, "pod %s/%s crashed", ns, podName);
                run.exitCode = 1;
            }

            String end = now();
            List<PodCondition> conditions = List.of(podCondition("Ready", "False", end));
            writePodStatus(pod, new PodStatusBuilder().withPhase(run.exitCode == 0 ? "Succeeded" : "Failed")
                    .withStartTime(now).withHostIP("10.0.0.1").withConditions(conditions)
                    .withContainerStatuses(new ContainerStatusBuilder().withName(container.getName())
                            .withImage(container.getImage()).withImageID("sha256:simulated").withReady(false)
                            .withStarted(false).withRestartCount(0)
                            .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(run.exitCode)
                                    .withReason(run.exitCode == 0 ? "Completed" : "Error").withStartedAt(now)
                                    .withFinishedAt(end).endTerminated().build())
                            .build())
                    .build());
            return run;
        }

        /** The Job controller's verdict on a finished pod: Complete, or the pod failure policy's action, or Count. */
        private String action(PodRun pod) {
            if (pod.exitCode == 0) {
                return "Complete";
            }
            var policy = job.getSpec().getPodFailurePolicy();
            if (policy != null) {
                for (PodFailurePolicyRule rule : policy.getRules()) {
                    PodFailurePolicyOnExitCodesRequirement codes = rule.getOnExitCodes();
                    if (codes != null && (codes.getContainerName() == null
                            || RunnerJobs.CONTAINER.equals(codes.getContainerName()))) {
                        boolean in = codes.getValues().contains(pod.exitCode);
                        if ("In".equals(codes.getOperator()) == in) {
                            return rule.getAction();
                        }
                    }
                    // onPodConditions (DisruptionTarget): no pod here is ever evicted.
                }
            }
            return "Count";
        }

        private JobStatus finished(Instant started, boolean succeeded, String reason, String message) {
            String now = now();
            List<JobCondition> conditions = succeeded
                    ? List.of(jobCondition("SuccessCriteriaMet", reason, message, now),
                            jobCondition("Complete", reason, message, now))
                    : List.of(jobCondition("FailureTarget", reason, message, now),
                            jobCondition("Failed", reason, message, now));
            return new JobStatusBuilder()
                    .withStartTime(started.truncatedTo(ChronoUnit.SECONDS).toString())
                    .withActive(0).withReady(0).withTerminating(0)
                    .withSucceeded(succeeded ? 1 : 0).withFailed(failed)
                    .withCompletionTime(succeeded ? now : null)
                    .withConditions(conditions)
                    .withNewUncountedTerminatedPods().endUncountedTerminatedPods()
                    .build();
        }

        private void writeJobStatus(JobStatus status) {
            Job fresh = admin.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get();
            if (fresh == null) {
                return;
            }
            fresh.setStatus(status);
            admin.batch().v1().jobs().inNamespace(ns).resource(fresh).updateStatus();
        }

        private void writePodStatus(Pod pod, PodStatus status) {
            Pod fresh = admin.pods().inNamespace(ns).withName(pod.getMetadata().getName()).get();
            if (fresh == null) {
                return;
            }
            fresh.setStatus(status);
            admin.pods().inNamespace(ns).resource(fresh).updateStatus();
        }

        /** As the kubelet does: literal values, secretKeyRef from the Secret, fieldRef from the Pod. */
        private Map<String, String> resolveEnv(Pod pod, Container container) {
            Map<String, String> env = new HashMap<>();
            for (EnvVar var : container.getEnv()) {
                if (var.getValue() != null) {
                    env.put(var.getName(), var.getValue());
                } else if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
                    var ref = var.getValueFrom().getSecretKeyRef();
                    Secret secret = admin.secrets().inNamespace(ns).withName(ref.getName()).get();
                    String data = secret == null || secret.getData() == null ? null : secret.getData().get(ref.getKey());
                    if (data == null) {
                        throw new IllegalStateException("CreateContainerConfigError: Secret " + ref.getName()
                                + " has no key " + ref.getKey());
                    }
                    env.put(var.getName(), new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8));
                } else if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
                    String path = var.getValueFrom().getFieldRef().getFieldPath();
                    env.put(var.getName(), switch (path) {
                        case "metadata.name" -> pod.getMetadata().getName();
                        case "metadata.namespace" -> pod.getMetadata().getNamespace();
                        case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
                        case "spec.nodeName" -> NODE;
                        default -> throw new IllegalStateException("unsupported fieldRef " + path);
                    });
                }
            }
            return env;
        }

        /** The API server, authenticated as the pod's ServiceAccount with a token bound to the pod. */
        private Config configFor(Pod pod) {
            String serviceAccount = pod.getSpec().getServiceAccountName();
            String token = admin.serviceAccounts().inNamespace(ns).withName(serviceAccount)
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L)
                            .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod")
                            .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
                            .endBoundObjectRef().endSpec().build())
                    .getStatus().getToken();
            return new ConfigBuilder(Config.empty())
                    .withMasterUrl(adminConfig.getMasterUrl())
                    .withCaCertData(adminConfig.getCaCertData())
                    .withCaCertFile(adminConfig.getCaCertFile())
                    .withOauthToken(token)
                    .withNamespace(ns)
                    .build();
        }
    }

    private static boolean isFinished(JobStatus status) {
        return status != null && status.getConditions() != null && status.getConditions().stream()
                .anyMatch(c -> "True".equals(c.getStatus())
                        && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
    }

    private static PodCondition podCondition(String type, String status, String now) {
        return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(now).build();
    }

    private static JobCondition jobCondition(String type, String reason, String message, String now) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder s = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            s.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return s.toString();
    }

    @Override
    public void close() {
        closed = true; // no new pod from here on
        if (informer != null) {
            informer.close();
        }
        executor.shutdownNow();
    }
}
