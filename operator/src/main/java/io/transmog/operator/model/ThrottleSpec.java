package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ThrottleSpec {

    // No @Default: that it is unset is what tells the runner to size chunks by time.
    @Min(10)
    @Max(50000)
    @JsonPropertyDescription("Rows copied per chunk (gh-ost --chunk-size). Set without chunkTimeMillis, every chunk has "
            + "this size; otherwise the first chunk has it (1000 when unset) and the runner sizes the next ones to take "
            + "chunkTimeMillis. Live.")
    private Integer chunkSize;

    @Min(0)
    @Max(10000)
    @JsonPropertyDescription("Size copy chunks so that each takes about this many milliseconds (transmog "
            + "--chunk-time-millis; not in gh-ost); 0 keeps every chunk at chunkSize rows. Unset: 50, or 0 when "
            + "chunkSize is set. Live.")
    private Integer chunkTimeMillis;

    @Default("2")
    @Min(1)
    @Max(16)
    @JsonPropertyDescription("Chunks copied at most at once, each in its own transaction on its own connection "
            + "(transmog --copy-threads; not in gh-ost); the runner measures whether one at a time copies faster and "
            + "then uses one. 1 copies them one after the other, as gh-ost does. Live.")
    private Integer copyThreads;

    @Default("1500")
    @Min(100)
    @JsonPropertyDescription("Throttle while a replica lags more than this many milliseconds "
            + "(gh-ost --max-lag-millis). Live.")
    private Integer maxLagMillis;

    @JsonPropertyDescription("Throttle while a status variable exceeds a threshold, e.g. "
            + "`Threads_running=25` (gh-ost --max-load). Live.")
    private String maxLoad;

    @JsonPropertyDescription("Abort the migration when a status variable exceeds a threshold, e.g. "
            + "`Threads_running=1000` (gh-ost --critical-load). Live.")
    private String criticalLoad;

    public Integer getChunkSize() {
        return chunkSize;
    }

    public void setChunkSize(Integer chunkSize) {
        this.chunkSize = chunkSize;
    }

    public Integer getChunkTimeMillis() {
        return chunkTimeMillis;
    }

    public void setChunkTimeMillis(Integer chunkTimeMillis) {
        this.chunkTimeMillis = chunkTimeMillis;
    }

    public Integer getCopyThreads() {
        return copyThreads;
    }

    public void setCopyThreads(Integer copyThreads) {
        this.copyThreads = copyThreads;
    }

    public Integer getMaxLagMillis() {
        return maxLagMillis;
    }

    public void setMaxLagMillis(Integer maxLagMillis) {
        this.maxLagMillis = maxLagMillis;
    }

    public String getMaxLoad() {
        return maxLoad;
    }

    public void setMaxLoad(String maxLoad) {
        this.maxLoad = maxLoad;
    }

    public String getCriticalLoad() {
        return criticalLoad;
    }

    public void setCriticalLoad(String criticalLoad) {
        this.criticalLoad = criticalLoad;
    }
}
