package io.transmog.operator.kube;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the kubectl that kube-api-test uses, against the test API server. */
final class KubectlSupport {

    private KubectlSupport() {
    }

    static String kubectl(String... args) throws IOException, InterruptedException {
        Path kubeconfig = Files.createTempFile("kubeconfig", ".yaml");
        try {
            Files.writeString(kubeconfig, KubeApiServerResource.kubeConfigYaml());
            List<String> command = new ArrayList<>();
            command.add(binary());
            command.add("--kubeconfig=" + kubeconfig);
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("kubectl " + String.join(" ", args) + " failed:\n" + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(kubeconfig);
        }
    }

    private static String binary() throws IOException {
        String dirName = System.getenv().getOrDefault("KUBE_API_TEST_DIR",
                Path.of(System.getProperty("user.home"), ".kubeapitest").toString());
        Path dir = Path.of(dirName, "k8s");
        try (var dirs = Files.list(dir)) {
            return dirs.map(d -> d.resolve("kubectl")).filter(Files::isExecutable).sorted()
                    .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no kubectl under " + dir)).toString();
        }
    }
}
