package io.transmog.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Go programs of scripts/ that tests run (kstatus, argo-health), as scripts/provision-go-tools.sh builds them
 * (`make kube-deps`) into {@code $TRANSMOG_GO_TOOLS_DIR} (default ~/.cache/transmog/tools). Each reads one JSON
 * object per line on stdin and answers one line per object.
 */
public final class GoTools {

    private GoTools() {
    }

    public static Path path(String tool) {
        return Path.of(System.getenv().getOrDefault("TRANSMOG_GO_TOOLS_DIR",
                Path.of(System.getProperty("user.home"), ".cache", "transmog", "tools").toString()), tool);
    }

    /** Runs {@code tool} with {@code args} over the objects (JSON, one per line); returns its line for each. */
    public static List<String> answerPerLine(String tool, List<String> args, List<String> jsonObjects)
            throws IOException, InterruptedException {
        Path binary = path(tool);
        assertThat(binary).as(tool + " is built by scripts/provision-go-tools.sh (make kube-deps)").isExecutable();
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder input = new StringBuilder();
        jsonObjects.forEach(json -> input.append(json.replace("\n", "")).append('\n'));
        process.getOutputStream().write(input.toString().getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        List<String> lines = out.lines().toList();
        assertThat(lines).as(out).hasSize(jsonObjects.size());
        return lines;
    }
}
