package io.transmog.operator.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.model.CutOverStatus;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationStatus;

/**
 * The scenario's view of the cluster, the same for {@code make demo} and EndToEndIT: waiting for a phase of the
 * SchemaMigration (with what the cluster shows when it does not come), and the checks of what Kubernetes shows
 * (status fields, the Job, the Events, no credential anywhere, the cut-over stall). Everything goes through the API
 * server, so it reads the local node and k3s alike.
 */
public final class ClusterChecks {
    public static final String OPERATOR_NAMESPACE = "transmog-system";
    private static final Set<Phase> FINISHED = EnumSet.of(Phase.Succeeded, Phase.Failed, Phase.Cancelled, Phase.Validated);
    /** How long the API server may fail to answer before a wait gives up (a dead cluster, not a slow one). */
    private static final Duration API_SILENCE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration SETTLE = Duration.ofSeconds(30);
    /** Slack on top of the cut-over's own lock timeouts for a writer's longest wait: two loaded shared cores. */
    private static final long STALL_SLACK_MILLIS = 5_000;

    private final KubernetesClient client;
    private final String namespace;
    private final String name;

    public ClusterChecks(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
    }

    public Resource<SchemaMigration> migration() {
        return client.resources(SchemaMigration.class).inNamespace(namespace).withName(name);
    }

