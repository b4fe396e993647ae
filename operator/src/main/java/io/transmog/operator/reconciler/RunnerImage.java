package io.transmog.operator.reconciler;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The default image of runner Jobs: transmog.operator.runner-image if set, else the operator's own image, read
 * once from its own Pod (TRANSMOG_POD_NAME and TRANSMOG_POD_NAMESPACE come from the downward API; the operator
 * may get Pods in its own namespace only), else transmog.operator.fallback-runner-image. Reading it from the Pod
 * keeps operator and runner on one image even when an overlay changes the image (kustomize `images:`).
 */
@ApplicationScoped
public class RunnerImage {

    private static final Logger LOG = Logger.getLogger(RunnerImage.class);
    static final String OPERATOR_CONTAINER = "operator";

    private final OperatorConfig config;
    private final KubernetesClient client;
    private volatile String resolved;

    public RunnerImage(OperatorConfig config, KubernetesClient client) {
        this.config = config;
        this.client = client;
    }

    public String get() {
        String image = resolved;
        if (image == null) {
            image = resolve();
            resolved = image;
            LOG.infof("runner Jobs use the image %s unless spec.runner.image says otherwise", image);
        }
        return image;
    }

    private String resolve() {
        if (config.runnerImage().isPresent() && !config.runnerImage().get().isBlank()) {
            return config.runnerImage().get();
        }
        String pod = System.getenv("TRANSMOG_POD_NAME");
        String namespace = System.getenv("TRANSMOG_POD_NAMESPACE");
        if (pod != null && namespace != null) {
            try {
                Pod self = client.pods().inNamespace(namespace).withName(pod).get();
                if (self != null) {
                    return self.getSpec().getContainers().stream()
                            .filter(c -> OPERATOR_CONTAINER.equals(c.getName()))
                            .map(Container::getImage)
                            .findFirst()
                            .orElse(self.getSpec().getContainers().get(0).getImage());
                }
            } catch (KubernetesClientException e) {
                LOG.warnf("cannot read the operator's own Pod %s/%s to find its image: %s", namespace, pod,
                        e.getMessage());
            }
        }
        LOG.warnf("using the fallback runner image %s; set transmog.operator.runner-image to choose another",
                config.fallbackRunnerImage());
        return config.fallbackRunnerImage();
    }
}
