package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HooksSpec {

    @Required
    @JsonPropertyDescription("ConfigMap whose keys are gh-ost hook files (gh-ost-on-startup, "
            + "gh-ost-on-before-cut-over-check, ...): mounted read-only and executable into the runner pod, which "
            + "runs them as gh-ost runs the files of --hooks-path. Edits of the ConfigMap reach a running pod.")
    private ConfigMapReference configMapRef;

    @Default("60")
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("A hook still running after this many seconds is killed and counts as failed "
            + "(transmog --hooks-timeout-seconds).")
    private Integer timeoutSeconds;

    @Default("60")
    @Min(1)
    @Max(86400)
    @JsonPropertyDescription("Seconds between two runs of the gh-ost-on-status hooks (gh-ost --hooks-status-interval).")
    private Integer statusIntervalSeconds;

    public ConfigMapReference getConfigMapRef() {
        return configMapRef;
    }

    public void setConfigMapRef(ConfigMapReference configMapRef) {
        this.configMapRef = configMapRef;
    }

    public Integer getTimeoutSeconds() {
        return timeoutSeconds;
    }

    public void setTimeoutSeconds(Integer timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
    }

    public Integer getStatusIntervalSeconds() {
        return statusIntervalSeconds;
    }

    public void setStatusIntervalSeconds(Integer statusIntervalSeconds) {
        this.statusIntervalSeconds = statusIntervalSeconds;
    }
}
