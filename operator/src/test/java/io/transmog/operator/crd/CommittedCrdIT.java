package io.transmog.operator.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.transmog.operator.TestPaths;

/**
 * Fails the build when crds/schemamigrations.transmog.io-v1.yml is not exactly the CRD generated from the Java
 * model by this build (quarkus:build, then CrdPostProcessor, both in the package phase; this runs after them).
 */
class CommittedCrdIT {

    private static final String HOW_TO_REFRESH = "Refresh it with:\n"
            + "  mvn -B -pl operator -am package -DskipTests && "
            + "cp operator/target/kubernetes/schemamigrations.transmog.io-v1.yml crds/\n"
            + "and commit crds/ together with the model change.";

    @Test
    void committedCrdIsTheGeneratedOne() throws IOException {
        Path generated = Path.of(System.getProperty("transmog.generated.crd",
                "target/kubernetes/" + CrdPostProcessor.FILE_NAME));
        Path committed = TestPaths.committedCrd();
        assertTrue(Files.exists(generated), "no generated CRD at " + generated + " (did quarkus:build run?)");
        assertTrue(Files.exists(committed), "crds/" + CrdPostProcessor.FILE_NAME + " is missing. " + HOW_TO_REFRESH);
        String expected = Files.readString(generated, StandardCharsets.UTF_8).replace("\r\n", "\n");
        String actual = Files.readString(committed, StandardCharsets.UTF_8).replace("\r\n", "\n");
        assertEquals(expected, actual, "crds/" + CrdPostProcessor.FILE_NAME
                + " differs from the CRD generated from operator/src/main/java/io/transmog/operator/model. "
                + HOW_TO_REFRESH);
    }
}
