package io.transmog.operator.runner;

import io.transmog.operator.model.Phase;
import io.transmog.operator.reconciler.RunnerJobs;

/**
 * The runner process's exit codes, as the Job's pod failure policy reads them ({@link RunnerJobs}): a permanent
 * failure fails the Job at once, any other non-zero code makes the Job start a new pod, which resumes.
 */
public enum ExitCode {
    /** Succeeded, Validated or Cancelled was recorded, or there was nothing to do. */
    OK(0),
    /** The API server could not be used, or the runner failed unexpectedly: worth another pod. */
    TRANSIENT(1),
    /** Failed was recorded, or only a change by the user (spec, RBAC, arguments) can help. */
    PERMANENT(RunnerJobs.EXIT_PERMANENT_FAILURE),
    /** SIGTERM without the resource being deleted (128 + 15, as if killed): the Job's next pod resumes. */
    STOPPED(143);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** After recording the migration's outcome; a phase that is not finished cannot be an outcome: retry. */
    static ExitCode afterRecording(Phase shown) {
        return switch (shown) {
            case Succeeded, Validated, Cancelled -> OK;
            case Failed -> PERMANENT;
            default -> TRANSIENT;
        };
    }

    /** When the API server refused the runner's request, or could not be reached. */
    static ExitCode forApiServerError(Throwable e) {
        return ApiErrors.isPermissionProblem(e) ? PERMANENT : TRANSIENT;
    }
}
