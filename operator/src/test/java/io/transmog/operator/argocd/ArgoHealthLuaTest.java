package io.transmog.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.GoTools;
import io.transmog.operator.TestPaths;
import io.transmog.operator.model.Phase;

/**
 * Runs deploy/argocd/health.lua as Argo CD's application controller does: on gopher-lua, the Lua VM Argo CD
 * embeds, with the libraries Argo CD opens for health scripts (base, package, table, require("os") with time and
 * date; no string, no math unless argocd-cm sets useOpenLibs), the live object as the global {@code obj}, a
 * one-second deadline, and a script error or an invalid code shown as Unknown. The evaluator is
 * scripts/argo-health (built by scripts/provision-go-tools.sh); deploy/argocd/README.md says why it is not Argo
 * CD's own module.
 */
class ArgoHealthLuaTest {


    private static final Map<Phase, String> EXPECTED = new EnumMap<>(Map.of(
            Phase.Succeeded, "Healthy", Phase.Validated, "Healthy",
            Phase.Paused, "Suspended", Phase.AwaitingCutOver, "Suspended",
            Phase.Failed, "Degraded",
            Phase.Pending, "Progressing", Phase.Validating, "Progressing", Phase.Copying, "Progressing",
            Phase.CuttingOver, "Progressing", Phase.Cancelled, "Progressing"));

    private static Path healthLua;
    private static boolean useOpenLibs;

    @BeforeAll
    static void load() throws IOException {
        healthLua = TestPaths.repoRoot().resolve("deploy/argocd/health.lua");
        String flag = argocdCmData().get("resource.customizations.useOpenLibs.transmog.io_SchemaMigration");
        useOpenLibs = Boolean.parseBoolean(flag);
    }

