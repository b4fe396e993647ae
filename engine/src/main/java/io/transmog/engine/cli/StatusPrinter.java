package io.transmog.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.StatusTracker;

import java.io.PrintWriter;

/** Writes {@code --status-json} lines: one JSON object per line, the DESIGN's field names first. */
final class StatusPrinter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintWriter out;
    private final StatusTracker tracker;
    private boolean finished;

    StatusPrinter(PrintWriter out, StatusTracker tracker) {
        this.out = out;
        this.tracker = tracker;
    }

    /**
     * Prints the current status. The snapshot is taken under the lock, so a periodic
     * line can never overtake a phase change; nothing follows the terminal line.
     */
    synchronized void printNow() {
        if (finished) {
            return;
        }
        MigrationStatus status = tracker.snapshot();
        finished = status.phase().isTerminal();
        out.println(toJson(status));
        out.flush();
    }

    static String toJson(MigrationStatus status) {
        ObjectNode node = JSON.createObjectNode();
        node.put("phase", status.phase().name());
        node.put("rowsCopied", status.rowsCopied());
        node.put("rowsEstimated", status.rowsEstimated());
        node.put("percent", status.percent());
        if (status.etaSeconds() == null) {
            node.putNull("etaSeconds");
        } else {
            node.put("etaSeconds", status.etaSeconds());
        }
        node.put("eventsApplied", status.eventsApplied());
        node.put("lagMillis", status.lagMillis());
        node.put("throttled", status.throttled());
        node.put("throttleReason", status.throttleReason());
        node.put("rowsPerSecond", status.rowsPerSecond());
        node.put("replicaLagMillis", status.replicaLagMillis());
        node.put("message", status.message());
        ObjectNode cutOver = node.putObject("cutOver");
        cutOver.put("attempts", status.cutOverAttempts());
        cutOver.put("lastError", status.cutOverLastError());
        if (status.cutOverStallMillis() != null) {
            cutOver.put("stallMillis", status.cutOverStallMillis());
        }
        if (status.plan() != null && status.phase().name().equals("Validated")) {
            node.put("plan", status.plan());
        }
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status is always serialisable", e);
        }
    }
}
