package io.transmog.engine.hooks;

import io.transmog.engine.MigrationException;

import java.nio.file.Path;
import java.util.Optional;

/**
 * gh-ost's hook options: {@code --hooks-path} (no hooks without it), {@code --hooks-hint}, {@code --hooks-hint-owner},
 * {@code --hooks-hint-token} (passed to every hook), {@code --hooks-status-interval} (seconds between two runs of
 * the on-status hooks), and transmog's {@code --hooks-timeout-seconds}: a hook still running after it is killed and
 * counts as failed.
 */
public record HooksConfig(Optional<Path> path, int timeoutSeconds, int statusIntervalSeconds, String hint,
                          String hintOwner, String hintToken) {
    public static final int DEFAULT_TIMEOUT_SECONDS = 60;
    /** gh-ost's default. */
    public static final int DEFAULT_STATUS_INTERVAL_SECONDS = 60;

    public HooksConfig {
        if (timeoutSeconds < 1) {
            throw new MigrationException("--hooks-timeout-seconds must be at least 1, got " + timeoutSeconds);
        }
        if (statusIntervalSeconds < 1) {
            throw new MigrationException("--hooks-status-interval must be at least 1 second, got " + statusIntervalSeconds);
        }
        hint = hint == null ? "" : hint;
        hintOwner = hintOwner == null ? "" : hintOwner;
        hintToken = hintToken == null ? "" : hintToken;
    }

    public static HooksConfig none() {
        return new HooksConfig(Optional.empty(), DEFAULT_TIMEOUT_SECONDS, DEFAULT_STATUS_INTERVAL_SECONDS, "", "", "");
    }

    /** Hooks from {@code directory} with the default timeout and status interval and no hints. */
    public static HooksConfig at(Path directory) {
        return none().withPath(directory);
    }

    public HooksConfig withPath(Path directory) {
        return new HooksConfig(Optional.of(directory), timeoutSeconds, statusIntervalSeconds, hint, hintOwner, hintToken);
    }

    public HooksConfig withTimeoutSeconds(int seconds) {
        return new HooksConfig(path, seconds, statusIntervalSeconds, hint, hintOwner, hintToken);
    }

    public HooksConfig withStatusIntervalSeconds(int seconds) {
        return new HooksConfig(path, timeoutSeconds, seconds, hint, hintOwner, hintToken);
    }

    public HooksConfig withHints(String message, String owner, String token) {
        return new HooksConfig(path, timeoutSeconds, statusIntervalSeconds, message, owner, token);
    }

    public boolean enabled() {
        return path.isPresent();
    }
}
