package io.transmog.operator.crd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Finishes the CRD that quarkus-operator-sdk generates (with fabric8's CRD generator) from
 * {@link io.transmog.operator.model.SchemaMigration}, for what that generator's annotations cannot express:
 * <ul>
 * <li>printer columns in the order TABLE, PHASE, PROGRESS, LAG, AGE (the generator sorts them by JSON path and
 * has no way to declare a metadata.creationTimestamp column);</li>
 * <li>descriptions of the object, its spec and its status, for {@code kubectl explain}.</li>
 * </ul>
 * Runs in the package phase right after {@code quarkus:build} and rewrites
 * {@code target/kubernetes/schemamigrations.transmog.io-v1.yml} in place. Idempotent. The result is what is
 * committed as {@code crds/schemamigrations.transmog.io-v1.yml}; {@code CommittedCrdIT} fails the build when the
 * two differ.
 */
public final class CrdPostProcessor {

    public static final String FILE_NAME = "schemamigrations.transmog.io-v1.yml";
    static final List<String> COLUMN_ORDER = List.of("TABLE", "PHASE", "PROGRESS", "LAG", "AGE");
    static final String HEADER = "# SchemaMigration CRD (schemamigrations.transmog.io). GENERATED, do not edit: it is built from\n"
            + "# operator/src/main/java/io/transmog/operator/model by quarkus-operator-sdk and\n"
            + "# io.transmog.operator.crd.CrdPostProcessor. Refresh: mvn -B -pl operator -am package -DskipTests &&\n"
            + "# cp operator/target/kubernetes/" + FILE_NAME + " crds/\n";

    private CrdPostProcessor() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "target/kubernetes/" + FILE_NAME);
        String processed = process(Files.readString(file, StandardCharsets.UTF_8));
        Files.writeString(file, processed, StandardCharsets.UTF_8);
        System.out.println("[transmog] post-processed " + file);
    }

    public static String process(String yaml) {
        CustomResourceDefinition crd = Serialization.unmarshal(yaml, CustomResourceDefinition.class);
        for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
            version.setAdditionalPrinterColumns(columns(version.getAdditionalPrinterColumns()));
            JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
            root.setDescription("SchemaMigration is one online schema change of one MySQL/MariaDB table (ghost table, "
                    + "binlog apply, chunked copy, atomic cut-over), run by a Job that the Transmog operator creates. "
                    + "Applying a finished SchemaMigration again never runs it again.");
            root.getProperties().get("spec").setDescription("What to change (database, table, alter) and how. "
                    + "database, table, alter, dryRun and hooks are immutable once the migration has started; paused, "
                    + "throttle.* and cutOver.approved are live.");
            root.getProperties().get("status").setDescription("Observed state, written by the operator (conditions, "
                    + "jobName, startedAt, observedGeneration) and by the runner (phase while it runs, progress, "
                    + "cutOver, plan).");
        }
        return HEADER + Serialization.asYaml(crd).replaceFirst("^---\n", "");
    }

    private static List<CustomResourceColumnDefinition> columns(List<CustomResourceColumnDefinition> generated) {
        List<CustomResourceColumnDefinition> columns = new ArrayList<>(generated == null ? List.of() : generated);
        if (columns.stream().noneMatch(c -> "AGE".equals(c.getName()))) {
            columns.add(new CustomResourceColumnDefinitionBuilder()
                    .withName("AGE")
                    .withType("date")
                    .withJsonPath(".metadata.creationTimestamp")
                    .withPriority(0)
                    .build());
        }
        columns.sort(Comparator.comparingInt(c -> {
            int i = COLUMN_ORDER.indexOf(c.getName());
            return i < 0 ? COLUMN_ORDER.size() : i;
        }));
        return columns;
    }
}
