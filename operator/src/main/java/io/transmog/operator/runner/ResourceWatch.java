package io.transmog.operator.runner;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.transmog.operator.model.SchemaMigration;

/**
 * An informer on the runner's one SchemaMigration (list/watch with a {@code metadata.name} field selector: within
 * the runner's RBAC). It hands each version of the resource, and its deletion, to the runner on the informer's
 * thread; the last version seen stays readable from any thread ({@link #latest}).
 */
final class ResourceWatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ResourceWatch.class);

    private final String key;
    private final SharedIndexInformer<SchemaMigration> informer;
    /** Set by {@link #close}: the informer's end is then expected, not a loss worth a warning. */
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Creates the informer; nothing is sent to the API server before {@link #start}. */
    ResourceWatch(KubernetesClient client, String namespace, String name) {
        this.key = namespace + "/" + name;
        this.informer = client.resources(SchemaMigration.class).inNamespace(namespace).withName(name)
                .runnableInformer(0);
    }

    /**
     * Lists the resource and watches it from then on; returns once the first list is in the cache.
     *
     * @param changed each version of the resource (the first one too)
     * @param deleted the resource is gone
     * @throws io.fabric8.kubernetes.client.KubernetesClientException when the list fails (e.g. 403)
     */
    void start(Consumer<SchemaMigration> changed, Runnable deleted) {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(SchemaMigration migration) {
                changed.accept(migration);
            }

            @Override
            public void onUpdate(SchemaMigration old, SchemaMigration migration) {
                changed.accept(migration);
            }

            @Override
            public void onDelete(SchemaMigration migration, boolean deletedFinalStateUnknown) {
                deleted.run();
            }
        });
        informer.run();
        informer.stopped().whenComplete((ignored, failure) -> {
            if (failure != null && !closed.get()) {
                LOG.warnf("%s: the watch on the SchemaMigration stopped (%s): live changes (pause, throttle, cut-over "
                        + "approval, deletion) no longer reach this runner", key, ApiErrors.describe(failure));
            }
        });
    }

    /** The resource as the informer last saw it; empty before {@link #start} or once it is gone. */
    Optional<SchemaMigration> latest() {
        List<SchemaMigration> items = informer.getStore().list();
        return items.isEmpty() ? Optional.empty() : Optional.of(items.get(0));
    }

    @Override
    public void close() {
        closed.set(true);
        informer.close();
    }
}
