package io.transmog.engine.hooks;

/** Why one hook file failed: its exit code, its timeout, or why it could not be started. */
public record HookFailure(Hook hook, String file, String reason) {

    static HookFailure exited(Hook hook, String file, int exitCode) {
        return new HookFailure(hook, file, "exited " + exitCode);
    }

    static HookFailure timedOut(Hook hook, String file, int timeoutSeconds) {
        return new HookFailure(hook, file, "did not finish within " + timeoutSeconds + " s (--hooks-timeout-seconds) and"
                + " was killed");
    }

    static HookFailure notStarted(Hook hook, String file, String why) {
        return new HookFailure(hook, file, "could not be started: " + why);
    }

    /** e.g. {@code before-cut-over hook gh-ost-on-before-cut-over-check exited 1}. */
    public String describe() {
        return hook.shortName() + " hook " + file + " " + reason;
    }
}
