package io.transmog.operator.model;

import java.util.EnumSet;
import java.util.Set;

/**
 * Phases of a migration, shared by the CLI ({@code --status-json}) and the resource status.
 */
public enum Phase {
    Pending,
    Validating,
    Copying,
    Paused,
    AwaitingCutOver,
    CuttingOver,
    Succeeded,
    Failed,
    Cancelled,
    /** A dry run that passed. */
    Validated;

    private static final Set<Phase> FINISHED = EnumSet.of(Succeeded, Failed, Cancelled, Validated);

    /** A finished migration never runs again, whatever happens to its spec or its Job. */
    public boolean isFinished() {
        return FINISHED.contains(this);
    }

    public boolean isSuccess() {
        return this == Succeeded || this == Validated;
    }

    /** Parses a phase name, or returns null for null/unknown input (never throws). */
    public static Phase parse(String name) {
        if (name == null) {
            return null;
        }
        for (Phase p : values()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