    /**
     * Waits until the migration is in one of {@code wanted}, and returns it. Fails, with {@link #diagnostics()}, when
     * it finishes in another phase, when {@code timeout} passes, or when the API server stops answering.
     */
    public SchemaMigration awaitPhase(Duration timeout, Phase... wanted) {
        Set<Phase> accepted = EnumSet.copyOf(Arrays.asList(wanted));
        Instant deadline = Instant.now().plus(timeout);
        Instant answered = Instant.now();
        KubernetesClientException lastFailure = null;
        while (true) {
            try {
                SchemaMigration m = migration().get();
                answered = Instant.now();
                Phase phase = phase(m);
                if (phase != null && accepted.contains(phase)) {
                    return m;
                }
                if (phase != null && FINISHED.contains(phase)) {
                    throw new AssertionError("the migration ended in " + phase + " while waiting for " + accepted + ": "
                            + m.getStatus().getMessage() + "\n" + diagnostics());
                }
            } catch (KubernetesClientException e) {
                lastFailure = e;
                if (Duration.between(answered, Instant.now()).compareTo(API_SILENCE) > 0) {
                    throw new AssertionError("the API server has not answered for " + API_SILENCE.toSeconds()
                            + " s while waiting for " + accepted + ": " + e.getMessage(), e);
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("no phase " + accepted + " within " + timeout.toSeconds() + " s"
                        + (lastFailure == null ? "" : " (last API error: " + lastFailure.getMessage() + ")") + "\n"
                        + diagnostics());
            }
            sleep(POLL);
        }
    }

    /**
     * The migration once its status settled. The runner reports Succeeded; the operator derives the conditions from
     * it in the reconcile that change starts, so a read right after the phase changed can still say Ready False (one
     * CI run in about twenty did). Waits up to {@link #SETTLE} for Ready True, as {@code kubectl wait
     * --for=condition=Ready} would, and returns the last read either way: {@link #statusFields} judges it.
     */
    public SchemaMigration settled() {
        Instant deadline = Instant.now().plus(SETTLE);
        SchemaMigration m = migration().get();
        while (!"True".equals(condition(m.getStatus(), "Ready")) && Instant.now().isBefore(deadline)) {
            sleep(POLL);
            m = migration().get();
        }
        return m;
    }

    /** The migration's status, the pods, the latest Events and the operator's and runners' last log lines. */
    public String diagnostics() {
        Map<String, Supplier<String>> parts = new LinkedHashMap<>();
        parts.put("status of smig/" + name, () -> Serialization.asYaml(migration().get().getStatus()));
        parts.put("pods", () -> pods(namespace) + pods(OPERATOR_NAMESPACE));
        parts.put("events in " + namespace, () -> client.v1().events().inNamespace(namespace).list().getItems().stream()
                .sorted(Comparator.comparing(ClusterChecks::eventTime))
                .map(e -> e.getType() + " " + e.getReason() + " " + e.getInvolvedObject().getKind() + "/"
                        + e.getInvolvedObject().getName() + ": " + e.getMessage())
                .collect(Collectors.collectingAndThen(Collectors.toList(), l -> String.join("\n",
                        l.subList(Math.max(0, l.size() - 15), l.size())))));
        parts.put("operator log (last 30 lines)", () -> tail(logs(OPERATOR_NAMESPACE, "operator"), 30));
        parts.put("runner log (last 40 lines)", () -> tail(logs(namespace, "runner"), 40));
        StringBuilder out = new StringBuilder();
        parts.forEach((title, text) -> {
            out.append("--- ").append(title).append('\n');
            try {
                out.append(text.get()).append('\n');
            } catch (RuntimeException e) {
                out.append("(cannot read: ").append(e.getMessage()).append(")\n");
            }
        });
        return out.toString();
    }

    /**
     * While the migration is paused, over {@code watch}: the ghost table and the status' rowsCopied hold still, and
     * the writers of load phase {@code writerPhase} go on inserting into the original.
     */
    public Check pausedHoldsStill(ShopDatabase db, int writerPhase, Duration watch) {
        String writersRows = "email LIKE '" + LoadReport.emailPrefix(writerPhase) + "%'";
        SchemaMigration before = migration().get();
        long ghostBefore = db.count(ShopDatabase.GHOST);
        long writtenBefore = db.count(ShopDatabase.TABLE, writersRows);
        sleep(watch);
        SchemaMigration after = migration().get();
        long ghostAfter = db.count(ShopDatabase.GHOST);
        long writtenAfter = db.count(ShopDatabase.TABLE, writersRows);
        long copiedBefore = rowsCopied(before);
        long copiedAfter = rowsCopied(after);
        boolean held = phase(before) == Phase.Paused && phase(after) == Phase.Paused && ghostBefore == ghostAfter
                && copiedBefore == copiedAfter && writtenAfter > writtenBefore;
        return Check.of(held, String.format(Locale.ROOT, "paused mid-copy (phase %s -> %s): %s held still at %,d -> %,d"
                        + " rows, status rowsCopied %,d -> %,d, while the writers inserted %,d rows in %d s",
                phase(before), phase(after), ShopDatabase.GHOST, ghostBefore, ghostAfter, copiedBefore, copiedAfter,
                writtenAfter - writtenBefore, watch.toSeconds()));
    }

    public Check succeeded(SchemaMigration m) {
        CutOverStatus cutOver = m.getStatus() == null ? null : m.getStatus().getCutOver();
        return Check.of(phase(m) == Phase.Succeeded, "SchemaMigration " + namespace + "/" + name + ": phase " + phase(m)
                + " (after " + (cutOver == null ? 0 : cutOver.getAttempts()) + " cut-over attempt(s))"
                + (phase(m) == Phase.Succeeded ? "" : ": " + m.getStatus().getMessage()));
    }

    /** The status of a finished migration, field by field, as a user (and kstatus) reads it. */
    public Check statusFields(SchemaMigration m) {
        SchemaMigrationStatus s = m.getStatus();
        List<String> wrong = new ArrayList<>();
        if (!Objects.equals(s.getObservedGeneration(), m.getMetadata().getGeneration())) {
            wrong.add("observedGeneration " + s.getObservedGeneration() + " of generation " + m.getMetadata().getGeneration());
        }
        if (s.getStartedAt() == null || s.getCompletedAt() == null
                || Instant.parse(s.getCompletedAt()).isBefore(Instant.parse(s.getStartedAt()))) {
            wrong.add("startedAt " + s.getStartedAt() + ", completedAt " + s.getCompletedAt());
        }
        if (s.getJobName() == null) {
            wrong.add("no jobName");
        }
        String ready = condition(s, "Ready");
        if (!"True".equals(ready)) {
            wrong.add("condition Ready " + ready);
        }
        if (rowsCopied(m) <= 0) {
            wrong.add("progress.rowsCopied " + rowsCopied(m));
        }
        CutOverStatus cutOver = s.getCutOver();
        if (cutOver == null || cutOver.getAttempts() == null || cutOver.getAttempts() < 1 || cutOver.getStallMillis() == null) {
            wrong.add("cutOver " + Serialization.asJson(cutOver));
        }
        return Check.of(wrong.isEmpty(), String.format(Locale.ROOT, "status: Ready %s, observedGeneration %s, %s -> %s,"
                        + " job %s, %,d rows copied%s", ready, s.getObservedGeneration(), s.getStartedAt(),
                s.getCompletedAt(), s.getJobName(), rowsCopied(m), wrong.isEmpty() ? "" : "; wrong: " + wrong));
    }

    /** The Job controller marks the runner's Job Complete once the kubelet saw its pod exit 0. */
    public Check jobComplete(String jobName) {
        Instant deadline = Instant.now().plusSeconds(30);
        Job job = null;
        while (Instant.now().isBefore(deadline)) {
            job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
            if ("True".equals(jobCondition(job, "Complete"))) {
                break;
            }
            sleep(POLL);
        }
        List<Integer> exitCodes = client.pods().inNamespace(namespace).withLabel("job-name", jobName).list().getItems()
                .stream().map(p -> p.getStatus().getContainerStatuses()).filter(Objects::nonNull)
                .flatMap(List::stream).map(c -> c.getState().getTerminated() == null ? null
                        : c.getState().getTerminated().getExitCode())
                .toList();
        return Check.of("True".equals(jobCondition(job, "Complete")) && exitCodes.equals(List.of(0)),
                "runner Job " + jobName + " is Complete: " + jobCondition(job, "Complete")
                        + " (its pod's runner process exit code(s): " + exitCodes + ")");
    }

    /** The operator announces each phase it sees with an Event whose reason is the phase. */
    public Check phaseEvents(List<Phase> expected) {
        List<String> reasons = client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> "SchemaMigration".equals(e.getInvolvedObject().getKind())
                        && name.equals(e.getInvolvedObject().getName()))
                .sorted(Comparator.comparing(ClusterChecks::eventTime)).map(Event::getReason).toList();
        List<String> missing = expected.stream().map(Phase::name).filter(p -> !reasons.contains(p)).toList();
        return Check.of(missing.isEmpty(), "Events on smig/" + name + " for the phases: " + String.join(" ", reasons)
                + (missing.isEmpty() ? "" : " (missing: " + String.join(" ", missing) + ")"));
    }

