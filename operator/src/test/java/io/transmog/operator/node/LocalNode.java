package io.transmog.operator.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.transmog.operator.TestPaths;

/**
 * The real single-node cluster of scripts/local-cluster.sh (etcd, kube-apiserver, controller-manager, scheduler,
 * containerd and a kubelet), for tests, and the product image built without Docker (scripts/build-image.sh).
 * Nothing here is simulated: if the node cannot start, {@link #start()} fails with the script's reason; it never
 * falls back to anything else. {@link #stop()} tears everything down and fails if anything was left behind.
 * <p>
 * State lives in {@code $TRANSMOG_CLUSTER_DIR} (default /tmp/transmog-cluster-it); the scripts' output goes to
 * operator/target/local-node/*.log. Requires root (kubelet, containerd) and `make kube-deps`.
 */
public final class LocalNode {

    public static final String IMAGE = "transmog.local/transmog:dev";

    private static Path image;

    /**
     * One node per machine (the kubelet's ports and cgroups are fixed): test runs of other work trees, and
     * `make demo`, wait for each other on this lock (scripts/local-cluster.sh documents it too).
     */
    public static final Path MACHINE_LOCK = Path.of("/tmp/transmog-local-cluster.lock");

    private final Path dir;
    private final Path logs;
    private KubernetesClient client;
    private Process lockHolder;

    public LocalNode() {
        String configured = System.getenv("TRANSMOG_CLUSTER_DIR");
        dir = Path.of(configured != null && !configured.isBlank() ? configured : "/tmp/transmog-cluster-it");
        logs = TestPaths.repoRoot().resolve("operator/target/local-node");
    }

    /**
     * The product image, built once per JVM from operator/target/quarkus-app and the engine's CLI jar (so after
     * the package phase: failsafe tests only).
     */
    public static synchronized Path image() {
        if (image == null) {
            Path out = TestPaths.repoRoot().resolve("operator/target/local-node/transmog-image.tar");
            run(List.of(script("build-image.sh").toString(), "--tag", IMAGE, "--out", out.toString()),
                    Map.of(), out.resolveSibling("build-image.log"), Duration.ofMinutes(10));
            image = out;
        }
        return image;
    }

