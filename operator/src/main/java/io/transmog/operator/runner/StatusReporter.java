package io.transmog.operator.runner;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.status.StatusApply;

/**
 * Writes the runner's status fields with server-side applies of the status subresource as field manager
 * {@value StatusApply#RUNNER}, from one thread of its own, so that the migration never waits for the API server:
 * <ul>
 * <li>every phase change is queued by the engine's listener and written in order (a phase that lasts a few
 * milliseconds still shows up once);</li>
 * <li>between them, a fresh snapshot is written every {@code interval} (progress, lag, throttling);</li>
 * <li>a fresh snapshot is only taken when no phase change is waiting, so the phase never goes backwards.</li>
 * </ul>
 * Writes are forced until the API server shows this runner as the only owner of phase and message: that takes them
 * over from the operator, which wrote them before the Job existed (see {@code reconciler.PhaseOwnership}; a forced
 * write of the value the operator wrote shares the field instead of taking it, hence "until"). Every later write is
 * not forced, so once the operator has taken them back to record the Job's end, the API server refuses this runner's
 * writes with 409 Conflict; the reporter then stops writing ({@link #superseded()}) instead of retrying.
 * <p>
 * A failed write is logged and retried with the next one; only the final one (a finished phase) is retried until it
 * is recorded or the deadline passes.
 */
final class StatusReporter {

    private static final Logger LOG = Logger.getLogger(StatusReporter.class);
    private static final Backoff FINAL_WRITE = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5));

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Supplier<Optional<Map<String, Object>>> fresh;
    private final Duration interval;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Deque<Map<String, Object>> phaseChanges = new ArrayDeque<>();
    private volatile boolean stopped;
    private volatile boolean gone;
    private volatile boolean superseded;
    private boolean tookOver;
    private Thread thread;
    private Object lastPhase;
    private Object lastMessage;
    private int failuresInARow;
    private Runnable onTick = () -> {
    };

    /**
     * @param fresh builds the body of the current state, if there is one to write (called on the reporter's thread)
     */
    StatusReporter(KubernetesClient client, String namespace, String name,
            Supplier<Optional<Map<String, Object>>> fresh, Duration interval) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.fresh = fresh;
        this.interval = interval;
    }

    /** Runs on the reporter's thread before each periodic write (the runner re-applies live settings there). */
    void onTick(Runnable action) {
        this.onTick = action;
    }

    /** Queues the body of a phase change and wakes the reporter; never blocks on I/O. */
    void phaseChanged(Map<String, Object> body) {
        lock.lock();
        try {
            phaseChanges.addLast(body);
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the reporter at once (a live setting changed the message). */
    void poke() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void start() {
        thread = DaemonThreads.start("transmog-status", this::loop);
    }

    /** True once the API server refused a write because another field manager now owns the phase. */
    boolean superseded() {
        return superseded;
    }

    /** True once a patch found the resource gone (it was deleted and its finalizer removed). */
    boolean resourceGone() {
        return gone;
    }

    private void loop() {
        while (!stopped) {
            try {
                onTick.run();
            } catch (RuntimeException e) {
                LOG.warnf("re-applying live settings failed: %s", e.getMessage());
            }
            flush();
            lock.lock();
            try {
                if (phaseChanges.isEmpty() && !stopped) {
                    wake.await(interval.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Phase changes are written one by one, in order, so none is lost between two periodic writes. */
    private void sendQueuedPhaseChanges() {
        List<Map<String, Object>> batch;
        lock.lock();
        try {
            batch = new ArrayList<>(phaseChanges);
            phaseChanges.clear();
        } finally {
            lock.unlock();
        }
        for (Map<String, Object> body : batch) {
            if (!sameAsLast(body)) {
                send(body);
            }
        }
    }

    private void flush() {
        sendQueuedPhaseChanges();
        Optional<Map<String, Object>> now = Optional.empty();
        lock.lock();
        try {
            if (phaseChanges.isEmpty()) {
                now = fresh.get();
            }
        } finally {
            lock.unlock();
        }
        now.ifPresent(this::send);
    }

    /**
     * Stops the periodic writes, writes what is still queued, then {@code last}, retrying {@code last} until it is
     * recorded or {@code deadline} has passed.
     *
     * @return whether {@code last} was recorded (or the resource is gone, so there is nothing to record it on)
     */
    boolean finish(Map<String, Object> last, Duration deadline) {
        stopped = true;
        poke();
        if (thread != null) {
            try {
                thread.join(Math.max(1000, interval.toMillis() * 5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        sendQueuedPhaseChanges();
        long end = System.nanoTime() + deadline.toNanos();
        for (int retry = 1; ; retry++) {
            if (send(last) || gone) {
                return true;
            }
            if (superseded) {
                return false;
            }
            Optional<Duration> wait = FINAL_WRITE.delayWithin(retry, Duration.ofNanos(end - System.nanoTime()));
            if (wait.isEmpty()) {
                return false;
            }
            try {
                Thread.sleep(wait.get().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private boolean sameAsLast(Map<String, Object> body) {
        Map<String, Object> status = (Map<String, Object>) body.get("status");
        return Objects.equals(status.get("phase"), lastPhase) && Objects.equals(status.get("message"), lastMessage);
    }

    /** One apply; false (logged) if it failed. */
    @SuppressWarnings("unchecked")
    synchronized boolean send(Map<String, Object> body) {
        if (gone || superseded) {
            return false;
        }
        try {
            SchemaMigration stored = StatusApply.apply(client, namespace, name,
                    (Map<String, Object>) body.get("status"), StatusApply.RUNNER, !tookOver);
            Set<String> operators = StatusApply.ownedStatusFields(stored, StatusApply.OPERATOR);
            tookOver = !operators.contains("phase") && !operators.contains("message");
            Map<String, Object> status = (Map<String, Object>) body.get("status");
            lastPhase = status.get("phase");
            lastMessage = status.get("message");
            if (failuresInARow > 0) {
                LOG.infof("status of %s/%s written again after %d failed attempt(s)", namespace, name, failuresInARow);
            }
            failuresInARow = 0;
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                gone = true;
                LOG.infof("SchemaMigration %s/%s is gone: no status to write", namespace, name);
                return false;
            }
            if (e.getCode() == 409) {
                superseded = true;
                LOG.warnf("the status of %s/%s is no longer the runner's to write (the operator has recorded the "
                        + "Job's end): %s", namespace, name, ApiErrors.describe(e));
                return false;
            }
            if (failuresInARow++ == 0 || failuresInARow % 30 == 0) {
                LOG.warnf("cannot write the status of %s/%s (%d time(s) in a row; will retry): %s", namespace, name,
                        failuresInARow, ApiErrors.describe(e));
            }
            return false;
        } catch (RuntimeException e) {
            if (failuresInARow++ == 0 || failuresInARow % 30 == 0) {
                LOG.warnf("cannot write the status of %s/%s (%d time(s) in a row; will retry): %s", namespace, name,
                        failuresInARow, e.toString());
            }
            return false;
        }
    }
}
