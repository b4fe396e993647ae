package io.transmog.engine.binlog;

import io.transmog.engine.sql.KeyTuple;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keys the binlog says changed and the ghost table has not re-synced yet, de-duplicated
 * (a hot row changed a thousand times is re-synced once). Bounded: when full, the
 * streamer waits, and the backlog stays in the server's binlog instead of the heap.
 */
public final class ChangedKeys {
    private final int capacity;
    private final LinkedHashSet<KeyTuple> pending = new LinkedHashSet<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private volatile boolean closed;

    public ChangedKeys(int capacity) {
        this.capacity = capacity;
    }

    /** Adds a key; waits while the buffer is full. Returns false once closed. */
    public boolean add(KeyTuple key) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (pending.size() >= capacity && !pending.contains(key) && !closed) {
                notFull.await();
            }
            if (closed) {
                return false;
            }
            pending.add(key);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns up to {@code max} keys, oldest first. */
    public List<KeyTuple> take(int max) {
        lock.lock();
        try {
            List<KeyTuple> batch = new ArrayList<>(Math.min(max, pending.size()));
            Iterator<KeyTuple> iterator = pending.iterator();
            while (iterator.hasNext() && batch.size() < max) {
                batch.add(iterator.next());
                iterator.remove();
            }
            if (!batch.isEmpty()) {
                notFull.signalAll();
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        lock.lock();
        try {
            closed = true;
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
