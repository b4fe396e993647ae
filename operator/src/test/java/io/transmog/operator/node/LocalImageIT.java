package io.transmog.operator.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.transmog.operator.TestPaths;

/**
 * The image built without Docker (scripts/build-image.sh) and the {@code Dockerfile} (the recipe for registries)
 * describe the same image: entry point, command, user, working directory, environment, exposed ports, and the files
 * the Dockerfile copies, at the same paths and modes. The Dockerfile is read here independently of the build
 * script's own reading of it.
 */
class LocalImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode config;
    private static Map<String, TarArchiveEntry> files;

    @BeforeAll
    static void readImage() throws IOException {
        Path tar = LocalNode.image();
        Map<String, byte[]> entries = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null;) {
                if (e.getName().endsWith(".json")) {
                    entries.put(e.getName(), in.readAllBytes());
                } else if (e.getName().endsWith("/layer.tar")) {
                    files = files == null ? new LinkedHashMap<>() : files;
                    readLayer(in, files);
                }
            }
        }
        JsonNode manifest = JSON.readTree(entries.get("manifest.json"));
        assertThat(manifest.get(0).get("RepoTags").get(0).asText()).isEqualTo(LocalNode.IMAGE);
        config = JSON.readTree(entries.get(manifest.get(0).get("Config").asText())).get("config");
    }

    private static void readLayer(InputStream layer, Map<String, TarArchiveEntry> into) throws IOException {
        TarArchiveInputStream in = new TarArchiveInputStream(new NonClosing(layer));
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null;) {
            into.put("/" + e.getName().replaceAll("/$", ""), e);
        }
    }

    @Test
    void entrypointCommandUserWorkdirAndPortsAreTheDockerfiles() throws IOException {
        Map<String, List<String>> dockerfile = finalStage();
        assertThat(json(config.get("Entrypoint"))).isEqualTo(JSON.readValue(last(dockerfile, "ENTRYPOINT"), List.class));
        assertThat(json(config.get("Cmd"))).isEqualTo(JSON.readValue(last(dockerfile, "CMD"), List.class));
        assertThat(config.get("User").asText()).isEqualTo(last(dockerfile, "USER")).startsWith("10001");
        String workdir = dockerfile.containsKey("WORKDIR") ? last(dockerfile, "WORKDIR") : "";
        assertThat(config.path("WorkingDir").asText("")).isEqualTo(workdir);
        TreeSet<String> exposed = new TreeSet<>();
        dockerfile.getOrDefault("EXPOSE", List.of()).forEach(e -> {
            for (String p : e.split("\\s+")) {
                exposed.add(p.contains("/") ? p : p + "/tcp");
            }
        });
        assertThat(new TreeSet<>(fieldNames(config.get("ExposedPorts")))).isEqualTo(exposed).contains("8080/tcp");
    }

    @Test
    void everyEnvironmentVariableOfTheDockerfileHasItsValue() throws IOException {
        Map<String, String> expected = new TreeMap<>();
        for (String env : finalStage().getOrDefault("ENV", List.of())) {
            for (String kv : shellWords(env)) {
                expected.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        Map<String, String> actual = new TreeMap<>();
        config.get("Env").forEach(e -> actual.put(e.asText().substring(0, e.asText().indexOf('=')),
                e.asText().substring(e.asText().indexOf('=') + 1)));
        assertThat(expected).containsKey("HOME");
        assertThat(actual).containsAllEntriesOf(expected);
        // Set in the image, it would replace the options the entry point gives each command (/opt/transmog/jvm).
        assertThat(actual).doesNotContainKey("JAVA_OPTS");
        // What the Dockerfile's base image (eclipse-temurin) provides: java on the PATH.
        assertThat(actual.get("PATH")).contains(actual.get("JAVA_HOME") + "/bin");
    }

    @Test
    void theFilesAreWhereTheDockerfileCopiesThem() {
        TarArchiveEntry entrypoint = files.get("/usr/local/bin/transmog");
        assertThat(entrypoint).as("/usr/local/bin/transmog").isNotNull();
        assertThat(entrypoint.getMode() & 0777).isEqualTo(0755);
        assertThat(files).containsKeys("/opt/transmog/operator/quarkus-run.jar", "/opt/transmog/transmog-cli.jar",
                "/opt/transmog/jvm/runner-jvm-options", "/opt/transmog/jvm/cli-jvm-options", "/bin/sh", "/usr/bin/java");
        for (String options : List.of("runner", "cli")) {
            TarArchiveEntry file = files.get("/opt/transmog/jvm/" + options + "-jvm-options");
            assertThat(file.getMode() & 0044).as("readable by user 10001").isEqualTo(0044);
            assertThat(file.getSize()).isEqualTo(TestPaths.repoRoot().resolve("scripts/lib/" + options + "-jvm-options")
                    .toFile().length());
        }
        assertThat(files.get("/opt/transmog/operator/quarkus-run.jar").getMode() & 0044).as("readable by user 10001")
                .isEqualTo(0044);
        assertThat(files.get("/tmp").getMode() & 01777).isEqualTo(01777);
        files.values().forEach(e -> assertThat(e.getLongUserId()).as(e.getName()).isZero());
    }

    /** Instructions of the Dockerfile's last stage (continuation lines joined), in order, by keyword. */
    static Map<String, List<String>> finalStage() throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : Files.readAllLines(TestPaths.repoRoot().resolve("Dockerfile"))) {
            if (current.isEmpty() && (raw.isBlank() || raw.strip().startsWith("#"))) {
                continue;
            }
            if (raw.endsWith("\\")) {
                current.append(raw, 0, raw.length() - 1).append(' ');
                continue;
            }
            lines.add(current.append(raw).toString().strip());
            current.setLength(0);
        }
        Map<String, List<String>> stage = new LinkedHashMap<>();
        for (String line : lines) {
            String[] parts = line.split("\\s+", 2);
            String keyword = parts[0].toUpperCase(java.util.Locale.ROOT);
            if (keyword.equals("FROM")) {
                stage.clear();
            }
            stage.computeIfAbsent(keyword, k -> new ArrayList<>()).add(parts.length > 1 ? parts[1].strip() : "");
        }
        return stage;
    }

    private static String last(Map<String, List<String>> stage, String keyword) {
        List<String> values = stage.get(keyword);
        assertThat(values).as("the Dockerfile's final stage has " + keyword).isNotEmpty();
        return values.get(values.size() - 1);
    }

    /** KEY=value words of an ENV line, with double or single quotes as the Dockerfile (and a shell) reads them. */
    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private static List<String> json(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** The layer tar is read from inside the image tar: closing its reader must not close the outer stream. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