    /** Starts the cluster and imports the image; returns the script's timings (api_ready_seconds, node_ready_seconds). */
    public Map<String, String> start() {
        lockHolder = holdMachineLock();
        // A cluster left over by a killed test run of this same directory: its own teardown.
        cluster("stop");
        cluster("start");
        cluster("load", image().toString());
        Config config = Config.fromKubeconfig(kubeconfig());
        // On two loaded cores the client's first TLS set-up alone has taken over 10 s (its default connect timeout).
        config.setConnectionTimeout(60_000);
        config.setRequestTimeout(60_000);
        client = new KubernetesClientBuilder().withConfig(config).build();
        try {
            Map<String, String> times = new java.util.LinkedHashMap<>();
            for (String line : Files.readAllLines(dir.resolve("start-times"))) {
                String[] kv = line.split("=", 2);
                times.put(kv[0], kv[1]);
            }
            return times;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void stop() {
        if (client != null) {
            client.close();
            client = null;
        }
        try {
            cluster("stop");
        } finally {
            if (lockHolder != null) {
                // cat (which holds the lock with flock) ends at the end of its input.
                try {
                    lockHolder.getOutputStream().close();
                    lockHolder.waitFor(10, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    lockHolder.destroyForcibly();
                }
                lockHolder = null;
            }
        }
    }

    public KubernetesClient client() {
        return client;
    }

    public String kubeconfig() {
        try {
            return Files.readString(dir.resolve("admin.kubeconfig"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kubectl as cluster admin; fails the test when kubectl fails. Returns stdout and stderr together. */
    public String kubectl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(kubeBin().resolve("kubectl").toString());
        command.add("--kubeconfig=" + dir.resolve("admin.kubeconfig"));
        command.addAll(List.of(args));
        return run(command, Map.of(), null, Duration.ofMinutes(3));
    }

    /**
     * Kills a container's processes with SIGKILL through the node's containerd (as an OOM kill or a crash would):
     * the kubelet then sees the container exit with 137. {@code containerId} as in a Pod's status
     * ({@code containerd://<id>}).
     */
    public void killContainer(String containerId) {
        String id = containerId.replaceFirst("^containerd://", "");
        run(List.of("ctr", "--address", dir.resolve("containerd/containerd.sock").toString(), "--namespace", "k8s.io",
                "tasks", "kill", "--signal", "SIGKILL", id), Map.of(), null, Duration.ofSeconds(30));
    }

    /**
     * The memory of one running container as its cgroup on this node holds it: the limit the kubelet set (what the
     * kernel enforces), the peak usage so far and the resident anonymous memory now. The kubelet here uses the
     * cgroupfs driver, so the container's cgroup is {@code kubepods[/<qos>]/pod<uid>/<container id>}: on cgroup v1
     * under the memory hierarchy ({@code memory.limit_in_bytes}, {@code memory.max_usage_in_bytes}, {@code total_rss}
     * of {@code memory.stat}), on v2 in the unified one ({@code memory.max}, {@code memory.peak}, {@code anon}).
     * Empty once the container has exited (its cgroup is removed with it).
     */
    public Optional<ContainerMemory> containerMemory(String podUid, String containerId) {
        String id = containerId.replaceFirst("^containerd://", "");
        boolean v1 = Files.isDirectory(Path.of("/sys/fs/cgroup/memory/kubepods"));
        Path kubepods = Path.of(v1 ? "/sys/fs/cgroup/memory/kubepods" : "/sys/fs/cgroup/kubepods");
        for (String qos : List.of("", "burstable/", "besteffort/")) {
            Path cgroup = kubepods.resolve(qos + "pod" + podUid).resolve(id);
            try {
                if (v1) {
                    return Optional.of(new ContainerMemory(cgroup, readLong(cgroup.resolve("memory.limit_in_bytes")),
                            readLong(cgroup.resolve("memory.max_usage_in_bytes")), stat(cgroup, "total_rss")));
                }
                return Optional.of(new ContainerMemory(cgroup, readLong(cgroup.resolve("memory.max")),
                        readLong(cgroup.resolve("memory.peak")), stat(cgroup, "anon")));
            } catch (java.nio.file.NoSuchFileException e) {
                // not this QoS class, or the container has gone
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Optional.empty();
    }

    /** A container's memory cgroup read at one moment (bytes). */
    public record ContainerMemory(Path cgroup, long limitBytes, long peakBytes, long residentBytes) {
    }

    private static long readLong(Path file) throws IOException {
        String value = Files.readString(file).strip();
        return value.equals("max") ? Long.MAX_VALUE : Long.parseLong(value);
    }

    private static long stat(Path cgroup, String key) throws IOException {
        return Files.readAllLines(cgroup.resolve("memory.stat")).stream().filter(l -> l.startsWith(key + " "))
                .mapToLong(l -> Long.parseLong(l.substring(key.length() + 1).strip())).findFirst()
                .orElseThrow(() -> new IOException("no " + key + " in " + cgroup.resolve("memory.stat")));
    }

    /**
     * Takes the machine's local-cluster lock the way scripts/demo.sh does, with flock(1) (a Java FileLock is an
     * fcntl lock, which flock(1) does not see): a `flock LOCK cat` child holds it until its stdin closes, which
     * also happens when this JVM dies. Waits while another work tree's test or demo holds it.
     */
    private static Process holdMachineLock() {
        try {
            Process holder = new ProcessBuilder("flock", "--exclusive", MACHINE_LOCK.toString(), "sh", "-c",
                    "echo locked; exec cat >/dev/null").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            System.out.println("local node: waiting for the machine's local-cluster lock " + MACHINE_LOCK + " if taken");
            String line = out.readLine();
            if (!"locked".equals(line)) {
                throw new AssertionError("cannot take " + MACHINE_LOCK + " with flock (exit " + holder.waitFor() + ")");
            }
            return holder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String cluster(String... args) {
        List<String> command = new ArrayList<>();
        command.add(script("local-cluster.sh").toString());
        command.addAll(List.of(args));
        return run(command, Map.of("TRANSMOG_CLUSTER_DIR", dir.toString()), logs.resolve("local-cluster.log"),
                Duration.ofMinutes(3));
    }

    private static Path kubeBin() {
        return Path.of(run(List.of(script("provision-kube-binaries.sh").toString(), "--dir"), Map.of(), null,
                Duration.ofSeconds(30)).strip());
    }

    private static Path script(String name) {
        return TestPaths.repoRoot().resolve("scripts").resolve(name);
    }

    /** Runs a command; its output is returned, and appended to log when given. A non-zero exit fails the test. */
    private static String run(List<String> command, Map<String, String> env, Path log, Duration timeout) {
        Path output = null;
        try {
            output = Files.createTempFile("local-node", ".out");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (log != null) {
                Files.createDirectories(log.getParent());
                Files.writeString(log, "$ " + String.join(" ", command) + "\n" + text, StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
            if (!done) {
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n" + text);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temp file
                }
            }
        }
    }
}
