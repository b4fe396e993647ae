package io.transmog.engine.binlog;

import com.github.luben.zstd.Zstd;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventData;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.TransactionPayloadEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer.CompatibilityMode;
import com.github.shyiko.mysql.binlog.event.deserialization.EventHeaderV4Deserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The binlog library's event decoding (mysql-binlog-connector-java 0.30.1), set up the way key decoding needs it,
 * with two of its gaps closed:
 * <ul>
 * <li>MySQL's compressed transactions ({@code binlog_transaction_compression}, settable per session) arrive as one
 * TRANSACTION_PAYLOAD event. The library decompresses it, but decodes the events inside with a default decoder that
 * ignores the compatibility modes below (strings through a JVM charset, temporals cut to milliseconds, zero dates as
 * null): a changed key decoded that way would re-sync the wrong row. Here they go through the same modes as every
 * other event, and the streamer handles them one by one.</li>
 * <li>With {@code binlog_row_value_options=PARTIAL_JSON} (also per session), an UPDATE that edits a JSON document in
 * place is logged as a PARTIAL_UPDATE_ROWS event, which the library cannot decode at all; it would hand it over
 * without data, and the change would be lost without a trace. Here its table id is read, so the streamer can stop
 * when such an event touches the migrated table.</li>
 * </ul>
 */
final class EventDecoding {
    /** MySQL's payload header: field type, field length, value (packed integers); type 0 ends it. */
    private static final int HEADER_END = 0;
    private static final int PAYLOAD_SIZE = 1;
    private static final int COMPRESSION_TYPE = 2;
    private static final int UNCOMPRESSED_SIZE = 3;
    /** MySQL's compression types; 0.30.1 reads ZSTD only. */
    private static final int ZSTD = 0;
    private static final int NONE = 255;

    private EventDecoding() {
    }

    /**
     * The streamer's decoder: exact bytes for strings, microseconds for temporals, zero dates kept visible. Only the
     * rows events of tables {@code rowsWanted} accepts are decoded; the others become {@link OtherTableRows}.
     */
    static EventDeserializer deserializer(Predicate<TableMapEventData> rowsWanted) {
        EventDeserializer outer = withModes(rowsWanted);
        outer.setEventDataDeserializer(EventType.TRANSACTION_PAYLOAD, new CompressedTransaction(withModes(rowsWanted)));
        return outer;
    }

    private static EventDeserializer withModes(Predicate<TableMapEventData> rowsWanted) {
        EventDeserializer deserializer = new Tolerant(rowsWanted);
        deserializer.setCompatibilityMode(CompatibilityMode.CHAR_AND_BINARY_AS_BYTE_ARRAY,
                CompatibilityMode.DATE_AND_TIME_AS_LONG_MICRO, CompatibilityMode.INVALID_DATE_AND_TIME_AS_MIN_VALUE);
        deserializer.setEventDataDeserializer(EventType.PARTIAL_UPDATE_ROWS_EVENT, new PartialUpdateTable());
        return deserializer;
    }

    /** A rows event of a table with a column type the library does not know: only its table is known. */
    record UndecodedRows(long tableId) implements EventData {
    }

    /**
     * A rows event of a table the migration does not follow, left undecoded. Most of the stream is such events while
     * the copy runs (every row it writes to the ghost comes back), and decoding each value of each row had been a
     * third of transmog's CPU time during an idle copy.
     */
    record OtherTableRows(long tableId) implements EventData {
    }

    /**
     * The library's decoder, except that a table map or rows event of a table with a column type it does not know
     * (MySQL 9's VECTOR, type 242) no longer stops the whole stream: any table on the server may have one, and its
     * changes matter only when it is the migrated table. Each event is read whole first and decoded from that copy,
     * so a failed attempt leaves the stream at the next event. Such a table map keeps the table's names and raw
     * column types (no metadata); such a rows event becomes {@link UndecodedRows}, and the streamer stops only if
     * it is the migrated table's.
     */
    private static final class Tolerant extends EventDeserializer {
        private static final int HEADER_LENGTH = 19;
        private static final int EVENT_LENGTH_OFFSET = 9;
        private static final int TABLE_ID_LENGTH = 6;
        private static final Set<EventType> ROWS = EnumSet.of(EventType.WRITE_ROWS, EventType.EXT_WRITE_ROWS,
                EventType.UPDATE_ROWS, EventType.EXT_UPDATE_ROWS, EventType.DELETE_ROWS, EventType.EXT_DELETE_ROWS);
        private final EventHeaderV4Deserializer headers = new EventHeaderV4Deserializer();
        private final Predicate<TableMapEventData> rowsWanted;
        /** Per table id, from its latest table map (one precedes each table's rows events in every transaction). */
        private final Map<Long, Boolean> rowsWantedByTableId = new HashMap<>();

        Tolerant(Predicate<TableMapEventData> rowsWanted) {
            this.rowsWanted = rowsWanted;
        }

