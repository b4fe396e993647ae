package io.transmog.operator.kube;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;

import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.jboss.logmanager.handlers.FileHandler;

import io.fabric8.kubeapitest.process.EtcdProcess;
import io.fabric8.kubeapitest.process.KubeAPIServerProcess;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A local stand-in for a cluster, for {@code make demo} (scripts/demo.sh): a real kube-apiserver and etcd
 * (kube-api-test, offline, as the operator tests start them) with the COMMITTED CRD and everything in deploy/
 * applied, and a node: {@link NodeSimulator} plays kubelet and Job controller for the runner Jobs, and runs each
 * runner pod's command {@code transmog run <ns>/<name>} as a REAL process of the given launcher, with the
 * environment a kubelet gives the container (the credentials from the Secret, the downward API) and a token of the
 * pod's ServiceAccount. The operator itself is not started here: the demo runs {@code transmog operator} as a local
 * process against this API server (the usual "run the operator locally against a cluster"), with the connection
 * settings written to {@code operator.env} (a token of transmog-system/transmog-operator, so it has exactly the
 * RBAC of deploy/). The operator Deployment from deploy/ exists but never runs: no kubelet.
 *
 * <pre>
 * java -cp operator/target/test-classes:operator/target/classes:$(cat operator/target/test-classpath.txt) \
 *     -Dtransmog.repo.root=. io.transmog.operator.kube.LocalCluster --dir DIR --transmog bin/transmog
 * </pre>
 * Writes into DIR: {@code kubeconfig} (cluster admin, for kubectl), {@code operator.env} (QUARKUS_KUBERNETES_CLIENT_*
 * lines for the operator process), {@code runners.log} (every runner's output, each line prefixed with its pod) and
 * {@code apiserver.log} (the output of kube-apiserver and etcd); its own log goes to stderr;
 * then prints one line {@code ready server=... kubeconfig=... operator-env=... runner-log=...} on stdout and runs
 * until SIGTERM, when it stops the runner processes (SIGTERM, as a node draining would), then the API server and
 * etcd. Options: {@code --runner-java-opts OPTS} (TRANSMOG_JAVA_OPTS of the runners).
 */
public final class LocalCluster {

    private LocalCluster() {
    }

    public static void main(String[] args) {
        // kube-api-test logs through slf4j, bound to the JBoss LogManager (as in the tests): make it JUL's manager
        // before anything logs, so that one configuration (logging()) covers everything.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        }
        try {
            run(args);
        } catch (Exception e) {
            System.err.println("local-cluster: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path dir = Path.of(required(options, "--dir")).toAbsolutePath();
        Path transmog = Path.of(required(options, "--transmog")).toAbsolutePath();
        String runnerJavaOpts = options.getOrDefault("--runner-java-opts", "-Xmx256m -XX:+ExitOnOutOfMemoryError");
        if (!Files.isExecutable(transmog)) {
            throw new IllegalArgumentException(transmog + " is not executable: run `make build`");
        }
        Files.createDirectories(dir);
        logging(dir.resolve("apiserver.log"));

        KubeApiServerResource kube = new KubeApiServerResource();
        RunnerProcesses runners = new RunnerProcesses(transmog, runnerJavaOpts, dir.resolve("runners.log"), dir);
        List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // The node first (no new pods; its runners get SIGTERM and record that they stopped while the API
            // server still answers), then the API server and etcd.
            for (int i = toClose.size() - 1; i >= 0; i--) {
                try {
                    toClose.get(i).close();
                } catch (Exception e) {
                    System.err.println("local-cluster: stopping " + toClose.get(i) + ": " + e);
                }
            }
            stopped.countDown();
        }, "local-cluster-stop"));

        toClose.add(kube::stop);
        Map<String, String> operatorSettings = kube.start();
        Path kubeconfig = writePrivate(dir.resolve("kubeconfig"), KubeApiServerResource.kubeConfigYaml());
        Path operatorEnv = writePrivate(dir.resolve("operator.env"), envFile(operatorSettings));

        KubernetesClient admin = KubeApiServerResource.newClient();
        toClose.add(admin);
        NodeSimulator node = new NodeSimulator(admin, KubeApiServerResource.adminConfig(), runners).start();
        toClose.add(runners::awaitAll);
        toClose.add(node);
        node.serveAllNamespaces();

        System.out.println("ready server=" + KubeApiServerResource.adminConfig().getMasterUrl()
                + " kubeconfig=" + kubeconfig + " operator-env=" + operatorEnv
                + " runner-log=" + runners.log);
        System.out.flush();
        stopped.await();
    }

    /**
     * INFO and above on stderr (the node's pods, kube-api-test); the output of kube-apiserver and etcd, which
     * kube-api-test logs at DEBUG, in its own file.
     */
    private static void logging(Path serverLog) throws IOException {
        PatternFormatter format = new PatternFormatter("%d{HH:mm:ss,SSS} %-5p [%c{1.}] %s%e%n");
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler console = new ConsoleHandler(ConsoleHandler.Target.SYSTEM_ERR, format);
        console.setLevel(Level.INFO);
        root.addHandler(console);
        root.setLevel(Level.INFO);
        // Reconnect chatter of the informers needs no action; "unstable version v1alpha1" is known.
        java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.informers").setLevel(Level.WARNING);
        java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils")
                .setLevel(Level.SEVERE);
        FileHandler file = new FileHandler(format, serverLog.toFile(), true);
        file.setLevel(Level.ALL);
        for (String name : List.of(KubeAPIServerProcess.class.getName() + ".APIServerProcessLogs",
                EtcdProcess.class.getName() + ".EtcdProcessLogs")) {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
            logger.setLevel(Level.ALL);
            logger.setUseParentHandlers(false);
            logger.addHandler(file);
        }
    }

    /** The operator's Kubernetes client settings (quarkus.kubernetes-client.*) as environment variables. */
    private static String envFile(Map<String, String> properties) {
        StringBuilder out = new StringBuilder(
                "# The local operator's connection to the demo API server, as the ServiceAccount\n"
                        + "# transmog-system/transmog-operator (written by LocalCluster; source it with set -a).\n");
        properties.forEach((key, value) -> {
            String name = key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
            out.append(name).append("='").append(value.replace("'", "'\\''")).append("'\n");
        });
        return out.toString();
    }

    private static Path writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
        return file;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("usage: LocalCluster --dir DIR --transmog PATH"
                        + " [--runner-java-opts OPTS]; got " + String.join(" ", args));
            }
            options.put(args[i], args[++i]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing option " + name);
        }
        return value;
    }

    /**
     * Runs a runner pod's command as a process, the way a kubelet runs the container: the image's entry point
     * {@code transmog} is the local launcher (bin/transmog); the environment is the container's, plus what
     * in-cluster configuration would find (the API server, the pod's ServiceAccount token, the cluster CA) as
     * fabric8's KUBERNETES_* variables, and nothing of this JVM's Kubernetes or Transmog settings.
     */
    static final class RunnerProcesses implements NodeSimulator.PodLauncher {

        private static final Duration GRACE = Duration.ofSeconds(30); // a pod's default termination grace

        private final Path transmog;
        private final String javaOpts;
        final Path log;
        private final Path workDir;
        private final BufferedWriter out;
        private final Set<Process> live = ConcurrentHashMap.newKeySet();

        RunnerProcesses(Path transmog, String javaOpts, Path log, Path workDir) throws IOException {
            this.transmog = transmog;
            this.javaOpts = javaOpts;
            this.log = log;
            this.workDir = workDir;
            this.out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }

        @Override
        public int run(Pod pod, List<String> command, Map<String, String> env, Config podConfig,
                NodeSimulator.PodRun run) throws Exception {
            List<String> argv = new ArrayList<>(command);
            argv.set(0, transmog.toString());
            ProcessBuilder builder = new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true);
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(k -> k.startsWith("KUBE") || k.startsWith("TRANSMOG_")
                    || k.startsWith("QUARKUS_"));
            environment.putAll(env);
            environment.put("TRANSMOG_JAVA_OPTS", javaOpts);
            environment.put("KUBERNETES_MASTER", podConfig.getMasterUrl());
            environment.put("KUBERNETES_AUTH_TOKEN", podConfig.getOauthToken());
            environment.put("KUBERNETES_NAMESPACE", pod.getMetadata().getNamespace());
            if (podConfig.getCaCertData() != null) {
                environment.put("KUBERNETES_CERTS_CA_DATA", podConfig.getCaCertData());
            }
            if (podConfig.getCaCertFile() != null) {
                environment.put("KUBERNETES_CERTS_CA_FILE", podConfig.getCaCertFile());
            }
            environment.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            environment.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");

            String prefix = pod.getMetadata().getName() + " | ";
            line("# pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + ": "
                    + String.join(" ", command));
            Process process = builder.start();
            live.add(process);
            Thread pump = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l = in.readLine(); l != null; l = in.readLine()) {
                        line(prefix + l);
                    }
                } catch (IOException e) {
                    line(prefix + "(log pump stopped: " + e + ")");
                }
            }, "log-" + pod.getMetadata().getName());
            pump.setDaemon(true);
            pump.start();
            try {
                int code = process.waitFor();
                pump.join(5_000);
                line("# pod " + pod.getMetadata().getName() + " exited with " + code);
                return code;
            } catch (InterruptedException e) {
                stop(process); // the node is going away: SIGTERM, as for a pod being deleted
                Thread.currentThread().interrupt();
                throw e;
            } finally {
                live.remove(process);
            }
        }

        private synchronized void line(String text) {
            try {
                out.write(text);
                out.newLine();
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void stop(Process process) {
            process.destroy();
            try {
                if (!process.waitFor(GRACE.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        /** SIGTERM to every runner still running, and wait for them (KILL after the grace period). */
        void awaitAll() {
            List<Process> running = new ArrayList<>(live);
            running.forEach(Process::destroy);
            long deadline = System.nanoTime() + GRACE.toNanos();
            for (Process p : running) {
                try {
                    if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public String toString() {
            return "runner processes";
        }
    }
}
