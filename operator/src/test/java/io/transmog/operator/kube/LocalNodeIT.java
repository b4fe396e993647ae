package io.transmog.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.transmog.operator.TestPaths;
import io.transmog.operator.model.CutOverMode;
import io.transmog.operator.model.CutOverSpec;
import io.transmog.operator.model.RunnerSpec;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.reconciler.StatusMapper;
import io.transmog.operator.node.LocalNode;

/**
 * On a REAL node (scripts/local-cluster.sh: kubelet on containerd, controller-manager, scheduler): {@code deploy/}
 * applied through overlays/local, the operator running as a pod of its Deployment from the image built without
 * Docker, and runner Jobs becoming pods that the real Job controller, scheduler and kubelet run. Nothing is simulated:
 * a node that cannot start fails this suite with the reason.
 */
class LocalNodeIT {

    private static final String NS = "shop";
    private static final String SECRET = "shop-migrator";
    private static final String ALTER = MigrationDatabase.ALTER;

    private static LocalNode node;
    private static KubernetesClient client;
    private static MigrationDatabase db;

    @BeforeAll
    static void startNodeAndInstall() throws Exception {
        node = new LocalNode();
        long imageBytes = Files.size(LocalNode.image());
        Map<String, String> times = node.start();
        client = node.client();

        long applied = System.nanoTime();
        node.kubectl("apply", "--server-side", "-k", TestPaths.repoRoot().resolve("overlays/local").toString());
        var operator = client.apps().deployments().inNamespace("transmog-system").withName("transmog-operator");
        await("the operator Deployment to be available").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> {
                    Deployment d = operator.get();
                    return d != null && d.getStatus() != null && Integer.valueOf(1).equals(d.getStatus().getAvailableReplicas());
                });
        System.out.printf("local node: API server ready %s s, node Ready %s s after start; operator pod available "
                + "%.1f s after kubectl apply; image tar %d MiB%n", times.get("api_ready_seconds"),
                times.get("node_ready_seconds"), (System.nanoTime() - applied) / 1e9, imageBytes >> 20);

