package io.transmog.engine.binlog;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RotateEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.TransactionPayloadEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import io.transmog.engine.MigrationException;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.inspect.ColumnInfo;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.TableNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import com.github.shyiko.mysql.binlog.network.SSLMode;
import io.transmog.engine.db.TlsMaterial;

import javax.net.ssl.SSLSocket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Reads the binary log from a given position and learns which keys of the original
 * table changed: only key columns are decoded, the rows themselves are re-read from the
 * original by the applier. Changelog rows are handed to the {@link Changelog}. A DDL
 * statement on the original stops the migration instead of being guessed around.
 */
public final class BinlogStreamer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BinlogStreamer.class);
    private static final Pattern TAG = Pattern.compile(":[A-Za-z_]");
    private static final Pattern TRANSACTION_CONTROL = Pattern.compile(
            "^\\s*(BEGIN|COMMIT|ROLLBACK|XA\\s|SAVEPOINT|RELEASE)", Pattern.CASE_INSENSITIVE);

    private final ConnectionConfig config;
    private final long serverId;
    private final TableNames names;
    private final List<KeyColumn> keyColumns;
    private final int originalColumnCount;
    private final int[] keyOrdinals;
    /** Column positions of the changelog table SqlBuilder creates: hint, value, updated_at. */
    private static final int CHANGELOG_HINT = 0;
    private static final int CHANGELOG_VALUE = 1;
    private final ChangedKeys changedKeys;
    private final Changelog changelog;
    /** The cut-over's own RENAME names the original too; it is the one statement that may. */
    private final String ownSwapStatement;
    /** The cut-over creates the original's triggers on the ghost under these names (--include-triggers). */
    private final Set<String> ownGhostTriggers;
    private final Map<Long, TableMapEventData> tables = new HashMap<>();
    private final AtomicLong rowEvents = new AtomicLong();
    private volatile BinaryLogClient client;
    private volatile Throwable failure;
    private volatile BinlogPosition position;
    /** The position after the last complete transaction: a stream may only be resumed from here. */
    private volatile BinlogPosition transactionBoundary;
    private volatile boolean gtidMode;
    private volatile String boundaryGtid = "";
    /** Set when our own swap went by: what follows belongs to the new table and is not ours to follow. */
    private volatile boolean swapSeen;

    public BinlogStreamer(ConnectionConfig config, long serverId, MigrationPlan plan, ChangedKeys changedKeys,
                          Changelog changelog, String ownSwapStatement, Set<String> ownGhostTriggers) {
        this.ownSwapStatement = ownSwapStatement;
        this.ownGhostTriggers = Set.copyOf(ownGhostTriggers);
        this.config = config;
        this.serverId = serverId;
        this.names = plan.names();
        this.keyColumns = plan.keyColumns();
        this.originalColumnCount = plan.original().columns().size();
        this.keyOrdinals = plan.keyColumns().stream().mapToInt(k -> k.original().ordinal()).toArray();
        this.changedKeys = changedKeys;
        this.changelog = changelog;
    }

    /**
     * @param gtidSet with gh-ost's --gtid: the GTID set of every transaction already seen; the stream then starts after
     *                it (positioned by GTID, not by file and offset) and checkpoints record the set. Empty: by position.
     */
    public void start(BinlogPosition from, String gtidSet) {
        position = from;
        transactionBoundary = from;
        gtidMode = !gtidSet.isEmpty() && !hasTags(gtidSet);
        if (!gtidSet.isEmpty() && !gtidMode) {
            LOG.warn("table={} phase=streaming the GTID set has tagged GTIDs, which the binlog client cannot send:"
                    + " streaming by file:position instead of --gtid", names.original());
        }
        boundaryGtid = gtidMode ? gtidSet : "";
        BinaryLogClient binlogClient = new BinaryLogClient(config.host(), config.port(), config.user(), config.password());
        binlogClient.setServerId(serverId);
        binlogClient.setBinlogFilename(from.file());
        binlogClient.setBinlogPosition(from.position());
        binlogClient.setKeepAlive(true);
        if (gtidMode) {
            binlogClient.setGtidSet(gtidSet);
        }
        if (config.tls().enabled()) {
            javax.net.ssl.SSLSocketFactory factory = TlsMaterial.of(config.tls()).sslContext().getSocketFactory();
            binlogClient.setSSLMode(SSLMode.valueOf(config.tls().mode().name()));
            binlogClient.setSslSocketFactory(socket -> {
                try {
                    return (SSLSocket) factory.createSocket(socket, config.host(), config.port(), true);
                } catch (java.io.IOException e) {
                    throw new SocketException("TLS to " + config.host() + ":" + config.port() + ": " + e.getMessage());
                }
            });
        }
        binlogClient.setEventDeserializer(EventDecoding.deserializer(table -> isOriginal(table) || isChangelog(table)));
        binlogClient.registerEventListener(this::onEvent);
        binlogClient.registerLifecycleListener(new BinaryLogClient.AbstractLifecycleListener() {
            @Override
            public void onCommunicationFailure(BinaryLogClient c, Exception ex) {
                LOG.warn("table={} phase=streaming binlog connection failed at {}: {}", names.original(), position, ex.getMessage());
            }

            @Override
            public void onEventDeserializationFailure(BinaryLogClient c, Exception ex) {
                fail(new MigrationException("cannot decode a binlog event at " + position + ": " + ex.getMessage(), ex));
            }
        });
        client = binlogClient;
        try {
            binlogClient.connect(TimeUnit.SECONDS.toMillis(15));
        } catch (IOException | TimeoutException e) {
            throw new MigrationException("cannot stream the binlog from " + config.host() + ":" + config.port()
                    + " (needs REPLICATION SLAVE): " + e.getMessage(), e);
        }
        LOG.info("table={} phase=streaming binlog stream started at {} as server_id {}", names.original(), from, serverId);
    }

    /** Non-null once the stream hit something it cannot carry on from. */
    public Throwable failure() {
        return failure;
    }

    public BinlogPosition position() {
        return position;
    }

    /**
     * Where a resumed stream must start: the end of the last transaction whose keys have
     * all been handed to {@link ChangedKeys}. Starting mid-transaction would skip the
     * table map its row events need.
     */
    public BinlogPosition transactionBoundary() {
        return transactionBoundary;
    }

    /** With --gtid, the GTID set of every transaction up to {@link #transactionBoundary()}; else empty. */
    public String transactionBoundaryGtid() {
        return boundaryGtid;
    }

    private static boolean isCommit(Event event) {
        return event.getHeader().getEventType() == EventType.QUERY
                && "COMMIT".equalsIgnoreCase(String.valueOf(((QueryEventData) event.getData()).getSql()).strip());
    }

    public long rowEventsSeen() {
        return rowEvents.get();
    }

    private void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
            LOG.error("table={} phase=streaming stream stopped: {}", names.original(), cause.getMessage());
        }
        changelog.failWaiters(cause);
        changedKeys.close();
    }

    private void onEvent(Event event) {
        if (failure != null || swapSeen) {
            return;
        }
        try {
            handle(event);
            EventHeaderV4 header = event.getHeader();
            EventType type = header.getEventType();
            if (header.getNextPosition() > 0 && type != EventType.ROTATE) {
                position = new BinlogPosition(position.file(), header.getNextPosition());
                // A compressed transaction's payload holds the whole transaction, up to its commit. The client adds a
                // transaction's GTID to its set before its listeners see the commit.
                if (type == EventType.XID || type == EventType.TRANSACTION_PAYLOAD || isCommit(event)) {
                    boundaryGtid = gtidMode ? client.getGtidSet() : "";
                    transactionBoundary = position;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /** MySQL 8.3+ writes a tagged GTID as {@code uuid:tag:1-3}: after the UUID, a part that starts with a letter. */
    static boolean hasTags(String gtidSet) {
        return TAG.matcher(gtidSet).find();
    }

    private void handle(Event event) throws InterruptedException {
        EventType type = event.getHeader().getEventType();
        if (type == EventType.UNKNOWN) {
            // An event type 0.30.1 does not know, above all MySQL 8.3+'s tagged GTID event (GTID_TAGGED_LOG_EVENT),
            // which precedes a transaction run with SET gtid_next = 'AUTOMATIC:<tag>'. The client cannot add that
            // transaction to its GTID set, and a resume from a set without it would replay it: from here on
            // checkpoints record no set, so a resume goes by file and offset, which the event header always carries.
            if (gtidMode) {
                gtidMode = false;
                LOG.warn("table={} phase=streaming binlog event at {} carries no GTID the stream can read (likely a"
                        + " tagged GTID): checkpoints record file:position only from here on", names.original(), position);
            }
        } else if (type == EventType.TRANSACTION_PAYLOAD) {
            // A compressed transaction (binlog_transaction_compression): its events, decoded like all others.
            TransactionPayloadEventData payload = event.getData();
            for (Event inner : payload.getUncompressedEvents()) {
                handle(inner);
            }
        } else if (event.getData() instanceof EventDecoding.OtherTableRows) {
            return;
        } else if (event.getData() instanceof EventDecoding.UndecodedRows undecoded) {
            TableMapEventData table = tables.get(undecoded.tableId());
            if (table != null && isOriginal(table)) {
                throw new MigrationException("a change of " + names.qualifiedOriginal() + " cannot be decoded from the"
                        + " binlog: the table has a column type the binlog library does not know, so the changed row is"
                        + " unknown and the migration stops");
            }
        } else if (type == EventType.PARTIAL_UPDATE_ROWS_EVENT) {
            EventDecoding.PartialRowsUpdate partial = event.getData();
            TableMapEventData table = tables.get(partial.tableId());
            if (table != null && isOriginal(table)) {
                throw new MigrationException("an UPDATE of " + names.qualifiedOriginal() + " was logged as a partial JSON"
                        + " update (binlog_row_value_options=PARTIAL_JSON), whose row images the binlog library cannot"
                        + " read: the changed row is unknown, so the migration stops. Set binlog_row_value_options=''"
                        + " globally and in the sessions that write the table, then run the migration again");
            }
        } else if (type == EventType.ROTATE) {
            RotateEventData rotate = event.getData();
            position = new BinlogPosition(rotate.getBinlogFilename(), rotate.getBinlogPosition());
        } else if (type == EventType.TABLE_MAP) {
            TableMapEventData map = event.getData();
            tables.put(map.getTableId(), map);
            if (isOriginal(map) && map.getColumnTypes().length != originalColumnCount) {
                throw new MigrationException("table " + names.qualifiedOriginal() + " has " + map.getColumnTypes().length
                        + " columns in the binlog but had " + originalColumnCount + " when the migration started: its definition changed");
            }
        } else if (EventType.isWrite(type)) {
            WriteRowsEventData data = event.getData();
            onRows(data.getTableId(), data.getIncludedColumns(), data.getRows());
        } else if (EventType.isUpdate(type)) {
            onUpdate(event.getData());
        } else if (EventType.isDelete(type)) {
            DeleteRowsEventData data = event.getData();
            onRows(data.getTableId(), data.getIncludedColumns(), data.getRows());
        } else if (type == EventType.QUERY) {
            QueryEventData query = event.getData();
            if (touchesOriginal(query)) {
                throw new MigrationException("a statement changed " + names.qualifiedOriginal()
                        + " while it was being migrated: \"" + abbreviate(query.getSql()) + "\"; the migration stops rather than guess");
            }
        }
    }

    private void onRows(long tableId, BitSet included, List<Serializable[]> rows) throws InterruptedException {
        TableMapEventData table = tables.get(tableId);
        if (table == null) {
            return;
        }
        if (isOriginal(table)) {
            int[] positions = keyPositions(included);
            requireKey(positions);
            for (Serializable[] row : rows) {
                if (!changedKeys.add(key(row, positions, null, null))) {
                    return;
                }
            }
            rowEvents.addAndGet(rows.size());
        } else if (isChangelog(table)) {
            rows.forEach(this::onChangelogRow);
        }
    }

    /** Changelog rows are written by this engine's own sessions, with full row images. */
    private void onChangelogRow(Serializable[] row) {
        changelog.onRow(Changelog.stringValue(row[CHANGELOG_HINT]), Changelog.stringValue(row[CHANGELOG_VALUE]));
    }

    /**
     * Both keys of every changed row of the original: the row may have moved to another key. Changelog rows are
     * upserted (heartbeats, markers, checkpoints): their new values are read.
     */
    private void onUpdate(UpdateRowsEventData data) throws InterruptedException {
        TableMapEventData table = tables.get(data.getTableId());
        if (table != null && isChangelog(table)) {
            data.getRows().forEach(change -> onChangelogRow(change.getValue()));
        }
        if (table == null || !isOriginal(table)) {
            return;
        }
        int[] before = keyPositions(data.getIncludedColumnsBeforeUpdate());
        int[] after = keyPositions(data.getIncludedColumns());
        requireKey(before);
        for (Map.Entry<Serializable[], Serializable[]> change : data.getRows()) {
            KeyTuple oldKey = key(change.getKey(), before, null, null);
            // A key column missing from the after image (a MINIMAL image) did not change: its old value holds.
            if (!changedKeys.add(oldKey) || !changedKeys.add(key(change.getValue(), after, change.getKey(), before))) {
                return;
            }
        }
        rowEvents.addAndGet(2L * data.getRows().size());
    }

    /**
     * Where each key column is in a row of an event whose image holds {@code included} columns (-1: not there).
     * The library hands over only the included columns, in table order: a FULL image holds all of them; a session
     * with binlog_row_image=MINIMAL or NOBLOB logs fewer, and counting by ordinal would read the wrong column.
     */
    private int[] keyPositions(BitSet included) {
        int[] positions = new int[keyOrdinals.length];
        for (int i = 0; i < keyOrdinals.length; i++) {
            int ordinal = keyOrdinals[i];
            positions[i] = included == null ? ordinal : included.get(ordinal) ? included.get(0, ordinal).cardinality() : -1;
        }
        return positions;
    }

    private void requireKey(int[] positions) {
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] < 0) {
                throw new MigrationException("a row event of " + names.qualifiedOriginal() + " lacks the chunking key column "
                        + io.transmog.engine.sql.Identifiers.quote(keyColumns.get(i).original().name())
                        + ": a session wrote the table with binlog_row_image=MINIMAL (or NOBLOB), so the changed row is"
                        + " unknown and the migration stops. Keep binlog_row_image=FULL in every session that writes the"
                        + " table (or migrate by its primary key), then run the migration again");
            }
        }
    }

    /** The key of {@code row}; a column it lacks comes from {@code fallback}'s row, which must have it. */
    private KeyTuple key(Serializable[] row, int[] positions, Serializable[] fallback, int[] fallbackPositions) {
        List<Object> values = new ArrayList<>(positions.length);
        for (int i = 0; i < positions.length; i++) {
            Serializable raw = positions[i] >= 0 ? row[positions[i]] : fallback[fallbackPositions[i]];
            values.add(keyColumns.get(i).fromBinlog(raw));
        }
        return new KeyTuple(values);
    }

    private boolean isOriginal(TableMapEventData table) {
        return table.getDatabase().equals(names.database()) && table.getTable().equals(names.original());
    }

    private boolean isChangelog(TableMapEventData table) {
        return table.getDatabase().equals(names.database()) && table.getTable().equals(names.changelog());
    }

    /**
     * A statement that changes the original, the ghost or the changelog: DDL naming one of them (or dropping their
     * database), or DML logged as a statement that mentions the original (its rows then come without row events).
     * Other objects named like the table (events, views, triggers, routines) are not the table.
     */
    private boolean touchesOriginal(QueryEventData query) {
        String sql = query.getSql();
        if (sql == null || TRANSACTION_CONTROL.matcher(sql).find()) {
            return false;
        }
        if (sql.strip().equals(ownSwapStatement)) {
            swapSeen = true;
            return false;
        }
        StatementTargets.Targets targets = StatementTargets.of(sql);
        if (targets instanceof StatementTargets.Tables tables) {
            if (tables.createdTrigger().filter(ownGhostTriggers::contains).isPresent()) {
                return false;
            }
            return tables.tables().stream().anyMatch(table -> isMigrationTable(table, query.getDatabase()));
        }
        boolean inDatabase = names.database().equals(query.getDatabase()) || mentionsIdentifier(sql, names.database());
        return inDatabase && mentionsIdentifier(sql, names.original());
    }

    private boolean isMigrationTable(StatementTargets.Table table, String sessionDatabase) {
        String database = table.database().isEmpty() ? sessionDatabase : table.database();
        if (!names.database().equals(database)) {
            return false;
        }
        String name = table.name();
        return name.isEmpty() || name.equals(names.original()) || name.equals(names.ghost()) || name.equals(names.changelog());
    }

    static boolean mentionsIdentifier(String sql, String identifier) {
        String lowerSql = sql.toLowerCase(java.util.Locale.ROOT);
        String lowerId = identifier.toLowerCase(java.util.Locale.ROOT);
        int from = 0;
        while (true) {
            int i = lowerSql.indexOf(lowerId, from);
            if (i < 0) {
                return false;
            }
            int end = i + lowerId.length();
            boolean startBoundary = i == 0 || !isIdentifierChar(lowerSql.charAt(i - 1));
            boolean endBoundary = end == lowerSql.length() || !isIdentifierChar(lowerSql.charAt(end));
            if (startBoundary && endBoundary) {
                return true;
            }
            from = i + 1;
        }
    }

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static String abbreviate(String sql) {
        return sql.length() > 200 ? sql.substring(0, 200) + "..." : sql;
    }

    @Override
    public void close() {
        changedKeys.close();
        BinaryLogClient binlogClient = client;
        if (binlogClient != null) {
            try {
                binlogClient.disconnect();
            } catch (IOException e) {
                LOG.debug("disconnecting the binlog client: {}", e.getMessage());
            }
        }
    }
}
