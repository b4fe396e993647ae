package io.transmog.operator.reconciler;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationStatus;

/**
 * The one place where the operator writes status. It sends a JSON merge patch of the status subresource that
 * holds only the fields set in {@code ownFields} (null fields are left out), so fields the runner owns (progress,
 * cutOver, plan, and phase/message while it runs) are never overwritten with a stale copy from the cache. See
 * {@link SchemaMigrationStatus} for who owns what.
 */
@ApplicationScoped
public class StatusWriter {

    private final KubernetesClient client;

    public StatusWriter(KubernetesClient client) {
        this.client = client;
    }

    public SchemaMigration patch(SchemaMigration migration, SchemaMigrationStatus ownFields) {
        String body = Serialization.asJson(Map.of("status", ownFields));
        return client.resources(SchemaMigration.class)
                .inNamespace(migration.getMetadata().getNamespace())
                .withName(migration.getMetadata().getName())
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), body);
    }
}