        db = MigrationDatabase.create();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .serverSideApply();
        node.kubectl("apply", "-f", TestPaths.repoRoot().resolve("examples/01-runner-rbac.yaml").toString());
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(SECRET).endMetadata()
                .addToStringData("username", db.user).addToStringData("password", db.password).build()).create();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.stop();
        }
    }

    @Test
    void theOperatorRunsAsAPodOfItsDeploymentWithTheRestrictedSecurityContext() {
        Pod pod = operatorPod();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo(LocalNode.IMAGE);
        assertThat(pod.getSpec().getHostNetwork()).isTrue();
        assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("transmog-operator");
        assertThat(pod.getSpec().getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(pod.getStatus().getContainerStatuses().get(0).getReady()).isTrue();
        assertThat(pod.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
    }

    @Test
    void hostNetworkIsTheOnlyThingTheRestrictedPodSecurityLevelObjectsTo() {
        // A server-side dry run of the level deploy/ sets: the API server lists what each running pod violates.
        String out = node.kubectl("label", "--dry-run=server", "--overwrite", "namespace", "transmog-system",
                "pod-security.kubernetes.io/enforce=restricted");
        String podName = operatorPod().getMetadata().getName();
        String line = out.lines().filter(l -> l.contains(podName + ":")).findFirst()
                .orElseThrow(() -> new AssertionError("no PodSecurity verdict for " + podName + " in:\n" + out));
        Set<String> violations = Arrays.stream(line.substring(line.indexOf(podName + ":") + podName.length() + 1)
                .split(",")).map(String::strip).collect(Collectors.toSet());
        assertThat(violations).containsExactlyInAnyOrder("host namespaces", "hostPort");
    }

    @Test
    void aMigrationRunsAsARealJobPodAndChangesTheTable() throws Exception {
        String schema = db.createSchema("node");
        db.seed(schema, "customers", 20_000);
        String before = db.fingerprint(schema, "customers");

        create(migration("add-nickname", schema, 500));
        var resource = client.resources(SchemaMigration.class).inNamespace(NS).withName("add-nickname");
        // What a pipeline waits with: started while the migration runs, it returns once Ready is True (kstatus).
        CompletableFuture<String> kubectlWait = CompletableFuture.supplyAsync(() -> node.kubectl("-n", NS, "wait",
                "--for=condition=Ready", "smig/add-nickname", "--timeout=180s"));
        awaitOrExplain("add-nickname", "the migration to finish", Duration.ofMinutes(3),
                () -> Set.of("Succeeded", "Failed").contains(phase(resource.get())));
        assertThat(phase(resource.get())).as(resource.get().getStatus().getMessage()).isEqualTo("Succeeded");
        assertThat(kubectlWait.get(60, TimeUnit.SECONDS).strip())
                .isEqualTo("schemamigration.transmog.io/add-nickname condition met");

        assertThat(db.columnExists(schema, "customers", "nickname")).isTrue();
        assertThat(db.fingerprint(schema, "customers")).isEqualTo(before);
        assertThat(db.tableExists(schema, "_customers_del")).isTrue();

        String jobName = resource.get().getStatus().getJobName();
        await("the Job controller to mark the Job complete").atMost(Duration.ofSeconds(60))
                .until(() -> client.batch().v1().jobs().inNamespace(NS).withName(jobName).get(),
                        j -> j.getStatus() != null && Integer.valueOf(1).equals(j.getStatus().getSucceeded()));
        List<Pod> pods = client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems();
        assertThat(pods).singleElement().satisfies(p -> {
            assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
            assertThat(p.getSpec().getNodeName()).as("scheduled onto the node").isEqualTo("127.0.0.1");
            assertThat(p.getSpec().getHostNetwork()).isTrue();
            assertThat(p.getSpec().getContainers().get(0).getImage()).as("the operator's own image").isEqualTo(LocalNode.IMAGE);
        });
        String logs = node.kubectl("-n", NS, "logs", "job/" + jobName);
        assertThat(logs).contains("Succeeded").doesNotContain(db.password);
    }

    @Test
    void deletingARunningMigrationCascadesToItsJobAndPodsAndCleansUpTheDatabase() {
        String schema = db.createSchema("cascade");
        db.seed(schema, "customers", 20_000);
        String before = db.fingerprint(schema, "customers");

        // Small chunks, so the copy is still running when the pause arrives (a migration paused before it starts
        // gets no Job at all).
        create(migration("cancel-me", schema, 10));
        var resource = client.resources(SchemaMigration.class).inNamespace(NS).withName("cancel-me");
        awaitOrExplain("cancel-me", "the copy to start", Duration.ofMinutes(2),
                () -> "Copying".equals(phase(resource.get())));
        setPaused(resource, true);
        awaitOrExplain("cancel-me", "the runner pod to hold the migration paused", Duration.ofMinutes(2),
                () -> "Paused".equals(phase(resource.get())) && db.tableExists(schema, "_customers_gho"));
        String jobName = resource.get().getStatus().getJobName();
        assertThat(client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems())
                .singleElement().satisfies(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Running"));

        resource.delete();

        await("the resource, its Job and the Job's pods to be gone").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500)).until(() -> resource.get() == null
                        && client.batch().v1().jobs().inNamespace(NS).withName(jobName).get() == null
                        && client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems().isEmpty());
        assertThat(db.tableExists(schema, "_customers_gho")).as("ghost table dropped").isFalse();
        assertThat(db.tableExists(schema, "_customers_ghc")).as("changelog table dropped").isFalse();
        assertThat(db.columnExists(schema, "customers", "nickname")).isFalse();
        assertThat(db.fingerprint(schema, "customers")).isEqualTo(before);
    }

    /** Awaits the condition; on a time-out, fails with the resource's status, the pods and the runner's log. */
    private static void awaitOrExplain(String migration, String what, Duration timeout,
            java.util.concurrent.Callable<Boolean> condition) {
        try {
            await(what).atMost(timeout).pollInterval(Duration.ofMillis(500)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String explanation;
            try {
                explanation = node.kubectl("-n", NS, "get", "smig," + "jobs,pods", "-o", "wide") + "\n"
                        + node.kubectl("-n", NS, "get", "smig", migration, "-o", "jsonpath={.status}") + "\n"
                        + node.kubectl("-n", NS, "logs", "-l", "app.kubernetes.io/component=runner", "--tail=40",
                                "--prefix");
            } catch (AssertionError kubectl) {
                explanation = kubectl.getMessage();
            }
            throw new AssertionError(what + ": not within " + timeout + "\n" + explanation, e);
        }
    }

    @Test
    void aRunnerPodKilledTwiceMidCopyIsReplacedByTheJobControllerAndEachReplacementResumes() throws Exception {
        String schema = db.createSchema("killed");
        db.seed(schema, "customers", 60_000);
        String before = db.fingerprint(schema, "customers");

        // Small chunks, and paused mid-copy: the kills land while rows are still to be copied, whatever the
        // machine's speed. A paused runner keeps its pod (and its checkpoints) and a replacement pauses again.
        create(migration("killed", schema, 10));
        var resource = client.resources(SchemaMigration.class).inNamespace(NS).withName("killed");
        awaitOrExplain("killed", "the copy to start", Duration.ofMinutes(2), () -> "Copying".equals(phase(resource.get())));
        setPaused(resource, true);
        awaitOrExplain("killed", "the copy to pause", Duration.ofMinutes(1), () -> "Paused".equals(phase(resource.get())));
        assertThat(resource.get().getStatus().getProgress().getRowsCopied()).as("paused mid-copy").isLessThan(60_000L);
        String jobName = resource.get().getStatus().getJobName();

        Set<String> killed = new java.util.HashSet<>();
        for (int kill = 1; kill <= 2; kill++) {
            boolean replacement = kill > 1;
            // A running pod that holds the migration paused: the first, or a replacement that has resumed.
            awaitOrExplain("killed", "a runner pod holding the paused copy", Duration.ofMinutes(2), () -> {
                Pod pod = runningPod(jobName, killed);
                return pod != null && "Paused".equals(phase(resource.get())) && (!replacement
                        || node.kubectl("-n", NS, "logs", pod.getMetadata().getName()).contains("resuming from the checkpoint"));
            });
            Thread.sleep(1_500); // the engine writes a checkpoint every second
            Pod pod = runningPod(jobName, killed);
            killed.add(pod.getMetadata().getName());
            node.killContainer(pod.getStatus().getContainerStatuses().get(0).getContainerID());
        }
        awaitOrExplain("killed", "the Job controller's third pod to resume", Duration.ofMinutes(2), () -> {
            Pod pod = runningPod(jobName, killed);
            return pod != null && "Paused".equals(phase(resource.get()))
                    && node.kubectl("-n", NS, "logs", pod.getMetadata().getName()).contains("resuming from the checkpoint");
        });
        setPaused(resource, false);
        awaitOrExplain("killed", "the migration to finish", Duration.ofMinutes(4),
                () -> Set.of("Succeeded", "Failed").contains(phase(resource.get())));
        assertThat(phase(resource.get())).as(resource.get().getStatus().getMessage()).isEqualTo("Succeeded");
        assertThat(db.columnExists(schema, "customers", "nickname")).isTrue();
        assertThat(db.fingerprint(schema, "customers")).isEqualTo(before);

        // The runner reports Succeeded before its process exits: the Job completes when the kubelet saw it exit 0.
        await("the Job controller to mark the Job complete").atMost(Duration.ofSeconds(60))
                .until(() -> client.batch().v1().jobs().inNamespace(NS).withName(jobName).get(),
                        j -> j.getStatus() != null && Integer.valueOf(1).equals(j.getStatus().getSucceeded()));
        List<Pod> pods = client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems();
        assertThat(pods).as("two killed pods and the one that finished").hasSize(3);
        for (Pod p : pods) {
            var terminated = p.getStatus().getContainerStatuses().get(0).getState().getTerminated();
            if (killed.contains(p.getMetadata().getName())) {
                assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
                assertThat(terminated.getExitCode()).as("SIGKILL").isEqualTo(137);
            } else {
                assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
            }
        }
    }

    @Test
    void aPermanentRunnerFailureFailsTheJobThroughItsPodFailurePolicyWithoutARetry() {
        String schema = db.createSchema("permanent");
        db.seed(schema, "customers", 1_000);
        SchemaMigration m = migration("bad-alter", schema, 500);
        m.getSpec().setAlter("DROP COLUMN no_such_column");
        create(m);
        var resource = client.resources(SchemaMigration.class).inNamespace(NS).withName("bad-alter");
        awaitOrExplain("bad-alter", "the migration to fail", Duration.ofMinutes(2),
                () -> "Failed".equals(phase(resource.get())));
        assertThat(resource.get().getStatus().getMessage()).as("the engine's reason").contains("no_such_column");
        assertThat(node.kubectl("-n", NS, "wait", "--for=condition=Stalled", "smig/bad-alter", "--timeout=30s"))
                .contains("condition met");
        assertThatThrownBy(() -> node.kubectl("-n", NS, "wait", "--for=condition=Ready", "smig/bad-alter",
                "--timeout=3s")).as("Ready never comes for a failed migration").hasMessageContaining("timed out");
        String jobName = resource.get().getStatus().getJobName();
        await("the Job controller to fail the Job by its pod failure policy").atMost(Duration.ofSeconds(60))
                .until(() -> client.batch().v1().jobs().inNamespace(NS).withName(jobName).get(),
                        j -> j.getStatus() != null && j.getStatus().getConditions() != null && j.getStatus().getConditions()
                                .stream().anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus())
                                        && "PodFailurePolicy".equals(c.getReason())));
        List<Pod> pods = client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems();
        assertThat(pods).as("no retry").singleElement().satisfies(p -> assertThat(
                p.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(3));
        assertThat(db.columnExists(schema, "customers", "name")).isTrue();
        assertThat(db.tableExists(schema, "_customers_gho")).isFalse();
    }

    @Test
    void theOperatorPodReplacedByItsDeploymentMidMigrationCreatesNoSecondJobAndTheMigrationFinishes() {
        String schema = db.createSchema("opkill");
        db.seed(schema, "customers", 60_000);
        create(migration("operator-lost", schema, 10));
        var resource = client.resources(SchemaMigration.class).inNamespace(NS).withName("operator-lost");
        awaitOrExplain("operator-lost", "the copy to start", Duration.ofMinutes(2),
                () -> "Copying".equals(phase(resource.get())));
        setPaused(resource, true);
        awaitOrExplain("operator-lost", "the copy to pause", Duration.ofMinutes(1), () -> "Paused".equals(phase(resource.get())));
        String jobName = resource.get().getStatus().getJobName();

        String old = operatorPod().getMetadata().getName();
        node.kubectl("-n", "transmog-system", "delete", "pod", old, "--wait=false");
        await("the Deployment's new operator pod to be ready").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> client.pods().inNamespace("transmog-system").withLabel("app.kubernetes.io/component", "operator")
                        .list().getItems().stream().anyMatch(p -> !p.getMetadata().getName().equals(old)
                                && p.getStatus().getContainerStatuses() != null
                                && p.getStatus().getContainerStatuses().stream().allMatch(c -> Boolean.TRUE.equals(c.getReady()))));

        // The new operator reconciles the running migration (its informers list it again) without a second Job.
        setPaused(resource, false);
        awaitOrExplain("operator-lost", "the migration to finish", Duration.ofMinutes(4),
                () -> Set.of("Succeeded", "Failed").contains(phase(resource.get())));
        assertThat(phase(resource.get())).as(resource.get().getStatus().getMessage()).isEqualTo("Succeeded");
        assertThat(resource.get().getStatus().getJobName()).isEqualTo(jobName);
        assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems())
                .filteredOn(j -> "shop/operator-lost".equals(j.getMetadata().getAnnotations().get("transmog.io/migration")))
                .as("one Job for the migration").hasSize(1);
    }

    @Test
    void aRunnerPodNoNodeCanTakeWaitsPendingWithTheSchedulersReasonUntilTheSpecIsFixed() {
        String schema = db.createSchema("nonode");
        db.seed(schema, "customers", 1_000);
        String before = db.fingerprint(schema, "customers");
        SchemaMigration m = migration("no-node", schema, 500);
        RunnerSpec runner = new RunnerSpec();
        runner.setNodeSelector(Map.of("transmog.io/no-such-pool", "true"));
        m.getSpec().setRunner(runner);
        create(m);
        var resource = client.resources(SchemaMigration.class).inNamespace(NS).withName("no-node");

        awaitOrExplain("no-node", "the scheduler's reason in the status", Duration.ofMinutes(2),
                () -> "Pending".equals(phase(resource.get())) && resource.get().getStatus().getMessage() != null
                        && resource.get().getStatus().getMessage().contains("nodes are available"));
        var status = resource.get().getStatus();
        System.out.println("no-node: status.message = " + status.getMessage());
        assertThat(status.getMessage()).startsWith("runner pod " + status.getJobName() + "-")
                .contains("cannot be scheduled: 0/1 nodes are available: 1 node(s) didn't match Pod's node "
                        + "affinity/selector");
        assertThat(status.getConditions()).filteredOn(c -> c.getType().equals("Reconciling")).singleElement()
                .satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("True");
                    assertThat(c.getReason()).isEqualTo(StatusMapper.REASON_UNSCHEDULABLE);
                    assertThat(c.getMessage()).isEqualTo(status.getMessage());
                });
        assertThat(client.pods().inNamespace(NS).withLabel("job-name", status.getJobName()).list().getItems())
                .singleElement().satisfies(p -> {
                    assertThat(p.getStatus().getPhase()).isEqualTo("Pending");
                    assertThat(p.getSpec().getNodeName()).isNull();
                });
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .as("a Warning Event on the migration").anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("no-node");
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getReason()).isEqualTo("Pending");
                    assertThat(e.getMessage()).contains("nodes are available");
                });
        // Nothing ran: the database is as it was.
        assertThat(db.tableExists(schema, "_customers_gho")).isFalse();
        assertThat(db.tableExists(schema, "_customers_ghc")).isFalse();
        assertThat(db.columnExists(schema, "customers", "nickname")).isFalse();
        assertThat(db.fingerprint(schema, "customers")).isEqualTo(before);

        // The pod template of a Job cannot change: the operator replaces the Job whose pod never ran.
        resource.patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"spec\":{\"runner\":null}}");
        awaitOrExplain("no-node", "the migration to finish on the fixed spec", Duration.ofMinutes(3),
                () -> Set.of("Succeeded", "Failed").contains(phase(resource.get())));
        var done = resource.get().getStatus();
        assertThat(done.getPhase().toString()).as(done.getMessage()).isEqualTo("Succeeded");
        assertThat(done.getMessage()).doesNotContain("nodes are available");
        assertThat(done.getConditions()).allSatisfy(c -> assertThat(c.getMessage()).doesNotContain("nodes are available"));
        assertThat(done.getJobName()).isEqualTo(status.getJobName());
        assertThat(client.batch().v1().jobs().inNamespace(NS).withName(done.getJobName()).get().getSpec().getTemplate()
                .getSpec().getNodeSelector()).as("the replacement Job's").isNullOrEmpty();
        assertThat(db.columnExists(schema, "customers", "nickname")).isTrue();
        assertThat(db.fingerprint(schema, "customers")).isEqualTo(before);
    }

    /**
     * A million rows migrated by a runner pod under the memory limit of its Job template, which the kubelet puts on
     * the container's cgroup: the peak use the kernel recorded stays below it, and nothing was OOM-killed.
     */
    @Test
    void aMillionRowMigrationStaysWithinTheRunnersMemoryLimit() throws Exception {
        String schema = db.createSchema("million");
        long seeding = System.nanoTime();
        db.seed(schema, "customers", 1_000_000);
        System.out.printf("million: 1,000,000 rows generated by the server in %.1f s%n", (System.nanoTime() - seeding) / 1e9);
        String before = db.fingerprint(schema, "customers");

        // Manual cut-over: the runner's container (and so its cgroup) is still there when the copy is done.
        SchemaMigration m = migration("million", schema, 1000);
        CutOverSpec cutOver = new CutOverSpec();
        cutOver.setMode(CutOverMode.Manual);
        m.getSpec().setCutOver(cutOver);
        long started = System.nanoTime();
        create(m);
        var resource = client.resources(SchemaMigration.class).inNamespace(NS).withName("million");
        long[] maxResident = { 0 };
        awaitOrExplain("million", "the copy of a million rows", Duration.ofMinutes(10), () -> {
            runnerMemory(resource.get()).ifPresent(mem -> maxResident[0] = Math.max(maxResident[0], mem.residentBytes()));
            return Set.of("AwaitingCutOver", "Failed").contains(phase(resource.get()));
        });
        assertThat(phase(resource.get())).as(resource.get().getStatus().getMessage()).isEqualTo("AwaitingCutOver");
        double copySeconds = (System.nanoTime() - started) / 1e9;

        LocalNode.ContainerMemory memory = runnerMemory(resource.get())
                .orElseThrow(() -> new AssertionError("no memory cgroup for the running runner container"));
        Pod pod = runningPod(resource.get().getStatus().getJobName(), Set.of());
        var limit = pod.getSpec().getContainers().get(0).getResources().getLimits().get("memory");
        long limitBytes = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(limit).longValueExact();
        System.out.printf("million: copied in %.1f s; runner container %s: memory limit %d MiB (cgroup %d MiB), "
                + "peak usage %.1f MiB, largest resident set seen %.1f MiB%n", copySeconds, memory.cgroup(),
                limitBytes >> 20, memory.limitBytes() >> 20, memory.peakBytes() / 1048576.0,
                Math.max(maxResident[0], memory.residentBytes()) / 1048576.0);
        assertThat(memory.limitBytes()).as("the kubelet put the Job template's limit on the cgroup").isEqualTo(limitBytes);
        // The JVM in the container runs with the runner's options from the image's entry point.
        String java = javaCommandLine(memory.cgroup());
        String options = Files.readString(TestPaths.repoRoot().resolve("scripts/lib/runner-jvm-options")).strip();
        assertThat(java.split(" ")).contains(options.split("\\s+"));
        assertThat(memory.peakBytes()).as("peak memory use, as the kernel recorded it").isLessThan(limitBytes);
        var request = pod.getSpec().getContainers().get(0).getResources().getRequests().get("memory");
        assertThat(memory.peakBytes()).as("the request covers the runner's peak")
                .isLessThanOrEqualTo(io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(request).longValueExact());

        resource.patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"spec\":{\"cutOver\":{\"approved\":true}}}");
        awaitOrExplain("million", "the cut-over", Duration.ofMinutes(3), () -> {
            runnerMemory(resource.get()).ifPresent(mem -> maxResident[0] = Math.max(maxResident[0], mem.residentBytes()));
            return Set.of("Succeeded", "Failed").contains(phase(resource.get()));
        });
        assertThat(phase(resource.get())).as(resource.get().getStatus().getMessage()).isEqualTo("Succeeded");
        System.out.printf("million: largest resident set of the runner seen over the whole run %.1f MiB%n",
                maxResident[0] / 1048576.0);
        String jobName = resource.get().getStatus().getJobName();
        await("the Job controller to mark the Job complete").atMost(Duration.ofSeconds(60))
                .until(() -> client.batch().v1().jobs().inNamespace(NS).withName(jobName).get(),
                        j -> j.getStatus() != null && Integer.valueOf(1).equals(j.getStatus().getSucceeded()));
        assertThat(client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems()).singleElement()
                .satisfies(p -> {
                    var container = p.getStatus().getContainerStatuses().get(0);
                    assertThat(container.getRestartCount()).isZero();
                    assertThat(container.getState().getTerminated().getReason()).as("not OOMKilled").isEqualTo("Completed");
                    assertThat(container.getState().getTerminated().getExitCode()).isZero();
                });
        assertThat(db.fingerprint(schema, "customers")).isEqualTo(before);
        assertThat(db.columnExists(schema, "customers", "nickname")).isTrue();
    }

    /** The command line of the java process in a container's cgroup, read from the host's /proc. */
    private static String javaCommandLine(java.nio.file.Path cgroup) throws java.io.IOException {
        for (String pid : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
            String cmdline = Files.readString(java.nio.file.Path.of("/proc", pid.strip(), "cmdline")).replace('\0', ' ');
            if (cmdline.contains("java")) {
                return cmdline;
            }
        }
        throw new AssertionError("no java process in " + cgroup);
    }

    /** The memory cgroup of the migration's running runner container, while there is one. */
    private static java.util.Optional<LocalNode.ContainerMemory> runnerMemory(SchemaMigration m) {
        if (m == null || m.getStatus() == null || m.getStatus().getJobName() == null) {
            return java.util.Optional.empty();
        }
        Pod pod = runningPod(m.getStatus().getJobName(), Set.of());
        return pod == null ? java.util.Optional.empty()
                : node.containerMemory(pod.getMetadata().getUid(),
                        pod.getStatus().getContainerStatuses().get(0).getContainerID());
    }

    private static void setPaused(io.fabric8.kubernetes.client.dsl.Resource<SchemaMigration> resource, boolean paused) {
        resource.patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"spec\":{\"paused\":" + paused + "}}");
    }

    private static Pod runningPod(String jobName, Set<String> except) {
        return client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems().stream()
                .filter(p -> !except.contains(p.getMetadata().getName()))
                .filter(p -> "Running".equals(p.getStatus().getPhase()))
                .filter(p -> p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
                        && p.getStatus().getContainerStatuses().get(0).getContainerID() != null)
                .findFirst().orElse(null);
    }

    private static Pod operatorPod() {
        List<Pod> pods = client.pods().inNamespace("transmog-system")
                .withLabel("app.kubernetes.io/component", "operator").list().getItems();
        assertThat(pods).hasSize(1);
        return pods.get(0);
    }

    private static SchemaMigration migration(String name, String schema, int chunkSize) {
        return db.migration(NS, name, schema, SECRET, chunkSize);
    }

    private static void create(SchemaMigration m) {
        client.resources(SchemaMigration.class).inNamespace(NS).resource(m).create();
    }

    private static String phase(SchemaMigration m) {
        return m == null || m.getStatus() == null || m.getStatus().getPhase() == null ? ""
                : m.getStatus().getPhase().toString();
    }
}
