package io.transmog.operator.runner;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

import org.jboss.logmanager.ExtLogRecord;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * {@code transmog run <namespace>/<name>}: the process around a {@link Runner}. It does not boot the Quarkus
 * application (no Quarkus HTTP server, no controllers, no CDI): a runner pod is a batch process with a fabric8 client
 * configured the usual way (in a pod: its ServiceAccount; elsewhere: KUBECONFIG or KUBERNETES_* variables). Its
 * only listening socket is the optional Prometheus endpoint of {@link RunnerMetrics}.
 * <p>
 * SIGTERM ({@link Runner#stop}): when the resource is being deleted the migration is cancelled and cleaned up;
 * otherwise the process records that it stopped and exits, and the Job's next pod resumes the migration. Either way
 * within {@link #SIGTERM_GRACE} (the pod's default termination grace period is 30 s).
 */
public final class RunnerCommand {

    static final Duration SIGTERM_GRACE = Duration.ofSeconds(25);
    /** DNS-1123 subdomain names (namespaces are labels, a subset). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private RunnerCommand() {
    }

    /** The namespace and name of {@code run}'s argument. */
    public record Target(String namespace, String name) {
        public static Target parse(String[] args) {
            if (args.length != 1) {
                throw new IllegalArgumentException("expected exactly one argument <namespace>/<name>, got "
                        + args.length);
            }
            String[] parts = args[0].split("/", -1);
            if (parts.length != 2 || !NAME.matcher(parts[0]).matches() || !NAME.matcher(parts[1]).matches()) {
                throw new IllegalArgumentException("expected <namespace>/<name>, got \"" + args[0] + "\"");
            }
            return new Target(parts[0], parts[1]);
        }
    }

    /**
     * @param args the arguments after {@code run}
     * @return the exit code
     */
    public static int execute(String[] args) {
        Target target;
        try {
            target = Target.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("usage: transmog run <namespace>/<name>: " + e.getMessage());
            return ExitCode.PERMANENT.code();
        }
        LogSetup logs = LogSetup.install(System.err);
        KubernetesClient client = new KubernetesClientBuilder().build();
        Runner runner = new Runner(client, target.namespace(), target.name(), System.getenv(),
                Runner.Options.defaults());
        logs.redactWith(runner.redactor());

        // Stays installed to the end: a SIGTERM after the run finished (the pod deleted as the runner exits) must
        // still end the JVM with the run's code, not the JVM's 143; stop() answers with it then.
        Thread onSigterm = new Thread(() -> {
            int code = runner.stop(SIGTERM_GRACE);
            logs.flush();
            // The runner's code (0 after a recorded cancellation), not the JVM's 143 for SIGTERM; and at once: the
            // migration threads must not go on (the next pod resumes from the checkpoint).
            Runtime.getRuntime().halt(code);
        }, "transmog-sigterm");
        Runtime.getRuntime().addShutdownHook(onSigterm);
        Optional<RunnerMetrics> metrics = RunnerMetrics.serve(System.getenv(), target.namespace(), target.name(),
                runner::snapshot);
        int code = runner.run();
        metrics.ifPresent(RunnerMetrics::close);
        client.close();
        logs.flush();
        return code;
    }

    /**
     * One line per record on the given stream, every line redacted: the runner's log carries no credential even if
     * a library message quoted one. Replaces whatever handlers the root logger had (Quarkus' delayed handler, which
     * only an application boot would flush).
     */
    static final class LogSetup {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withZone(ZoneOffset.UTC);
        private final Handler handler;
        private volatile Redactor redactor = Redactor.none();

        private LogSetup(PrintStream out) {
            Formatter formatter = new Formatter() {
                @Override
                public String format(LogRecord record) {
                    StringBuilder line = new StringBuilder(160)
                            .append(TIME.format(Instant.ofEpochMilli(record.getMillis()))).append(' ')
                            .append(String.format("%-5s", level(record.getLevel()))).append(" [")
                            .append(shortName(record.getLoggerName())).append("] ")
                            .append(record instanceof ExtLogRecord ext ? ext.getFormattedMessage()
                                    : formatMessage(record));
                    if (record.getThrown() != null) {
                        line.append(": ").append(record.getThrown());
                    }
                    return redactor.apply(line.toString()) + System.lineSeparator();
                }
            };
            handler = new Handler() {
                @Override
                public synchronized void publish(LogRecord record) {
                    if (isLoggable(record)) {
                        out.print(getFormatter().format(record));
                        out.flush();
                    }
                }

                @Override
                public void flush() {
                    out.flush();
                }

                @Override
                public void close() {
                    out.flush();
                }
            };
            handler.setFormatter(formatter);
            handler.setLevel(Level.INFO);
        }

        static LogSetup install(PrintStream out) {
            LogSetup setup = new LogSetup(out);
            java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            root.addHandler(setup.handler);
            root.setLevel(Level.INFO);
            // The client's informer and HTTP layers are chatty at INFO about reconnects that need no action.
            java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.informers").setLevel(Level.WARNING);
            java.util.logging.Logger.getLogger("io.vertx").setLevel(Level.WARNING);
            java.util.logging.Logger.getLogger("io.netty").setLevel(Level.WARNING);
            // "unstable version v1alpha1": the runner knows which version it uses.
            java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils")
                    .setLevel(Level.SEVERE);
            return setup;
        }

        void redactWith(Redactor redactor) {
            this.redactor = redactor;
        }

        void flush() {
            handler.flush();
        }

        private static String level(Level level) {
            if (level.intValue() >= Level.SEVERE.intValue()) {
                return "ERROR";
            }
            if (level.intValue() >= Level.WARNING.intValue()) {
                return "WARN";
            }
            if (level.intValue() >= Level.INFO.intValue()) {
                return "INFO";
            }
            return "DEBUG";
        }

        private static String shortName(String logger) {
            if (logger == null) {
                return "";
            }
            int dot = logger.lastIndexOf('.');
            return dot < 0 ? logger : logger.substring(dot + 1);
        }
    }
}
