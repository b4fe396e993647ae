package io.transmog.engine.support;

import io.transmog.testdb.MariaDbServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/**
 * {@code transmog migrate} as a separate JVM, as an operator or a pod runs it: real
 * signals, its own heap limit. The password goes through the environment, never argv.
 */
public final class CliProcess implements AutoCloseable {
    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final Path stderr;
    private final Thread reader;

    private CliProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    stdout.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "cli-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    public static CliProcess migrate(MariaDbServer server, String database, List<String> jvmOptions, String... arguments)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.transmog.engine.cli.TransmogCli", "migrate",
                "--host", server.host(), "--port", Integer.toString(server.port()), "--user", server.user(),
                "--database", database));
        command.addAll(List.of(arguments));
        Path stderr = Files.createTempFile("transmog-cli", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        builder.environment().put("TRANSMOG_PASSWORD", server.password());
        return new CliProcess(builder.start(), stderr);
    }

    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    public String stderr() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    public void awaitStdoutLine(Predicate<String> condition, long timeoutSeconds) {
        await().atMost(timeoutSeconds, TimeUnit.SECONDS).until(() -> {
            if (!process.isAlive() && stdout.stream().noneMatch(condition)) {
                throw new AssertionError("transmog exited with " + process.exitValue() + " first: " + stderr());
            }
            return stdout.stream().anyMatch(condition);
        });
    }

    /**
     * SIGTERM, as kubelet and `kill` send it. Through the ProcessHandle: Process.destroy()
     * would also close our end of its stdout and lose what it prints while shutting down.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** SIGKILL: no shutdown hook, no cleanup, as a crashed node or an OOM kill. */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    public int waitFor(long timeoutSeconds) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("transmog did not exit within " + timeoutSeconds + " s");
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        Files.deleteIfExists(stderr);
    }
}
