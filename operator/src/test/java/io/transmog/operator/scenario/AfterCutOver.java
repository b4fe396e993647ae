package io.transmog.operator.scenario;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;

/**
 * Everything the scenario checks once the cut-over was approved and the migration finished, in the order the demo
 * prints it; EndToEndIT asserts the same list.
 *
 * @param duringCopy the writers' report of the phase before the ghost comparison
 * @param duringCutOver the writers' report of the phase across the cut-over
 * @param approved when the cut-over was approved; {@code succeeded}: when Succeeded was seen
 * @param secrets the migration account's name and password
 * @param logFiles more logs to search for the secrets (the demo's cluster logs)
 */
public record AfterCutOver(SchemaMigration migration, long seededRows, LoadReport duringCopy, LoadReport duringCutOver,
                           Instant approved, Instant succeeded, List<String> secrets, List<Path> logFiles) {

    /** The Events of a migration that was paused mid-copy and waited for its cut-over's approval. */
    public static final List<Phase> PHASE_EVENTS = List.of(Phase.Pending, Phase.Copying, Phase.Paused,
            Phase.AwaitingCutOver, Phase.Succeeded);

    public List<Check> checks(DataChecks data, ClusterChecks cluster) {
        List<LoadReport> loads = List.of(duringCopy, duringCutOver);
        List<Check> checks = new ArrayList<>();
        checks.add(cluster.succeeded(migration));
        checks.add(cluster.statusFields(migration));
        checks.add(data.migratedTable());
        checks.add(data.oldTableKept());
        checks.add(data.noLeftovers());
        checks.add(data.writersWithoutErrors(duringCopy, "the copy"));
        checks.add(data.writersWithoutErrors(duringCutOver, "the cut-over"));
        checks.add(data.noLostInsert(loads));
        checks.add(data.rowCount(seededRows, loads));
        checks.add(cluster.jobComplete(migration.getStatus().getJobName()));
        checks.add(cluster.phaseEvents(PHASE_EVENTS));
        checks.add(cluster.noSecretLeak(secrets, logFiles));
        checks.add(cluster.cutOverStall(migration, duringCutOver, approved, succeeded));
        return checks;
    }

    /** The run's figures, for a human: what was copied and applied, and the cut-over. */
    public List<String> figures() {
        var status = migration.getStatus();
        var progress = status.getProgress();
        var cutOver = status.getCutOver();
        LoadReport.Window window = duringCutOver.window(approved, succeeded);
        return List.of(
                String.format(Locale.ROOT, "copy:      %,d rows copied, %,d changed keys applied from the binlog",
                        progress == null ? 0 : progress.getRowsCopied(), progress == null ? 0 : progress.getEventsApplied()),
                String.format(Locale.ROOT, "cut-over:  %s attempt(s), status.completedAt %s s after the approval; write"
                                + " stall in status.cutOver.stallMillis: %s ms; the writers' longest wait across it: %,d ms",
                        cutOver == null ? 0 : cutOver.getAttempts(), status.getCompletedAt() == null ? "?"
                                : Duration.between(approved, Instant.parse(status.getCompletedAt())).toSeconds(),
                        cutOver == null ? null : cutOver.getStallMillis(), window.longestMillis()),
                String.format(Locale.ROOT, "writers:   %d, %,d batches during the copy and %,d across the cut-over",
                        duringCopy.writers(), duringCopy.batches(), duringCutOver.batches()));
    }
}
