package io.transmog.operator.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.testdb.MariaDbServer;

/**
 * The steps of {@code make demo} that are load and checks, so that the demo and EndToEndIT share them
 * (scripts/demo.sh keeps the narration, the cluster and the kubectl commands). Each step is one run of this class:
 * <pre>
 *   prepare ROWS                              shop.customers with ROWS rows; a migration account, whose name and
 *                                             password go to WORK/migrator.user and WORK/migrator.password (0600)
 *   load PHASE WRITERS PAUSE_MS ROWS          the writers, until SIGTERM (or until the demo's shell is gone); a
 *                                             progress line a second; WORK/load-pPHASE.json when stopped
 *   await TIMEOUT_S PHASE...                  until the SchemaMigration is in one of the phases, and prints it; exit
 *                                             1 with what the cluster shows when it ends otherwise or does not come
 *   paused-holds-still SECONDS LOAD_PHASE     check: paused, the ghost holds still while the writers go on
 *   compare-ghost                             check: the ghost equals the original row for row
 *   after-cut-over ROWS APPROVED SUCCEEDED [LOG...]
 *                                             the checks of AfterCutOver (times: epoch seconds) and the figures
 *   verdict                                   how many checks passed; exit 1 if any failed
 * </pre>
 * Checks are printed and appended to WORK/checks.tsv. System properties (set by demo.sh): {@code demo.work},
 * {@code demo.db.host}, {@code demo.db.port}, {@code demo.db.user}, {@code demo.db.passwordFile} (an account with
 * all privileges, the writers' and the checks'), {@code demo.kubeconfig}, {@code demo.namespace}, {@code demo.name}.
 * Secrets come only from files, never from arguments.
 */
public final class DemoSteps {
    private static final boolean COLOR = System.console() != null;