    /**
     * None of {@code secrets}, plain or base64, in the SchemaMigration (status included), the Jobs, any Pod (args,
     * env), any Event, the operator's and the runners' logs, nor in {@code files} (other logs the caller has).
     * The logs must not be empty: a check over nothing proves nothing.
     */
    public Check noSecretLeak(List<String> secrets, List<Path> files) {
        Map<String, String> places = new LinkedHashMap<>();
        places.put("the SchemaMigration", Serialization.asJson(migration().get()));
        places.put("the Jobs", Serialization.asJson(client.batch().v1().jobs().inNamespace(namespace).list()));
        places.put("the Pods", Serialization.asJson(client.pods().inAnyNamespace().list()));
        places.put("the Events", Serialization.asJson(client.v1().events().inAnyNamespace().list()));
        places.put("the operator's log", logs(OPERATOR_NAMESPACE, "operator"));
        places.put("the runners' log", logs(namespace, "runner"));
        for (Path file : files) {
            try {
                places.put(file.toString(), Files.readString(file, StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<String> patterns = new ArrayList<>();
        for (String secret : secrets) {
            patterns.add(secret);
            patterns.add(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        }
        List<String> leaks = places.entrySet().stream()
                .filter(place -> patterns.stream().anyMatch(place.getValue()::contains)).map(Map.Entry::getKey).toList();
        List<String> empty = places.entrySet().stream().filter(place -> place.getValue().isBlank())
                .map(Map.Entry::getKey).toList();
        return Check.of(leaks.isEmpty() && empty.isEmpty(), "the migration account's name and password (plain or base64)"
                + " are nowhere in the SchemaMigration, Jobs, Pods, Events, nor the logs of the operator and the runners"
                + (files.isEmpty() ? "" : " and " + files.size() + " more log files")
                + (leaks.isEmpty() ? "" : ": FOUND in " + leaks) + (empty.isEmpty() ? "" : "; nothing to read in " + empty));
    }

    /**
     * The write stall of the cut-over: reported in the status, and seen by the writers, whose longest wait across
     * it (approval to Succeeded) stays within the cut-over's lock timeout per attempt plus slack for a loaded machine.
     */
    public Check cutOverStall(SchemaMigration m, LoadReport writers, Instant approved, Instant succeeded) {
        CutOverStatus cutOver = m.getStatus().getCutOver();
        Long reported = cutOver == null ? null : cutOver.getStallMillis();
        int attempts = cutOver == null || cutOver.getAttempts() == null ? 0 : cutOver.getAttempts();
        long bound = attempts * 1000L * m.getSpec().getCutOver().getLockTimeoutSeconds() + STALL_SLACK_MILLIS;
        LoadReport.Window window = writers.window(approved, succeeded);
        return Check.of(reported != null && window.batches() > 0 && window.longestMillis() <= bound,
                String.format(Locale.ROOT, "cut-over write stall: status.cutOver.stallMillis %s ms; the writers'"
                                + " longest wait across the cut-over %,d ms over %,d batches (at most %,d ms: %d attempt(s)"
                                + " x lockTimeoutSeconds + %d s)", reported, window.longestMillis(), window.batches(),
                        bound, attempts, STALL_SLACK_MILLIS / 1000));
    }

    /** The logs of the Transmog pods of one component (operator or runner) in a namespace. */
    public String logs(String podNamespace, String component) {
        StringBuilder logs = new StringBuilder();
        for (Pod pod : client.pods().inNamespace(podNamespace).withLabel("app.kubernetes.io/component", component)
                .list().getItems()) {
            logs.append(client.pods().inNamespace(podNamespace).withName(pod.getMetadata().getName()).getLog());
        }
        return logs.toString();
    }

    static Phase phase(SchemaMigration m) {
        return m == null || m.getStatus() == null ? null : m.getStatus().getPhase();
    }

    private static long rowsCopied(SchemaMigration m) {
        return m == null || m.getStatus() == null || m.getStatus().getProgress() == null
                || m.getStatus().getProgress().getRowsCopied() == null ? 0 : m.getStatus().getProgress().getRowsCopied();
    }

    private static String condition(SchemaMigrationStatus s, String type) {
        return s.getConditions() == null ? null : s.getConditions().stream().filter(c -> type.equals(c.getType()))
                .map(Condition::getStatus).findFirst().orElse(null);
    }

    private static String jobCondition(Job job, String type) {
        return job == null || job.getStatus() == null || job.getStatus().getConditions() == null ? null
                : job.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()))
                        .map(c -> c.getStatus()).findFirst().orElse(null);
    }

    private String pods(String podNamespace) {
        return client.pods().inNamespace(podNamespace).list().getItems().stream().map(p -> {
            List<ContainerStatus> containers = p.getStatus().getContainerStatuses();
            String state = containers == null ? "" : containers.stream()
                    .map(c -> " restarts=" + c.getRestartCount() + " " + Serialization.asJson(c.getState()))
                    .collect(Collectors.joining());
            return podNamespace + "/" + p.getMetadata().getName() + " " + p.getStatus().getPhase() + " on "
                    + p.getSpec().getNodeName() + state + "\n";
        }).collect(Collectors.joining());
    }

    private static String eventTime(Event e) {
        String time = e.getLastTimestamp() != null ? e.getLastTimestamp() : e.getEventTime() != null
                ? e.getEventTime().getTime() : e.getMetadata().getCreationTimestamp();
        return time == null ? "" : time;
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
