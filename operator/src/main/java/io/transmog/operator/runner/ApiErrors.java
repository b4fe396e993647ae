package io.transmog.operator.runner;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** How the runner reads the fabric8 client's exceptions. */
final class ApiErrors {

    private ApiErrors() {
    }

    /** fabric8's messages often say only "failed."; the cause says why. */
    static String describe(Throwable e) {
        StringBuilder out = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable cause = e.getCause();
        for (int depth = 0; cause != null && depth < 3; depth++, cause = cause.getCause()) {
            if (cause.getMessage() != null && !out.toString().contains(cause.getMessage())) {
                out.append(": ").append(cause.getMessage());
            }
        }
        return out.toString();
    }

    /**
     * 401/403: the runner's ServiceAccount lacks a permission. No retry can help: the RBAC must change.
     */
    static boolean isPermissionProblem(Throwable e) {
        return e instanceof KubernetesClientException k && (k.getCode() == 401 || k.getCode() == 403);
    }
}
