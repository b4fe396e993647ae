package io.transmog.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.TestPaths;

class CrdPostProcessorTest {

    @Test
    void committedCrdIsAFixedPointAndHasTheDocumentedShape() throws IOException {
        String committed = Files.readString(TestPaths.committedCrd());
        assertThat(CrdPostProcessor.process(committed)).isEqualTo(committed);

        var crd = Serialization.unmarshal(committed, CustomResourceDefinition.class);
        assertThat(crd.getMetadata().getName()).isEqualTo("schemamigrations.transmog.io");
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("smig");
        var version = crd.getSpec().getVersions().get(0);
        assertThat(version.getName()).isEqualTo("v1alpha1");
        assertThat(version.getSubresources().getStatus()).isNotNull();
        assertThat(version.getAdditionalPrinterColumns()).extracting(CustomResourceColumnDefinition::getName)
                .containsExactly("TABLE", "PHASE", "PROGRESS", "LAG", "AGE");
        var root = version.getSchema().getOpenAPIV3Schema();
        assertThat(root.getXKubernetesValidations()).extracting(r -> r.getMessage())
                .anySatisfy(m -> assertThat(m).startsWith("spec.table is immutable"))
                .anySatisfy(m -> assertThat(m).startsWith("spec.alter is immutable"))
                .anySatisfy(m -> assertThat(m).startsWith("spec.database is immutable"));
        var spec = root.getProperties().get("spec");
        assertThat(spec.getDescription()).isNotBlank();
        assertThat(spec.getRequired()).contains("database", "table", "alter");
        assertThat(spec.getProperties().get("cutOver").getProperties().get("mode").getEnum())
                .extracting(Object::toString).contains("\"Automatic\"", "\"Manual\"");
        var status = root.getProperties().get("status").getProperties();
        assertThat(status).containsKeys("phase", "message", "observedGeneration", "startedAt", "completedAt",
                "jobName", "conditions", "progress", "cutOver", "plan");
        assertThat(status.get("progress").getProperties()).containsKeys("rowsCopied", "rowsEstimated", "percent",
                "etaSeconds", "rowsPerSecond", "eventsApplied", "lagMillis", "replicaLagMillis", "throttled",
                "throttleReason");
        assertThat(status.get("cutOver").getProperties()).containsKeys("attempts", "lastError", "stallMillis");
    }
}
