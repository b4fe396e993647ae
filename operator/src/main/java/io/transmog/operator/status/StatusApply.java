package io.transmog.operator.status;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.model.SchemaMigration;

/**
 * The only way status is written, by the operator and by the runner alike: a server-side apply of the status
 * subresource under the writer's own field manager. The API server records which manager owns which field
 * ({@code metadata.managedFields}) and refuses with 409 Conflict an apply, without force, that would change a field
 * another manager owns. So ownership is enforced by the API server, not by a convention between two programs (see
 * {@code SchemaMigrationStatus} for the split and {@code reconciler.PhaseOwnership} for the one field pair that
 * changes hands).
 *
 * <p>
 * Apply semantics that callers rely on: the applied body is the writer's whole intent. A field the manager owned
 * and leaves out is removed (unless another manager also owns it), so every writer sends all of its fields every
 * time. {@code null} values are left out of the body here: "not set" and "remove what I set before" are the same
 * thing under apply.
 */
public final class StatusApply {

    /** Field manager of the operator's status writes. */
    public static final String OPERATOR = "transmog-operator";
    /** Field manager of the runner's status writes ({@code transmog run}). */
    public static final String RUNNER = "transmog-runner";

    private StatusApply() {
    }

    /**
     * Applies {@code status} as {@code manager}.
     *
     * @param force take the fields over from any other manager (only for a deliberate hand-over; see the callers)
     * @return the resource as stored afterwards
     * @throws io.fabric8.kubernetes.client.KubernetesClientException 409 when, without force, a field belongs to
     *         another manager and the value differs
     */
    public static SchemaMigration apply(KubernetesClient client, String namespace, String name,
            Map<String, ?> status, String manager, boolean force) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("apiVersion", "transmog.io/v1alpha1");
        body.put("kind", "SchemaMigration");
        body.put("metadata", Map.of("name", name, "namespace", namespace));
        body.put("status", withoutNulls(status));
        PatchContext context = new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(manager)
                .withForce(force)
                .build();
        return client.resources(SchemaMigration.class).inNamespace(namespace).withName(name).subresource("status")
                .patch(context, Serialization.asJson(body));
    }

    /**
     * The top-level status fields ({@code phase}, {@code message}, ...) that {@code manager} owns through apply on
     * {@code migration} as read, from its {@code metadata.managedFields}.
     */
    public static Set<String> ownedStatusFields(SchemaMigration migration, String manager) {
        return statusFields(migration, e -> manager.equals(e.getManager()) && "Apply".equals(e.getOperation()));
    }

    /**
     * The top-level status fields owned by any manager other than the operator's and the runner's applies: the JSON
     * merge patches of versions before these field managers existed (an upgrade mid-migration), or a person's
     * {@code kubectl edit --subresource status}.
     */
    public static Set<String> statusFieldsOfOtherWriters(SchemaMigration migration) {
        return statusFields(migration, e -> !("Apply".equals(e.getOperation())
                && (OPERATOR.equals(e.getManager()) || RUNNER.equals(e.getManager()))));
    }

    @SuppressWarnings("unchecked")
    private static Set<String> statusFields(SchemaMigration migration, Predicate<ManagedFieldsEntry> which) {
        Set<String> owned = new TreeSet<>();
        if (migration.getMetadata() == null || migration.getMetadata().getManagedFields() == null) {
            return owned;
        }
        for (ManagedFieldsEntry entry : migration.getMetadata().getManagedFields()) {
            if (!which.test(entry) || entry.getFieldsV1() == null) {
                continue;
            }
            Object status = entry.getFieldsV1().getAdditionalProperties().get("f:status");
            if (status instanceof Map<?, ?> fields) {
                for (Object key : ((Map<String, Object>) fields).keySet()) {
                    if (key instanceof String k && k.startsWith("f:")) {
                        owned.add(k.substring(2));
                    }
                }
            }
        }
        return owned;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> withoutNulls(Map<String, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> nested) {
                out.put(e.getKey(), withoutNulls((Map<String, ?>) nested));
            } else if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }
}
