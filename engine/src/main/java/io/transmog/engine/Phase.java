package io.transmog.engine;

/** The phases shared by the CLI's status lines and the SchemaMigration resource. */
public enum Phase {
    Pending,
    Validating,
    Validated,
    Copying,
    Paused,
    AwaitingCutOver,
    CuttingOver,
    Succeeded,
    Failed,
    Cancelled;

    public boolean isTerminal() {
        return this == Validated || this == Succeeded || this == Failed || this == Cancelled;
    }
}