    @Test
    void mapsEveryPhase() throws Exception {
        assertThat(EXPECTED.keySet()).as("every phase has an expected health").containsExactlyInAnyOrder(Phase.values());
        List<Phase> phases = List.of(Phase.values());
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Phase phase : phases) {
            objects.add(migration(Map.of("phase", phase.name(), "message", "detail of " + phase)));
        }
        List<Map<String, String>> results = healthOf(objects);
        for (int i = 0; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            assertThat(results.get(i).get("status")).as("health of %s (%s)", phase, results.get(i))
                    .isEqualTo(EXPECTED.get(phase));
            assertThat(results.get(i).get("message")).isEqualTo(phase + ": detail of " + phase);
        }
    }

    @Test
    void noStatusOrNoPhaseYetIsProgressing() throws Exception {
        Map<String, Object> noStatus = migration(null);
        Map<String, Object> emptyStatus = migration(Map.of());
        for (Map<String, String> result : healthOf(List.of(noStatus, emptyStatus))) {
            assertThat(result).containsEntry("status", "Progressing")
                    .containsEntry("message", "waiting for the transmog operator");
        }
    }

    /** The percentage is cut to an integer without the math library, which Argo CD does not open by default. */
    @Test
    void copyingShowsProgress() throws Exception {
        Map<String, Object> copying = migration(Map.of("phase", "Copying",
                "progress", Map.of("percent", 42.7, "rowsCopied", 427, "throttled", false),
                "conditions", List.of(Map.of("type", "Ready", "status", "False"))));
        assertThat(healthOf(List.of(copying)).get(0))
                .containsEntry("status", "Progressing").containsEntry("message", "Copying 42%");
    }

    /** What Argo CD shows when the script fails on an object: Unknown, with the Lua error as message. */
    @Test
    void aScriptErrorIsUnknownWithTheLuaError() throws Exception {
        Map<String, Object> messageNotAString = migration(Map.of("phase", "Failed", "message", Map.of("code", 1)));
        Map<String, String> result = healthOf(List.of(messageNotAString)).get(0);
        assertThat(result).containsEntry("status", "Unknown");
        assertThat(result.get("message")).contains("cannot perform concat operation between string and table");
    }

    @Test
    void worksOnTheExampleManifests() throws Exception {
        try (var files = Files.list(TestPaths.repoRoot().resolve("examples"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                for (String doc : Files.readString(file).split("(?m)^---\\s*$")) {
                    if (!doc.contains("kind: SchemaMigration")) {
                        continue;
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> obj = Serialization.unmarshal(doc, Map.class);
                    assertThat(healthOf(List.of(obj)).get(0)).as(file.toString()).containsEntry("status", "Progressing");
                }
            }
        }
    }

    @Test
    void theArgoCdConfigMapSnippetInlinesTheSameScript() throws IOException {
        assertThat(argocdCmData().get("resource.customizations.health.transmog.io_SchemaMigration"))
                .as("deploy/argocd/argocd-cm.yaml must inline deploy/argocd/health.lua unchanged")
                .isEqualTo(Files.readString(healthLua, StandardCharsets.UTF_8));
    }

    /**
     * The evaluator's own contract, on small scripts: the sandbox Argo CD gives a health script by default, and
     * what Argo CD shows for a result it cannot use.
     */
    @Test
    void theEvaluatorKeepsArgoCdsContract(@TempDir Path dir) throws Exception {
        Path libraries = script(dir, "libraries.lua", "return {status = 'Healthy', message = type(string) .. ' '"
                + " .. type(math) .. ' ' .. type(io) .. ' ' .. type(os) .. ' ' .. type(require('os').time) .. ' '"
                + " .. type(table.insert) .. ' ' .. obj.kind}");
        assertThat(healthOf(libraries, false, List.of(Map.of("kind", "SchemaMigration"))).get(0))
                .containsEntry("message", "nil nil nil nil function function SchemaMigration");
        assertThat(healthOf(libraries, true, List.of(Map.of("kind", "SchemaMigration"))).get(0))
                .containsEntry("message", "table table table table function function SchemaMigration");

        assertThat(healthOf(script(dir, "invalid.lua", "return {status = 'Fine'}"), false, List.of(Map.of())).get(0))
                .containsEntry("status", "Unknown").containsEntry("message", "Lua returned an invalid health status");
        assertThat(healthOf(script(dir, "string.lua", "return 'Healthy'"), false, List.of(Map.of())).get(0))
                .containsEntry("status", "Unknown")
                .containsEntry("message", "expect table output from Lua script, not string");

        long start = System.nanoTime();
        Map<String, String> endless = healthOf(script(dir, "endless.lua", "while true do end"), false,
                List.of(Map.of())).get(0);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(endless).containsEntry("status", "Unknown");
        assertThat(endless.get("message")).contains("context deadline exceeded");
        assertThat(millis).as("Argo CD stops a health script after one second").isBetween(1000L, 10_000L);
    }

    private static Map<String, Object> migration(Map<String, Object> status) {
        Map<String, Object> migration = new LinkedHashMap<>(Map.of(
                "apiVersion", "transmog.io/v1alpha1", "kind", "SchemaMigration",
                "metadata", Map.of("name", "m", "namespace", "shop"),
                "spec", Map.of("table", "customers")));
        if (status != null) {
            migration.put("status", status);
        }
        return migration;
    }

    private static Map<String, String> argocdCmData() throws IOException {
        String cm = Files.readString(TestPaths.repoRoot().resolve("deploy/argocd/argocd-cm.yaml"));
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = Serialization.unmarshal(cm, Map.class);
        @SuppressWarnings("unchecked")
        Map<String, String> data = (Map<String, String>) parsed.get("data");
        return data;
    }

    private static Path script(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static List<Map<String, String>> healthOf(List<Map<String, Object>> objects) throws Exception {
        return healthOf(healthLua, useOpenLibs, objects);
    }

    /** Argo CD's health ({status, message}) of each object, in order. */
    private static List<Map<String, String>> healthOf(Path script, boolean openLibs, List<Map<String, Object>> objects)
            throws IOException, InterruptedException {
        List<String> json = new ArrayList<>();
        for (Map<String, Object> object : objects) {
            json.add(Serialization.jsonMapper().writeValueAsString(object));
        }
        List<String> lines = GoTools.answerPerLine("argo-health",
                openLibs ? List.of("-use-open-libs", script.toString()) : List.of(script.toString()), json);
        List<Map<String, String>> results = new ArrayList<>();
        for (String line : lines) {
            @SuppressWarnings("unchecked")
            Map<String, String> health = Serialization.unmarshal(line, Map.class);
            results.add(health);
        }
        return results;
    }
}
