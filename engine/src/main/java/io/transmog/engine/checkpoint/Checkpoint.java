package io.transmog.engine.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.transmog.engine.MigrationException;
import io.transmog.engine.binlog.BinlogPosition;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.KeyTuple;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A consistent point to resume from: every change before {@code binlog} is in the ghost
 * table, and every chunk up to {@code copiedUpTo} is copied. Stored as JSON in the
 * changelog table, so it lives and dies with the migration's own tables.
 *
 * @param alter        the ALTER it belongs to; a restart with another ALTER must not resume
 * @param ghostSchema  the ghost's definition, to notice a ghost table changed by hand
 * @param gtid         with --gtid, the GTID set of every transaction up to {@code binlog} (the resume point); else empty
 * @param copiedUpTo   inclusive end of the last copied chunk; null before the first chunk
 */
public record Checkpoint(String alter, String ghostSchema, BinlogPosition binlog, String gtid,
                         KeyTuple copiedUpTo, boolean copyDone, long rowsCopied, long eventsApplied) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("alter", alter);
        node.put("ghostSchema", ghostSchema);
        node.put("binlogFile", binlog.file());
        node.put("binlogPosition", binlog.position());
        node.put("gtid", gtid);
        node.put("copyDone", copyDone);
        node.put("rowsCopied", rowsCopied);
        node.put("eventsApplied", eventsApplied);
        if (copiedUpTo != null) {
            ArrayNode key = node.putArray("copiedUpTo");
            copiedUpTo.values().forEach(value -> key.add(encode(value)));
        }
        return node.toString();
    }

    public static Checkpoint fromJson(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            KeyTuple copiedUpTo = null;
            if (node.has("copiedUpTo")) {
                List<Object> values = new ArrayList<>();
                node.get("copiedUpTo").forEach(value -> values.add(decode(value)));
                copiedUpTo = new KeyTuple(values);
            }
            return new Checkpoint(node.get("alter").asText(), node.get("ghostSchema").asText(),
                    new BinlogPosition(node.get("binlogFile").asText(), node.get("binlogPosition").asLong()),
                    node.path("gtid").asText(""), copiedUpTo, node.get("copyDone").asBoolean(),
                    node.get("rowsCopied").asLong(), node.get("eventsApplied").asLong());
        } catch (IOException | RuntimeException e) {
            throw new MigrationException("the checkpoint in the changelog table is unreadable: " + e.getMessage(), e);
        }
    }

    /** Key values keep their Java type, so a resumed copy binds exactly what it would have. */
    private static ObjectNode encode(Object value) {
        ObjectNode node = JSON.createObjectNode();
        if (value instanceof Long l) {
            node.put("long", l);
        } else if (value instanceof Integer i) {
            node.put("int", i);
        } else if (value instanceof BigInteger big) {
            node.put("bigint", big.toString());
        } else if (value instanceof BigDecimal decimal) {
            node.put("decimal", decimal.toPlainString());
        } else if (value instanceof Double d) {
            node.put("double", Double.toString(d));
        } else if (value instanceof KeyColumn.Bytes bytes) {
            node.put("bytes", Base64.getEncoder().encodeToString(bytes.value()));
        } else if (value instanceof String s) {
            node.put("string", s);
        } else {
            throw new IllegalStateException("no checkpoint encoding for key value of " + value.getClass());
        }
        return node;
    }

    private static Object decode(JsonNode node) {
        String type = node.fieldNames().next();
        JsonNode value = node.get(type);
        return switch (type) {
            case "long" -> value.asLong();
            case "int" -> value.asInt();
            case "bigint" -> new BigInteger(value.asText());
            case "decimal" -> new BigDecimal(value.asText());
            case "double" -> Double.parseDouble(value.asText());
            case "bytes" -> new KeyColumn.Bytes(Base64.getDecoder().decode(value.asText()));
            case "string" -> value.asText();
            default -> throw new IllegalStateException("unknown key value type " + type);
        };
    }
}