        @Override
        public Event nextEvent(ByteArrayInputStream input) throws IOException {
            if (input.peek() == -1) {
                return null;
            }
            byte[] header = input.read(HEADER_LENGTH);
            long length = new ByteArrayInputStream(Arrays.copyOfRange(header, EVENT_LENGTH_OFFSET, EVENT_LENGTH_OFFSET + 4))
                    .readLong(4);
            byte[] whole = Arrays.copyOf(header, (int) length);
            input.fill(whole, HEADER_LENGTH, whole.length - HEADER_LENGTH);
            EventHeaderV4 eventHeader = headers.deserialize(new ByteArrayInputStream(header));
            if (ROWS.contains(eventHeader.getEventType())) {
                long tableId = littleEndian(whole, HEADER_LENGTH, TABLE_ID_LENGTH);
                if (Boolean.FALSE.equals(rowsWantedByTableId.get(tableId))) {
                    return new Event(eventHeader, new OtherTableRows(tableId));
                }
            }
            Event event = decode(whole, eventHeader);
            if (event.getData() instanceof TableMapEventData map) {
                rowsWantedByTableId.put(map.getTableId(), rowsWanted.test(map));
            }
            return event;
        }

        private static long littleEndian(byte[] bytes, int offset, int length) {
            long value = 0;
            for (int i = length - 1; i >= 0; i--) {
                value = (value << 8) | (bytes[offset + i] & 0xFF);
            }
            return value;
        }

        private Event decode(byte[] whole, EventHeaderV4 eventHeader) throws IOException {
            try {
                return super.nextEvent(new ByteArrayInputStream(whole));
            } catch (IOException | RuntimeException e) {
                ByteArrayInputStream body = new ByteArrayInputStream(Arrays.copyOfRange(whole, HEADER_LENGTH, whole.length));
                if (eventHeader.getEventType() == EventType.TABLE_MAP) {
                    return new Event(eventHeader, namesOnly(body));
                }
                if (ROWS.contains(eventHeader.getEventType())) {
                    return new Event(eventHeader, new UndecodedRows(body.readLong(TABLE_ID_LENGTH)));
                }
                throw e;
            }
        }

        /** A table map's fixed part: table id, flags (2), schema and table (length, name, NUL), column types. */
        private static TableMapEventData namesOnly(ByteArrayInputStream body) throws IOException {
            TableMapEventData map = new TableMapEventData();
            map.setTableId(body.readLong(TABLE_ID_LENGTH));
            body.readInteger(2);
            map.setDatabase(body.readString(body.readInteger(1)));
            body.readInteger(1);
            map.setTable(body.readString(body.readInteger(1)));
            body.readInteger(1);
            byte[] types = body.read(body.readPackedInteger());
            map.setColumnTypes(types);
            map.setColumnMetadata(new int[types.length]);
            map.setColumnNullability(new BitSet());
            return map;
        }
    }

    /** A PARTIAL_UPDATE_ROWS event: only the table it changed is known. */
    record PartialRowsUpdate(long tableId) implements EventData {
    }

    /** Reads the table id that starts every rows event; the decoder skips the rest of the event. */
    private static final class PartialUpdateTable implements EventDataDeserializer<PartialRowsUpdate> {
        @Override
        public PartialRowsUpdate deserialize(ByteArrayInputStream input) throws IOException {
            return new PartialRowsUpdate(input.readLong(6));
        }
    }

    /** Decompresses a TRANSACTION_PAYLOAD event and decodes the events inside with {@code inner}. */
    private static final class CompressedTransaction implements EventDataDeserializer<TransactionPayloadEventData> {
        /** Keeps the table maps of the payloads it decoded, as the outer decoder keeps its own. */
        private final EventDeserializer inner;

        CompressedTransaction(EventDeserializer inner) {
            this.inner = inner;
        }

        @Override
        public TransactionPayloadEventData deserialize(ByteArrayInputStream input) throws IOException {
            TransactionPayloadEventData data = new TransactionPayloadEventData();
            data.setCompressionType(ZSTD);
            while (input.available() > 0) {
                int field = input.readPackedInteger();
                if (field == HEADER_END) {
                    break;
                }
                int length = input.readPackedInteger();
                switch (field) {
                    case PAYLOAD_SIZE -> data.setPayloadSize(input.readPackedInteger());
                    case COMPRESSION_TYPE -> data.setCompressionType(input.readPackedInteger());
                    case UNCOMPRESSED_SIZE -> data.setUncompressedSize(input.readPackedInteger());
                    default -> input.read(length);
                }
            }
            byte[] payload = input.read(data.getPayloadSize());
            data.setPayload(payload);
            byte[] events = switch (data.getCompressionType()) {
                case NONE -> payload;
                case ZSTD -> decompress(payload, data.getUncompressedSize());
                default -> throw new IOException("compressed transaction of unknown compression type "
                        + data.getCompressionType() + ": its changes cannot be read");
            };
            ArrayList<Event> decoded = new ArrayList<>();
            ByteArrayInputStream stream = new ByteArrayInputStream(events);
            for (Event event = inner.nextEvent(stream); event != null; event = inner.nextEvent(stream)) {
                decoded.add(event);
            }
            data.setUncompressedEvents(decoded);
            return data;
        }

        private static byte[] decompress(byte[] payload, int uncompressedSize) throws IOException {
            byte[] out = new byte[uncompressedSize];
            long size = Zstd.decompressByteArray(out, 0, out.length, payload, 0, payload.length);
            if (Zstd.isError(size) || size != out.length) {
                throw new IOException("cannot decompress a compressed transaction ("
                        + (Zstd.isError(size) ? Zstd.getErrorName(size) : size + " of " + out.length + " bytes") + ")");
            }
            return out;
        }
    }
}
