package io.transmog.engine.hooks;

import io.transmog.engine.DaemonThreads;
import io.transmog.engine.MigrationConfig;
import io.transmog.engine.MigrationException;
import io.transmog.engine.StatusTracker;
import io.transmog.engine.sql.TableNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The hook points of one migration: the {@code GH_OST_*} environment from its live status, and the threads hooks
 * run on. The migration loop never runs a hook on its own thread: it waits for it while it keeps doing what must
 * not stop (applying the binlog's changes, noticing a cancel), see {@link #run}. The on-status hooks run on a timer
 * of their own and the on-interactive-command hooks on a queue of their own, so neither holds anything up. Without
 * {@code --hooks-path} all of this does nothing and starts no thread.
 */
public final class MigrationHooks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationHooks.class);
    private static final long WAIT_SLICE_MILLIS = 50;

    /** What the migration keeps doing while a hook runs; throwing stops waiting and kills the hook. */
    @FunctionalInterface
    public interface WhileRunning {
        void tick() throws Exception;
    }

    private final Hooks hooks;
    private final StatusTracker status;
    private final HooksConfig config;
    private final HookEnvironment environment;
    private final long startedNanos = System.nanoTime();
    private ExecutorService runner;
    private ScheduledExecutorService statusTimer;
    private ExecutorService commands;

    private MigrationHooks(Hooks hooks, StatusTracker status, HooksConfig config, HookEnvironment environment) {
        this.hooks = hooks;
        this.status = status;
        this.config = config;
        this.environment = environment;
    }

    public static MigrationHooks of(MigrationConfig config, StatusTracker status) {
        HooksConfig hooksConfig = config.hooks();
        TableNames names = TableNames.of(config.connection().database(), config.table());
        HookEnvironment environment = new HookEnvironment(names, config.alter(), !config.execute(),
                config.connection().host(), hooksConfig.enabled() ? executingHost() : "", hooksConfig);
        return new MigrationHooks(new Hooks(hooksConfig, status.table()), status, hooksConfig, environment);
    }

    /**
     * Runs {@code hook}'s files on the hook thread, calling {@code whileRunning} about every 50 ms until they are
     * done. Returns the failure, if any; the caller decides what it means (see {@link Hook#gate()}).
     */
    public Optional<HookFailure> run(Hook hook, Map<String, String> extra, WhileRunning whileRunning) throws Exception {
        if (!hooks.enabled()) {
            return Optional.empty();
        }
        Future<Optional<HookFailure>> running = runner().submit(() -> runNow(hook, extra));
        try {
            while (true) {
                try {
                    return running.get(WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    whileRunning.tick();
                }
            }
        } catch (ExecutionException e) {
            throw new MigrationException(hook.shortName() + " hook: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            running.cancel(true);
            throw e;
        }
    }

    /** Runs a notification's files; a failure is logged (by {@link Hooks}) and otherwise ignored. */
    public void runNotification(Hook hook, Map<String, String> extra) {
        try {
            run(hook, extra, () -> { });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("table={} phase={} {} hooks: {}", status.table(), status.phase(), hook.shortName(), e.getMessage());
        }
    }

    /** gh-ost's on-status, every {@code --hooks-status-interval} seconds from now until {@link #stopStatusReports()}. */
    public synchronized void startStatusReports() {
        if (!hooks.enabled() || statusTimer != null) {
            return;
        }
        statusTimer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("transmog-hooks-status"));
        long interval = config.statusIntervalSeconds();
        // Fixed delay: a slow status hook postpones the next one instead of piling runs up.
        statusTimer.scheduleWithFixedDelay(() -> {
            try {
                runNow(Hook.STATUS, Map.of("GH_OST_STATUS", HookEnvironment.quoted(status.snapshot().summary((long) elapsedSeconds()))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("table={} phase={} status hooks: {}", status.table(), status.phase(), e.toString());
            }
        }, interval, interval, TimeUnit.SECONDS);
    }

    /** No new on-status run; one under way finishes (or times out) by itself. */
    public synchronized void stopStatusReports() {
        if (statusTimer != null) {
            statusTimer.shutdown();
        }
    }

    /**
     * gh-ost's on-interactive-command, with {@code GH_OST_COMMAND} the command's name (without its argument), queued
     * behind earlier ones: the command itself has been answered already, a hook can neither delay nor refuse it.
     */
    public synchronized void interactiveCommand(String command) {
        if (!hooks.enabled() || command == null || command.isBlank()) {
            return;
        }
        if (commands == null) {
            commands = Executors.newSingleThreadExecutor(DaemonThreads.named("transmog-hooks-command"));
        }
        try {
            commands.execute(() -> {
                try {
                    runNow(Hook.INTERACTIVE_COMMAND, Map.of("GH_OST_COMMAND", HookEnvironment.quoted(command)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        } catch (RejectedExecutionException migrationOver) {
            // the migration has ended: no more hooks
        }
    }

    @Override
    public synchronized void close() {
        stopStatusReports();
        if (commands != null) {
            commands.shutdown();
        }
        if (runner != null) {
            runner.shutdownNow();
        }
    }

    private Optional<HookFailure> runNow(Hook hook, Map<String, String> extra) throws InterruptedException {
        Map<String, String> variables = new LinkedHashMap<>(environment.variables(status.snapshot(), elapsedSeconds(),
                status.copySeconds()));
        variables.putAll(extra);
        return hooks.run(hook, status.phase().name(), variables);
    }

    private synchronized ExecutorService runner() {
        if (runner == null) {
            runner = Executors.newSingleThreadExecutor(DaemonThreads.named("transmog-hooks"));
        }
        return runner;
    }

    private double elapsedSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static String executingHost() {
        String fromEnvironment = System.getenv("HOSTNAME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
