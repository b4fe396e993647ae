package io.transmog.engine.binlog;

import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Rows events are decoded only for the tables the streamer follows; the bytes are built as the server writes them. */
class EventDecodingTest {
    private static final int MYSQL_TYPE_LONG = 3;

    @Test
    void decodesRowsOfFollowedTablesOnlyAndKeepsTheStreamAligned() throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(event(EventType.TABLE_MAP, tableMap(7, "shop", "t")));
        stream.writeBytes(event(EventType.WRITE_ROWS, writeRows(7, 42)));
        stream.writeBytes(event(EventType.TABLE_MAP, tableMap(8, "shop", "_t_gho")));
        stream.writeBytes(event(EventType.WRITE_ROWS, writeRows(8, 43)));
        // The same id, mapped again to a followed table (ids are per table share, and maps precede every use).
        stream.writeBytes(event(EventType.TABLE_MAP, tableMap(8, "shop", "t")));
        stream.writeBytes(event(EventType.WRITE_ROWS, writeRows(8, 44)));

        EventDeserializer deserializer = EventDecoding.deserializer(map -> map.getTable().equals("t"));
        ByteArrayInputStream input = new ByteArrayInputStream(stream.toByteArray());
        Event[] events = new Event[6];
        for (int i = 0; i < events.length; i++) {
            events[i] = deserializer.nextEvent(input);
        }

        assertThat(deserializer.nextEvent(input)).as("end of stream").isNull();
        assertThat(onlyValue(events[1])).isEqualTo(42);
        assertThat(events[3].<EventDecoding.OtherTableRows>getData()).isEqualTo(new EventDecoding.OtherTableRows(8));
        assertThat(events[3].getHeader().getEventType()).isEqualTo(EventType.WRITE_ROWS);
        assertThat(onlyValue(events[5])).isEqualTo(44);
    }

    private static Serializable onlyValue(Event event) {
        WriteRowsEventData rows = event.getData();
        assertThat(rows.getRows()).hasSize(1);
        return rows.getRows().get(0)[0];
    }

    /** A v4 header (timestamp, type, server id, length, next position, flags) before {@code body}, no checksum. */
    private static byte[] event(EventType type, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        littleEndian(out, 0, 4);
        out.write(type == EventType.TABLE_MAP ? 19 : 23);
        littleEndian(out, 1, 4);
        littleEndian(out, 19 + body.length, 4);
        littleEndian(out, 0, 4);
        littleEndian(out, 0, 2);
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** One nullable INT column. */
    private static byte[] tableMap(long tableId, String database, String table) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        littleEndian(out, tableId, 6);
        littleEndian(out, 0, 2);
        name(out, database);
        name(out, table);
        out.write(1);
        out.write(MYSQL_TYPE_LONG);
        out.write(0);
        out.write(1);
        return out.toByteArray();
    }

    private static byte[] writeRows(long tableId, int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        littleEndian(out, tableId, 6);
        littleEndian(out, 0, 2);
        out.write(1);
        out.write(1);
        out.write(0);
        littleEndian(out, value, 4);
        return out.toByteArray();
    }

    private static void name(ByteArrayOutputStream out, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes.length);
        out.writeBytes(bytes);
        out.write(0);
    }

    private static void littleEndian(ByteArrayOutputStream out, long value, int length) {
        for (int i = 0; i < length; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }
}
