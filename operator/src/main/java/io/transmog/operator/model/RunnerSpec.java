package io.transmog.operator.model;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunnerSpec {

    @JsonPropertyDescription("Image of the runner pod. Defaults to the operator's own image, so that the "
            + "operator and the runner never drift apart.")
    private String image;

    @JsonPropertyDescription("CPU/memory requests and limits of the runner container.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("ServiceAccount of the runner pod (default `transmog-runner`). It needs get/list/"
            + "watch on SchemaMigrations and patch on their status in this namespace.")
    private String serviceAccountName;

    @JsonPropertyDescription("Node selector of the runner pod.")
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("Tolerations of the runner pod.")
    private List<Toleration> tolerations;

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public String getServiceAccountName() {
        return serviceAccountName;
    }

    public void setServiceAccountName(String serviceAccountName) {
        this.serviceAccountName = serviceAccountName;
    }

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public List<Toleration> getTolerations() {
        return tolerations;
    }

    public void setTolerations(List<Toleration> tolerations) {
        this.tolerations = tolerations;
    }
}
