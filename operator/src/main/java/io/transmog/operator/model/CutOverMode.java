package io.transmog.operator.model;

public enum CutOverMode {
    /** Cut over as soon as the ghost table has caught up. */
    Automatic,
    /** Wait in phase AwaitingCutOver until spec.cutOver.approved is true. */
    Manual
}
