package io.transmog.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.TestPaths;

/**
 * Runs deploy/argocd/health.lua in a real Lua interpreter (LuaJ), with only the libraries Argo CD opens for
 * health scripts (base, package, table, string, math), against SchemaMigration objects as Argo CD passes them
 * (the live object decoded from JSON into the global {@code obj}).
 */
class ArgoHealthLuaTest {

    private static String script;

    @BeforeAll
    static void load() throws IOException {
        script = Files.readString(TestPaths.repoRoot().resolve("deploy/argocd/health.lua"), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "Succeeded, Healthy",
            "Validated, Healthy",
            "Paused, Suspended",
            "AwaitingCutOver, Suspended",
            "Failed, Degraded",
            "Pending, Progressing",
            "Validating, Progressing",
            "Copying, Progressing",
            "CuttingOver, Progressing",
            "Cancelled, Progressing",
    })
    void mapsEveryPhase(String phase, String health) {
        Map<String, String> result = run(Map.of("apiVersion", "transmog.io/v1alpha1", "kind", "SchemaMigration",
                "metadata", Map.of("name", "m", "namespace", "shop"),
                "spec", Map.of("table", "customers"),
                "status", Map.of("phase", phase, "message", "detail of " + phase)));
        assertThat(result.get("status")).isEqualTo(health);
        assertThat(result.get("message")).startsWith(phase).contains("detail of " + phase);
    }

    @Test
    void noStatusYetIsProgressing() {
        Map<String, String> result = run(Map.of("apiVersion", "transmog.io/v1alpha1", "kind", "SchemaMigration",
                "metadata", Map.of("name", "m"), "spec", Map.of("table", "t")));
        assertThat(result).containsEntry("status", "Progressing");
        assertThat(result.get("message")).isNotBlank();
    }

    @Test
    void copyingShowsProgress() {
        Map<String, String> result = run(Map.of("status", Map.of("phase", "Copying",
                "progress", Map.of("percent", 42.7, "rowsCopied", 427, "throttled", false),
                "conditions", List.of(Map.of("type", "Ready", "status", "False")))));
        assertThat(result).containsEntry("status", "Progressing");
        assertThat(result.get("message")).isEqualTo("Copying 42%");
    }

    @Test
    void worksOnTheExampleManifests() throws IOException {
        try (var files = Files.list(TestPaths.repoRoot().resolve("examples"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                for (String doc : Files.readString(file).split("(?m)^---\\s*$")) {
                    if (!doc.contains("kind: SchemaMigration")) {
                        continue;
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> obj = Serialization.unmarshal(doc, Map.class);
                    assertThat(run(obj)).as(file.toString()).containsEntry("status", "Progressing");
                }
            }
        }
    }

    @Test
    void theArgoCdConfigMapSnippetInlinesTheSameScript() throws IOException {
        String cm = Files.readString(TestPaths.repoRoot().resolve("deploy/argocd/argocd-cm.yaml"));
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = Serialization.unmarshal(cm, Map.class);
        @SuppressWarnings("unchecked")
        Map<String, String> data = (Map<String, String>) parsed.get("data");
        assertThat(data.get("resource.customizations.health.transmog.io_SchemaMigration"))
                .as("deploy/argocd/argocd-cm.yaml must inline deploy/argocd/health.lua unchanged")
                .isEqualTo(script);
    }

    private static Map<String, String> run(Map<String, Object> obj) {
        Globals globals = new Globals();
        globals.load(new JseBaseLib());
        globals.load(new PackageLib());
        globals.load(new TableLib());
        globals.load(new StringLib());
        globals.load(new JseMathLib());
        LoadState.install(globals);
        LuaC.install(globals);
        globals.set("obj", toLua(obj));
        LuaValue result = globals.load(script, "health.lua").call();
        assertThat(result.istable()).as("health.lua must return a table").isTrue();
        String status = result.get("status").tojstring();
        assertThat(status).isIn("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");
        return Map.of("status", status, "message", result.get("message").isnil() ? "" : result.get("message").tojstring());
    }

    private static LuaValue toLua(Object value) {
        if (value == null) {
            return LuaValue.NIL;
        }
        if (value instanceof Map<?, ?> map) {
            LuaTable t = new LuaTable();
            map.forEach((k, v) -> t.set(String.valueOf(k), toLua(v)));
            return t;
        }
        if (value instanceof List<?> list) {
            LuaTable t = new LuaTable();
            for (int i = 0; i < list.size(); i++) {
                t.set(i + 1, toLua(list.get(i)));
            }
            return t;
        }
        if (value instanceof Boolean b) {
            return LuaValue.valueOf(b);
        }
        if (value instanceof Number n) {
            return LuaValue.valueOf(n.doubleValue());
        }
        return LuaValue.valueOf(String.valueOf(value));
    }
}
