package io.transmog.operator.reconciler;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationStatus;
import io.transmog.operator.status.StatusApply;

/**
 * The one place where the operator writes status: a server-side apply of the status subresource as field manager
 * {@value StatusApply#OPERATOR}, holding all of the operator's fields (a field it owned and leaves out would be
 * removed). The runner applies its own fields as {@value StatusApply#RUNNER}; the API server refuses, with 409
 * Conflict, an apply without force that would change a field the other one owns. Force is only used for the
 * deliberate take-over of phase and message decided by {@link PhaseOwnership}.
 */
@ApplicationScoped
public class StatusWriter {

    private static final Logger LOG = Logger.getLogger(StatusWriter.class);

    private final KubernetesClient client;

    public StatusWriter(KubernetesClient client) {
        this.client = client;
    }

    /**
     * @param force take over the fields of {@code ownFields} from the runner (phase and message after its Job ended)
     * @return the resource as stored, or empty when the API server refused the apply because the runner owns one of
     *         the fields: the operator decided on a stale copy of the resource; the runner's write that made it stale
     *         triggers another reconciliation with the fresh one
     */
    @SuppressWarnings("unchecked")
    public Optional<SchemaMigration> apply(SchemaMigration migration, SchemaMigrationStatus ownFields, boolean force) {
        Map<String, Object> status = Serialization.jsonMapper().convertValue(ownFields, Map.class);
        try {
            return Optional.of(StatusApply.apply(client, migration.getMetadata().getNamespace(),
                    migration.getMetadata().getName(), status, StatusApply.OPERATOR, force));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            LOG.infof("status of %s/%s not written: another field manager owns a field the operator decided on "
                    + "(most likely from a stale copy) (%s); deciding again on the next event", migration.getMetadata().getNamespace(),
                    migration.getMetadata().getName(), e.getStatus() == null ? e.getMessage()
                            : e.getStatus().getMessage());
            return Optional.empty();
        }
    }
}
