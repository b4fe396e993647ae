package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.transmog.operator.model.Phase;
import io.transmog.operator.reconciler.RunnerJobs;

class ExitCodeTest {

    @Test
    void theCodesAreWhatTheJobsPodFailurePolicyReads() {
        assertThat(ExitCode.OK.code()).isZero();
        assertThat(ExitCode.PERMANENT.code()).isEqualTo(RunnerJobs.EXIT_PERMANENT_FAILURE);
        assertThat(ExitCode.STOPPED.code()).as("128 + SIGTERM, as if killed").isEqualTo(128 + 15);
        assertThat(Arrays.stream(ExitCode.values()).mapToInt(ExitCode::code).distinct().count())
                .isEqualTo(ExitCode.values().length);
    }

    @Test
    void aRecordedOutcomeEndsZeroUnlessItFailedAndAnythingElseIsRetried() {
        assertThat(ExitCode.afterRecording(Phase.Succeeded)).isEqualTo(ExitCode.OK);
        assertThat(ExitCode.afterRecording(Phase.Validated)).isEqualTo(ExitCode.OK);
        assertThat(ExitCode.afterRecording(Phase.Cancelled)).isEqualTo(ExitCode.OK);
        assertThat(ExitCode.afterRecording(Phase.Failed)).as("the Job fails at once").isEqualTo(ExitCode.PERMANENT);
        Arrays.stream(Phase.values()).filter(phase -> !phase.isFinished()).forEach(phase -> assertThat(
                ExitCode.afterRecording(phase)).as(phase.name()).isEqualTo(ExitCode.TRANSIENT));
    }

    @Test
    void onlyAMissingPermissionOfTheApiServerIsPermanent() {
        assertThat(ExitCode.forApiServerError(new KubernetesClientException("Unauthorized", 401, null)))
                .isEqualTo(ExitCode.PERMANENT);
        assertThat(ExitCode.forApiServerError(new KubernetesClientException("forbidden", 403, null)))
                .isEqualTo(ExitCode.PERMANENT);
        assertThat(ExitCode.forApiServerError(new KubernetesClientException("Internal error", 500, null)))
                .isEqualTo(ExitCode.TRANSIENT);
        assertThat(ExitCode.forApiServerError(new KubernetesClientException("connect timed out")))
                .as("no HTTP answer at all").isEqualTo(ExitCode.TRANSIENT);
        assertThat(ExitCode.forApiServerError(new IllegalStateException("informer failed")))
                .isEqualTo(ExitCode.TRANSIENT);
    }
}
