package io.transmog.engine.hooks;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the hook files of one hook point, as gh-ost does: every file of the hooks directory whose name starts with
 * the point's prefix ({@code gh-ost-on-startup}, {@code gh-ost-on-startup-notify.sh}, ...), one after the other in
 * name order, each to its end. The directory is read anew each time, so hooks may be added, replaced or removed
 * while a migration runs (a ConfigMap volume is updated in place, for instance).
 *
 * <p>A hook's environment is built from nothing: {@code PATH}, {@code HOME} and the {@code GH_OST_*} variables.
 * Nothing of transmog's own environment is inherited, {@code TRANSMOG_PASSWORD} above all. Its standard output and
 * error go to the log, one log line per output line, prefixed with the table, the phase and the file name. A hook
 * that runs longer than the timeout is killed with everything it started, and counts as failed.
 */
public final class Hooks {
    private static final Logger LOG = LoggerFactory.getLogger(Hooks.class);
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final long OUTPUT_DRAIN_MILLIS = 1_000;

    private final HooksConfig config;
    private final String table;

    public Hooks(HooksConfig config, String table) {
        this.config = config;
        this.table = table;
    }

    public boolean enabled() {
        return config.enabled();
    }

    /**
     * Runs the files of {@code hook} with {@code variables} (the {@code GH_OST_*} ones) in their environment. A
     * gate stops at its first failing file; a notification runs all of them and reports the first failure. Empty
     * when every file succeeded, or when there is none. Interrupted, it kills the running file and throws.
     */
    public Optional<HookFailure> run(Hook hook, String phase, Map<String, String> variables) throws InterruptedException {
        Optional<HookFailure> first = Optional.empty();
        for (Path file : files(hook, phase)) {
            Optional<HookFailure> failure = runFile(hook, file, phase, variables);
            if (failure.isPresent()) {
                LOG.warn("table={} phase={} {}", table, phase, failure.get().describe());
                if (first.isEmpty()) {
                    first = failure;
                }
                if (hook.gate()) {
                    break;
                }
            }
        }
        return first;
    }

    /** The hook's executable files in name order; others that match are named in a warning and skipped. */
    List<Path> files(Hook hook, String phase) {
        if (config.path().isEmpty()) {
            return List.of();
        }
        Path directory = config.path().get();
        List<Path> matching;
        try (Stream<Path> entries = Files.list(directory)) {
            matching = entries.filter(p -> p.getFileName().toString().startsWith(hook.fileNamePrefix()))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            LOG.warn("table={} phase={} cannot list the hooks directory {}: {}; no {} hook runs", table, phase, directory,
                    e.getMessage(), hook.shortName());
            return List.of();
        }
        return matching.stream().filter(file -> {
            if (!Files.isRegularFile(file)) {
                return false;
            }
            if (!Files.isExecutable(file)) {
                LOG.warn("table={} phase={} hook file {} is not executable: skipped (chmod +x it to run it)", table, phase,
                        file.getFileName());
                return false;
            }
            return true;
        }).toList();
    }

    private Optional<HookFailure> runFile(Hook hook, Path file, String phase, Map<String, String> variables)
            throws InterruptedException {
        String name = file.getFileName().toString();
        ProcessBuilder builder = new ProcessBuilder(file.toAbsolutePath().toString()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", orDefault(System.getenv("PATH"), DEFAULT_PATH));
        env.put("HOME", orDefault(System.getenv("HOME"), System.getProperty("user.home")));
        variables.forEach((key, value) -> env.put(key, value.replace('\0', '?')));
        long started = System.nanoTime();
        LOG.info("table={} phase={} running {} hook {}", table, phase, hook.shortName(), name);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return Optional.of(HookFailure.notStarted(hook, name, e.getMessage()));
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // a hook that reads its standard input sees it closed either way
        }
        Thread output = new Thread(() -> logOutput(process, name, phase), "transmog-hook-output");
        output.setDaemon(true);
        output.start();
        try {
            if (!process.waitFor(config.timeoutSeconds(), TimeUnit.SECONDS)) {
                kill(process);
                output.join(OUTPUT_DRAIN_MILLIS);
                return Optional.of(HookFailure.timedOut(hook, name, config.timeoutSeconds()));
            }
        } catch (InterruptedException e) {
            kill(process);
            throw e;
        }
        // Whatever it left running in the background may hold its output open: do not wait for that.
        output.join(OUTPUT_DRAIN_MILLIS);
        int exit = process.exitValue();
        if (exit != 0) {
            return Optional.of(HookFailure.exited(hook, name, exit)); // logged by run()
        }
        LOG.info("table={} phase={} {} hook {} succeeded in {} ms", table, phase, hook.shortName(), name,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return Optional.empty();
    }

    private void logOutput(Process process, String name, String phase) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                // A hook's output must not be able to forge log lines of its own.
                LOG.info("table={} phase={} hook={} | {}", table, phase, name, line.replaceAll("[\\p{Cntrl}&&[^\t]]", "?"));
            }
        } catch (IOException ignored) {
            // the stream closes when the process is killed
        }
    }

    /** The hook and everything it started: a shell script's {@code sleep} would otherwise outlive it. */
    private static void kill(Process process) {
        // The tree first, while the hook is alive to be its root; the hook next, so it starts nothing new.
        List<ProcessHandle> started = process.descendants().toList();
        process.destroyForcibly();
        started.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
