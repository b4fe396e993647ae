package io.transmog.operator;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates files of the repository (crds/, deploy/, examples/) from tests. */
public final class TestPaths {

    private TestPaths() {
    }

    public static Path repoRoot() {
        String configured = System.getProperty("transmog.repo.root");
        Path root = configured != null ? Path.of(configured) : Path.of("..");
        root = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("crds")) || !Files.isDirectory(root.resolve("operator"))) {
            throw new IllegalStateException("cannot find the repository root (with crds/ and operator/) at " + root
                    + "; run the tests from Maven or set -Dtransmog.repo.root");
        }
        return root;
    }

    public static Path committedCrd() {
        return repoRoot().resolve("crds/schemamigrations.transmog.io-v1.yml");
    }
}