    private final Path work = Path.of(property("demo.work"));

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: DemoSteps prepare|load|await|paused-holds-still|compare-ghost|after-cut-over|verdict ...");
            System.exit(2);
        }
        try {
            int code = new DemoSteps().run(args[0], Arrays.asList(args).subList(1, args.length));
            System.exit(code);
        } catch (AssertionError | RuntimeException | IOException e) {
            System.err.println(e.getMessage() == null ? e.toString() : e.getMessage());
            System.exit(1);
        }
    }

    private int run(String step, List<String> args) throws IOException {
        switch (step) {
            case "prepare" -> prepare(Long.parseLong(args.get(0)));
            case "load" -> load(Integer.parseInt(args.get(0)), Integer.parseInt(args.get(1)),
                    Duration.ofMillis(Long.parseLong(args.get(2))), Long.parseLong(args.get(3)));
            case "await" -> {
                try (KubernetesClient client = kubernetes()) {
                    SchemaMigration m = cluster(client).awaitPhase(Duration.ofSeconds(Long.parseLong(args.get(0))),
                            args.subList(1, args.size()).stream().map(Phase::valueOf).toArray(Phase[]::new));
                    System.out.println(m.getStatus().getPhase());
                }
            }
            case "paused-holds-still" -> {
                try (KubernetesClient client = kubernetes()) {
                    record(cluster(client).pausedHoldsStill(shop(), Integer.parseInt(args.get(1)),
                            Duration.ofSeconds(Long.parseLong(args.get(0)))));
                }
            }
            case "compare-ghost" -> record(new DataChecks(shop()).ghostEqualsOriginal());
            case "after-cut-over" -> afterCutOver(Long.parseLong(args.get(0)), epoch(args.get(1)), epoch(args.get(2)),
                    args.subList(3, args.size()).stream().map(Path::of).toList());
            case "verdict" -> {
                return verdict();
            }
            default -> throw new IllegalArgumentException("unknown step " + step);
        }
        return 0;
    }

    private void prepare(long rows) throws IOException {
        ShopDatabase shop = shop();
        shop.create(rows);
        // The demo's pods run on this machine's network: the account is for 127.0.0.1 only.
        ShopDatabase.Account migrator = shop.createMigrator("127.0.0.1");
        writePrivate(work.resolve("migrator.user"), migrator.user());
        writePrivate(work.resolve("migrator.password"), migrator.password());
    }

    /**
     * Runs the writers until this JVM is told to stop (SIGTERM: its shutdown hook stops them after their current
     * batch and writes the report) or the demo's shell that started it is gone.
     */
    private void load(int phase, int writers, Duration pause, long rows) {
        CustomersLoad load = CustomersLoad.start(shop().server(), phase, writers, pause, rows);
        Path report = work.resolve("load-p" + phase + ".json");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LoadReport done = load.stop();
            done.write(report);
            System.out.printf(Locale.ROOT, "load p%d: stopped after %,d batches, %d errors%n", phase, done.batches(),
                    done.errors().size());
        }, "load-report"));
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        while (ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false)) {
            ClusterChecks.sleep(Duration.ofSeconds(1));
            System.out.printf(Locale.ROOT, "load p%d: %,d batches, %d errors%n", phase, load.batches(), load.errors());
        }
        System.exit(1);
    }

    private void afterCutOver(long rows, Instant approved, Instant succeeded, List<Path> logFiles) throws IOException {
        try (KubernetesClient client = kubernetes()) {
            ClusterChecks cluster = cluster(client);
            SchemaMigration done = cluster.settled();
            List<String> secrets = List.of(Files.readString(work.resolve("migrator.user")).strip(),
                    Files.readString(work.resolve("migrator.password")).strip());
            AfterCutOver after = new AfterCutOver(done, rows, LoadReport.read(work.resolve("load-p1.json")),
                    LoadReport.read(work.resolve("load-p2.json")), approved, succeeded, secrets, logFiles);
            for (Check check : after.checks(new DataChecks(shop()), cluster)) {
                record(check);
            }
            after.figures().forEach(line -> System.out.println("   " + line));
        }
    }

    private int verdict() throws IOException {
        List<Check> checks = Files.readAllLines(checksFile()).stream().map(Check::parse).toList();
        long failed = checks.stream().filter(c -> !c.passed()).count();
        System.out.printf("   checks:    %d passed, %d failed%n", checks.size() - failed, failed);
        checks.stream().filter(c -> !c.passed()).forEach(c -> System.out.println("   " + paint(c)));
        return failed == 0 && !checks.isEmpty() ? 0 : 1;
    }

    private void record(Check check) throws IOException {
        System.out.println("   " + paint(check));
        Files.writeString(checksFile(), check.line() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static String paint(Check check) {
        String verdict = check.passed() ? "PASS" : "FAIL";
        return (COLOR ? (check.passed() ? "\033[32m" : "\033[31m") + verdict + "\033[0m" : verdict) + " "
                + check.description();
    }

    private Path checksFile() {
        return work.resolve("checks.tsv");
    }

    private static ShopDatabase shop() {
        try {
            String password = Files.readString(Path.of(property("demo.db.passwordFile"))).strip();
            return new ShopDatabase(MariaDbServer.external(property("demo.db.host"),
                    Integer.parseInt(property("demo.db.port")), property("demo.db.user"), password));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KubernetesClient kubernetes() throws IOException {
        Config config = Config.fromKubeconfig(Files.readString(Path.of(property("demo.kubeconfig"))));
        // Two loaded cores: the first TLS handshake alone has taken longer than the client's 10 s default.
        config.setConnectionTimeout(60_000);
        config.setRequestTimeout(60_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static ClusterChecks cluster(KubernetesClient client) {
        return new ClusterChecks(client, property("demo.namespace"), property("demo.name"));
    }

    /** Seconds since the epoch as bash's $EPOCHREALTIME gives them ("1732812345.123456"). */
    private static Instant epoch(String seconds) {
        BigDecimal micros = new BigDecimal(seconds).movePointRight(6);
        return Instant.EPOCH.plus(Duration.ofNanos(micros.longValue() * 1000));
    }

    private static void writePrivate(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text);
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set (scripts/demo.sh sets it)");
        }
        return value;
    }
}
