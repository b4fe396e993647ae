package io.transmog.operator.kube;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;

/**
 * Watches one SchemaMigration (from before it exists) and keeps every phase it went through, in order, and when its
 * status changed: a watch sees every write, so even a phase that lasted milliseconds is in {@link #phases()}.
 */
final class StatusRecorder implements Watcher<SchemaMigration>, AutoCloseable {

    /** One observed status write. */
    record Update(Instant at, Phase phase, String message) {
    }

    private final List<Phase> phases = new ArrayList<>();
    private final List<Update> updates = new ArrayList<>();
    private final Watch watch;
    private String lastStatusJson;

    StatusRecorder(KubernetesClient client, String namespace, String name) {
        this.watch = client.resources(SchemaMigration.class).inNamespace(namespace).withName(name).watch(this);
    }

    @Override
    public synchronized void eventReceived(Action action, SchemaMigration m) {
        if (m.getStatus() == null) {
            return;
        }
        String json = io.fabric8.kubernetes.client.utils.Serialization.asJson(m.getStatus());
        if (Objects.equals(json, lastStatusJson)) {
            return;
        }
        lastStatusJson = json;
        Phase phase = m.getStatus().getPhase();
        updates.add(new Update(Instant.now(), phase, m.getStatus().getMessage()));
        if (phase != null && (phases.isEmpty() || phases.get(phases.size() - 1) != phase)) {
            phases.add(phase);
        }
    }

    @Override
    public void onClose(WatcherException cause) {
    }

    synchronized List<Phase> phases() {
        return List.copyOf(phases);
    }

    synchronized List<Update> updates() {
        return List.copyOf(updates);
    }

    /** The longest time between two status writes while the phase was {@code phase}. */
    synchronized Duration longestGapIn(Phase phase) {
        Duration longest = Duration.ZERO;
        for (int i = 1; i < updates.size(); i++) {
            if (updates.get(i - 1).phase() == phase && updates.get(i).phase() == phase) {
                Duration gap = Duration.between(updates.get(i - 1).at(), updates.get(i).at());
                if (gap.compareTo(longest) > 0) {
                    longest = gap;
                }
            }
        }
        return longest;
    }

    /** How many status writes were seen in {@code phase}. */
    synchronized long updatesIn(Phase phase) {
        return updates.stream().filter(u -> u.phase() == phase).count();
    }

    @Override
    public void close() {
        watch.close();
    }
}
