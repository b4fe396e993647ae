package io.transmog.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.GoTools;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationStatus;

/**
 * What tools that wait on resources see: sigs.k8s.io/cli-utils' kstatus (kubectl's, Flux's, Argo CD's and kpt's
 * notion of "done"), run as the Go library itself (scripts/kstatus, built by scripts/provision-go-tools.sh), over
 * SchemaMigrations with the status the operator writes in each phase.
 */
class KstatusTest {

    private static final Map<Phase, String> EXPECTED = new EnumMap<>(Map.of(
            Phase.Pending, "InProgress", Phase.Validating, "InProgress", Phase.Copying, "InProgress",
            Phase.CuttingOver, "InProgress",
            // Waiting for a person to change the spec: not done (Ready is False), not failed; a tool that waits
            // for the migration keeps waiting, as it should before the table is migrated.
            Phase.Paused, "InProgress", Phase.AwaitingCutOver, "InProgress",
            Phase.Succeeded, "Current", Phase.Validated, "Current",
            Phase.Failed, "Failed", Phase.Cancelled, "Failed"));

    @Test
    void everyPhaseReadsAsToolsExpect() throws Exception {
        assertThat(EXPECTED.keySet()).as("every phase has an expectation").containsExactlyInAnyOrder(Phase.values());
        List<Phase> phases = List.of(Phase.values());
        List<String> objects = new ArrayList<>();
        for (Phase phase : phases) {
            objects.add(Serialization.asJson(withStatus(phase, 3, 3, false)));
        }
        List<String> results = kstatus(objects);
        for (int i = 0; i < phases.size(); i++) {
            assertThat(results.get(i).split("\t")[0]).as("kstatus of %s (%s)", phases.get(i), results.get(i))
                    .isEqualTo(EXPECTED.get(phases.get(i)));
        }
    }

    @Test
    void aSpecNotYetObservedOrACancellationInProgressIsInProgress() throws Exception {
        List<String> results = kstatus(List.of(
                Serialization.asJson(withStatus(Phase.Succeeded, 4, 3, false)),
                Serialization.asJson(withStatus(Phase.Copying, 3, 3, true))));
        assertThat(results.get(0)).startsWith("InProgress\t");
        assertThat(results.get(1)).startsWith("InProgress\t");
    }

    private static SchemaMigration withStatus(Phase phase, long generation, long observedGeneration, boolean cancelling) {
        SchemaMigration migration = Fixtures.migration("shop", "customers", "db", "shop", "customers");
        migration.setApiVersion("transmog.io/v1alpha1");
        migration.setKind("SchemaMigration");
        migration.getMetadata().setGeneration(generation);
        SchemaMigrationStatus status = new SchemaMigrationStatus();
        status.setPhase(phase);
        status.setObservedGeneration(observedGeneration);
        status.setConditions(StatusMapper.conditions(phase, phase.name(), "test", cancelling, observedGeneration, null,
                Instant.parse("2026-01-01T00:00:00Z")));
        migration.setStatus(status);
        return migration;
    }

    /** One line per object: "<status>\t<message>". */
    private static List<String> kstatus(List<String> objects) throws IOException, InterruptedException {
        return GoTools.answerPerLine("kstatus", List.of(), objects);
    }
}
