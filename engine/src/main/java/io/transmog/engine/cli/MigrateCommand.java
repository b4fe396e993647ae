package io.transmog.engine.cli;

import io.transmog.engine.Controls;
import io.transmog.engine.DaemonThreads;
import io.transmog.engine.MigrationConfig;
import io.transmog.engine.MigrationException;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Migrator;
import io.transmog.engine.Phase;
import io.transmog.engine.StatusTracker;
import io.transmog.engine.control.ControlCommands;
import io.transmog.engine.control.ControlServer;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.TlsSettings;
import io.transmog.engine.hooks.HooksConfig;
import io.transmog.engine.throttle.LoadThresholds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** {@code transmog migrate}: one online migration, with gh-ost's option names. */
@Command(name = "migrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs an online schema change the way gh-ost does: ghost table, binlog stream, chunked copy, atomic cut-over.",
                "Without --execute it is a dry run: it validates, prints the plan and changes nothing.",
                "The password comes from --password-file or the environment variable TRANSMOG_PASSWORD."})
public final class MigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "MySQL host (default: ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--port", defaultValue = "3306", description = "MySQL port (default: ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--user", description = "MySQL user (default: $TRANSMOG_USER)")
    String user;
    @Option(names = "--password", description = "MySQL password; visible in ps and shell history: prefer --password-file or TRANSMOG_PASSWORD")
    String password;
    @Option(names = "--password-file", description = "file holding the MySQL password")
    Path passwordFile;
    @Option(names = "--allow-public-key-retrieval",
            description = "without TLS, let the driver fetch the server's RSA public key to encrypt the password "
                    + "(caching_sha2_password, MySQL 8+); whoever can intercept the connection can then read the password")
    boolean allowPublicKeyRetrieval;
    @Option(names = "--ssl", description = "TLS on every connection (JDBC, binlog stream, replicas), verifying the server's"
            + " certificate against --ssl-ca or the JVM's trust store")
    boolean ssl;
    @Option(names = "--ssl-ca", description = "PEM file of the CA that signed the server's certificate")
    Path sslCa;
    @Option(names = "--ssl-cert", description = "PEM file of a client certificate (with --ssl-key)")
    Path sslCert;
    @Option(names = "--ssl-key", description = "PEM file of the client certificate's unencrypted PKCS#8 key")
    Path sslKey;
    @Option(names = "--ssl-allow-insecure", description = "TLS without verifying the server's certificate")
    boolean sslAllowInsecure;
    @Option(names = "--ssl-verify-identity", description = "with TLS, also require the certificate to name the host connected to")
    boolean sslVerifyIdentity;
    @Option(names = "--database", required = true, description = "schema of the table")
    String database;
    @Option(names = "--table", required = true, description = "table to migrate")
    String table;
    @Option(names = "--alter", required = true, description = "alter clauses, e.g. \"ADD COLUMN c INT NOT NULL DEFAULT 0\"")
    String alter;
    @Option(names = "--execute", description = "actually migrate (without it: dry run)")
    boolean execute;
    @Option(names = "--approve-renamed-columns", description = "confirm that CHANGE/RENAME COLUMN renames move values to the new name")
    boolean approveRenamedColumns;

    @Option(names = "--chunk-size", defaultValue = "1000", description = "rows per copy chunk; given alone, every chunk"
            + " has this size, as in gh-ost; otherwise the first chunk's, and the copy sizes the next ones to --chunk-time-millis"
            + " (default: ${DEFAULT-VALUE})")
    int chunkSize;
    @Option(names = "--chunk-time-millis", description = "size copy chunks so that each takes about this long, from"
            + " --chunk-size on (0: every chunk has --chunk-size rows); default " + Controls.DEFAULT_CHUNK_TIME_MILLIS
            + ", or 0 when --chunk-size is given; live")
    Integer chunkTimeMillis;
    @Option(names = "--dml-batch-size", defaultValue = "100", description = "changed keys re-synced per transaction (default: ${DEFAULT-VALUE})")
    int dmlBatchSize;
    @Option(names = "--copy-threads", defaultValue = "2",
            description = "chunks copied at most at once, each on its own connection; transmog measures whether one at a time copies faster and then uses one; 1 copies one after the other as gh-ost does; live (default: ${DEFAULT-VALUE})")
    int copyThreads;
    @Option(names = "--nice-ratio", defaultValue = "0", description = "sleep this many times each chunk's copy time after it (default: ${DEFAULT-VALUE})")
    double niceRatio;
    @Option(names = "--skip-checksum", description = "cut over without comparing checksums of original and ghost first")
    boolean skipChecksum;

    @Option(names = "--skip-mapping-check", description = "do not compare, before copying, the engine's conversion of sample"
            + " rows with the server's own ALTER on a temporary copy of them (the check costs well under a second)")
    boolean skipMappingCheck;

    @Option(names = "--discard-foreign-keys", description = "migrate a table that has foreign keys of its own (a child"
            + " table): the new table has none of them (gh-ost's flag); tables other tables reference stay refused")
    boolean discardForeignKeys;

    @Option(names = "--analyze-ghost-table-before-cutover", description = "ANALYZE TABLE the ghost before the cut-over,"
            + " so the new table starts with fresh index statistics")
    boolean analyzeGhostTableBeforeCutOver;

    @Option(names = "--allow-zero-in-date", description = "let zero dates ('0000-00-00', '2020-00-15') through although the"
            + " server's sql_mode (NO_ZERO_DATE, NO_ZERO_IN_DATE) rejects them, in the ghost's definition and the copied rows")
    boolean allowZeroInDate;

    @Option(names = "--gtid", description = "position the binlog stream and its checkpoints by GTID set (MySQL"
            + " gtid_executed, MariaDB gtid_binlog_pos) instead of file and offset")
    boolean gtid;

    @Option(names = "--include-triggers", description = "migrate a table that has triggers: they are created on the new"
            + " table at the cut-over (so each write fires them once) and keep their names")
    boolean includeTriggers;

    @Option(names = "--trigger-suffix", defaultValue = "_ght", description = "suffix of the triggers' names on the ghost"
            + " table between their creation at the cut-over and the swap (default: ${DEFAULT-VALUE})")
    String triggerSuffix;

    @Option(names = "--remove-trigger-suffix-if-exists", description = "accepted for gh-ost compatibility: transmog's"
            + " triggers keep their own names after the swap, so no suffix is left to remove")
    boolean removeTriggerSuffixIfExists;

    @Option(names = "--panic-on-warnings", description = "accepted for gh-ost compatibility: transmog always stops a"
            + " migration on any warning of a copy or apply statement (a truncated or converted value is lost data)")
    boolean panicOnWarnings;
    @Option(names = "--exact-rowcount", description = "count rows with SELECT COUNT(*) for exact progress")
    boolean exactRowCount;

    @Option(names = "--max-lag-millis", defaultValue = "1500", description = "throttle above this stream or replica lag (default: ${DEFAULT-VALUE})")
    long maxLagMillis;
    @Option(names = "--throttle-control-replicas", split = ",", description = "replicas (host[:port]) whose lag throttles the migration")
    List<String> throttleControlReplicas = new ArrayList<>();
    @Option(names = "--max-load", description = "throttle at these global status levels, e.g. Threads_running=25")
    String maxLoad;
    @Option(names = "--critical-load", description = "abort at these global status levels, e.g. Threads_running=1000")
    String criticalLoad;
    @Option(names = "--critical-load-hibernate-seconds", defaultValue = "0",
            description = "on critical load, pause all copying and applying this long, then check again, instead of aborting (default: ${DEFAULT-VALUE}: abort)")
    long criticalLoadHibernateSeconds;
    @Option(names = "--throttle-query", description = "a SELECT checked once a second on the server; throttle while it returns a value > 0")
    String throttleQuery;
    @Option(names = "--heartbeat-interval-millis", defaultValue = "100", description = "heartbeat interval (default: ${DEFAULT-VALUE})")
    long heartbeatIntervalMillis;
    @Option(names = "--throttle-flag-file", description = "throttle while this file exists")
    Path throttleFlagFile;
    @Option(names = "--throttle-additional-flag-file", defaultValue = "/tmp/gh-ost.throttle",
            description = "throttle while this file exists; shared by migrations (default: ${DEFAULT-VALUE})")
    Path throttleAdditionalFlagFile;
    @Option(names = "--panic-flag-file", description = "abort and clean up as soon as this file exists")
    Path panicFlagFile;
    @Option(names = "--postpone-cut-over-flag-file", description = "keep the migration in AwaitingCutOver while this file exists")
    Path postponeCutOverFlagFile;

    @Option(names = "--cut-over-lock-timeout-seconds", defaultValue = "3", description = "max time writes may be blocked per cut-over attempt (default: ${DEFAULT-VALUE})")
    int cutOverLockTimeoutSeconds;
    @Option(names = "--default-retries", defaultValue = "60", description = "cut-over attempts before giving up (default: ${DEFAULT-VALUE})")
    int defaultRetries;
    @Option(names = "--initially-drop-ghost-table", description = "drop a ghost/changelog table left by an earlier run")
    boolean initiallyDropGhostTable;
    @Option(names = "--initially-drop-old-table", description = "drop an old _<table>_del table left by an earlier run")
    boolean initiallyDropOldTable;
    @Option(names = "--ok-to-drop-table", description = "drop the old table after the cut-over instead of keeping it as _<table>_del")
    boolean okToDropTable;
    @Option(names = "--replica-server-id", defaultValue = "0", description = "server_id of the binlog client (default: random)")
    long replicaServerId;

    @Option(names = "--serve-socket-file", description = "serve interactive commands (status, throttle, chunk-size=N, panic, help, ...) on this unix socket")
    Path serveSocketFile;
    @Option(names = "--serve-tcp-port", description = "serve interactive commands on this TCP port of 127.0.0.1")
    Integer serveTcpPort;

    @Option(names = "--hooks-path", description = "directory of gh-ost hook files (gh-ost-on-startup*, gh-ost-on-before-cut-over*,"
            + " ...): each executable file whose name starts with a hook's name runs at that point, in name order")
    Path hooksPath;
    @Option(names = "--hooks-hint", description = "passed to every hook as GH_OST_HOOKS_HINT")
    String hooksHint;
    @Option(names = "--hooks-hint-owner", description = "passed to every hook as GH_OST_HOOKS_HINT_OWNER")
    String hooksHintOwner;
    @Option(names = "--hooks-hint-token", description = "passed to every hook as GH_OST_HOOKS_HINT_TOKEN")
    String hooksHintToken;
    @Option(names = "--hooks-status-interval", defaultValue = "60",
            description = "seconds between two runs of the gh-ost-on-status hooks (default: ${DEFAULT-VALUE})")
    int hooksStatusInterval;
    @Option(names = "--hooks-timeout-seconds", defaultValue = "60",
            description = "a hook still running after this long is killed and counts as failed (default: ${DEFAULT-VALUE})")
    int hooksTimeoutSeconds;

    @Option(names = "--status-json", description = "print one JSON status object per line on stdout")
    boolean statusJson;
    @Option(names = "--status-interval-seconds", defaultValue = "5", description = "seconds between status lines (default: ${DEFAULT-VALUE})")
    int statusIntervalSeconds;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        MigrationConfig config;
        Controls controls;
        try {
            config = config(err);
            controls = new Controls(chunkSize, niceRatio, maxLagMillis,
                    LoadThresholds.parse("--max-load", maxLoad), LoadThresholds.parse("--critical-load", criticalLoad));
            controls.setCriticalLoadHibernateSeconds(criticalLoadHibernateSeconds);
            controls.setThrottleQuery(throttleQuery);
            controls.setCopyThreads(copyThreads);
            controls.setChunkTimeMillis(Controls.initialChunkTimeMillis(chunkTimeMillis,
                    spec.commandLine().getParseResult().hasMatchedOption("--chunk-size")));
        } catch (MigrationException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        StatusTracker status = new StatusTracker(table);
        Migrator migrator = new Migrator(config, controls, status);
        ControlServer controlServer = null;
        if (serveSocketFile != null || serveTcpPort != null) {
            try {
                controlServer = ControlServer.start(new ControlCommands(controls, status::snapshot, database, table,
                        postponeCutOverFlagFile).afterCommand(migrator::interactiveCommand), serveSocketFile, serveTcpPort);
            } catch (IOException e) {
                err.println("error: " + e.getMessage());
                return 2;
            }
        }
        StatusPrinter printer = new StatusPrinter(out, status);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("transmog-status"));
        if (statusJson) {
            status.addListener(phaseChange -> printer.printNow());
            ticker.scheduleAtFixedRate(printer::printNow, statusIntervalSeconds, statusIntervalSeconds, TimeUnit.SECONDS);
        }
        CountDownLatch finished = new CountDownLatch(1);
        Thread cancelOnSigterm = new Thread(() -> {
            controls.cancel("SIGTERM received");
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "transmog-sigterm");
        Runtime.getRuntime().addShutdownHook(cancelOnSigterm);
        try {
            MigrationStatus result = migrator.run();
            ticker.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(cancelOnSigterm);
            } catch (IllegalStateException shuttingDown) {
                // SIGTERM arrived: the hook waits for this report, then the JVM exits non-zero
            }
            return report(result, out, err);
        } finally {
            if (controlServer != null) {
                controlServer.close();
            }
            finished.countDown();
        }
    }

    private int report(MigrationStatus result, PrintWriter out, PrintWriter err) {
        if (result.phase() == Phase.Validated && !statusJson) {
            out.println(result.plan());
            out.flush();
        }
        try {
            return exitCode(result, err);
        } finally {
            err.flush();
        }
    }

    private static int exitCode(MigrationStatus result, PrintWriter err) {
        switch (result.phase()) {
            case Validated, Succeeded -> {
                err.println(result.phase() + ": " + result.message());
                return 0;
            }
            case Cancelled -> {
                err.println(result.message());
                return 3;
            }
            default -> {
                err.println("error: " + result.message());
                return 1;
            }
        }
    }

    private MigrationConfig config(PrintWriter err) {
        String resolvedUser = user != null ? user : System.getenv("TRANSMOG_USER");
        if (resolvedUser == null || resolvedUser.isBlank()) {
            throw new MigrationException("no MySQL user: pass --user or set TRANSMOG_USER");
        }
        ConnectionConfig connection = new ConnectionConfig(host, port, resolvedUser, password(err), database,
                allowPublicKeyRetrieval, TlsSettings.of(ssl, sslAllowInsecure, sslVerifyIdentity, sslCa, sslCert, sslKey));
        List<ConnectionConfig> replicas = throttleControlReplicas.stream()
                .map(String::trim).filter(s -> !s.isEmpty())
                .map(r -> {
                    int colon = r.lastIndexOf(':');
                    return colon > 0 ? connection.withHost(r.substring(0, colon), parsePort(r.substring(colon + 1)))
                            : connection.withHost(r, port);
                }).toList();
        return MigrationConfig.builder(connection, table, alter)
                .execute(execute)
                .approveRenamedColumns(approveRenamedColumns)
                .exactRowCount(exactRowCount)
                .skipChecksum(skipChecksum)
                .skipMappingCheck(skipMappingCheck)
                .discardForeignKeys(discardForeignKeys)
                .analyzeGhostTableBeforeCutOver(analyzeGhostTableBeforeCutOver)
                .includeTriggers(includeTriggers)
                .allowZeroInDate(allowZeroInDate)
                .gtid(gtid)
                .triggerSuffix(triggerSuffix)
                .initiallyDropGhostTable(initiallyDropGhostTable)
                .initiallyDropOldTable(initiallyDropOldTable)
                .okToDropTable(okToDropTable)
                .cutOverLockTimeoutSeconds(cutOverLockTimeoutSeconds)
                .cutOverRetries(defaultRetries)
                .dmlBatchSize(dmlBatchSize)
                .heartbeatIntervalMillis(heartbeatIntervalMillis)
                .binlogServerId(replicaServerId)
                .postponeCutOverFlagFile(postponeCutOverFlagFile)
                .throttleFlagFile(throttleFlagFile)
                .throttleAdditionalFlagFile(throttleAdditionalFlagFile)
                .panicFlagFile(panicFlagFile)
                .replicas(replicas)
                .hooks(hooks())
                .build();
    }

    private HooksConfig hooks() {
        HooksConfig hooks = HooksConfig.none().withTimeoutSeconds(hooksTimeoutSeconds)
                .withStatusIntervalSeconds(hooksStatusInterval).withHints(hooksHint, hooksHintOwner, hooksHintToken);
        if (hooksPath == null) {
            return hooks;
        }
        if (!Files.isDirectory(hooksPath)) {
            throw new MigrationException("--hooks-path " + hooksPath + " is not a directory");
        }
        return hooks.withPath(hooksPath.toAbsolutePath());
    }

    private static int parsePort(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new MigrationException("--throttle-control-replicas: \"" + text + "\" is not a port number");
        }
    }

    private String password(PrintWriter err) {
        if (passwordFile != null) {
            try {
                // Only the line end(s) an editor or `echo` adds: spaces can be part of a password.
                return Files.readString(passwordFile, StandardCharsets.UTF_8).replaceFirst("[\\r\\n]+$", "");
            } catch (IOException e) {
                throw new MigrationException("cannot read --password-file " + passwordFile + ": " + e.getMessage());
            }
        }
        if (password != null) {
            err.println("warning: --password is visible in ps and in shell history; use --password-file or TRANSMOG_PASSWORD");
            return password;
        }
        return System.getenv("TRANSMOG_PASSWORD");
    }
}
