package io.transmog.operator.reconciler;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.transmog.operator.model.SchemaMigration;

/** Records core/v1 Events on SchemaMigrations. Failing to record an Event never fails a reconciliation. */
@ApplicationScoped
public class EventRecorder {

    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final String COMPONENT = "transmog-operator";
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final AtomicLong sequence = new AtomicLong();
    private final String instance = System.getenv().getOrDefault("HOSTNAME", COMPONENT);

    public EventRecorder(KubernetesClient client) {
        this.client = client;
    }

    public void normal(SchemaMigration migration, String reason, String message) {
        record(migration, "Normal", reason, message);
    }

    public void warning(SchemaMigration migration, String reason, String message) {
        record(migration, "Warning", reason, message);
    }

    public void record(SchemaMigration migration, String type, String reason, String message) {
        var meta = migration.getMetadata();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String text = message == null ? "" : message;
        if (text.length() > MAX_MESSAGE) {
            text = text.substring(0, MAX_MESSAGE - 3) + "...";
        }
        var event = new EventBuilder()
                .withNewMetadata()
                    .withName(truncate(meta.getName(), 200) + "." + Long.toHexString(System.nanoTime()) + sequence.incrementAndGet())
                    .withNamespace(meta.getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(migration.getApiVersion())
                        .withKind(migration.getKind())
                        .withName(meta.getName())
                        .withNamespace(meta.getNamespace())
                        .withUid(meta.getUid())
                        .withResourceVersion(meta.getResourceVersion())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(text)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent("transmog.io/operator")
                .withReportingInstance(instance)
                .build();
        try {
            client.v1().events().inNamespace(meta.getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not record event %s on %s/%s: %s", reason, meta.getNamespace(), meta.getName(),
                    e.getMessage());
        }
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
