package io.transmog.engine.binlog;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RotateEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer.CompatibilityMode;
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
        gtidMode = !gtidSet.isEmpty();
        boundaryGtid = gtidSet;
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
        EventDeserializer deserializer = new EventDeserializer();
        // Exact bytes for strings, microseconds for temporals, zero dates kept visible.
        deserializer.setCompatibilityMode(CompatibilityMode.CHAR_AND_BINARY_AS_BYTE_ARRAY,
                CompatibilityMode.DATE_AND_TIME_AS_LONG_MICRO, CompatibilityMode.INVALID_DATE_AND_TIME_AS_MIN_VALUE);
        binlogClient.setEventDeserializer(deserializer);
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
                if (type == EventType.XID || isCommit(event)) {
                    // The client adds a transaction's GTID to its set before its listeners see the commit.
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

    private void handle(Event event) throws InterruptedException {
        EventType type = event.getHeader().getEventType();
        if (type == EventType.ROTATE) {
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
            onRows(data.getTableId(), data.getRows());
        } else if (EventType.isUpdate(type)) {
            UpdateRowsEventData data = event.getData();
            List<Serializable[]> rows = new ArrayList<>();
            for (Map.Entry<Serializable[], Serializable[]> change : data.getRows()) {
                rows.add(change.getKey());
                rows.add(change.getValue());
            }
            onRows(data.getTableId(), rows);
        } else if (EventType.isDelete(type)) {
            DeleteRowsEventData data = event.getData();
            onRows(data.getTableId(), data.getRows());
        } else if (type == EventType.QUERY) {
            QueryEventData query = event.getData();
            if (touchesOriginal(query)) {
                throw new MigrationException("a statement changed " + names.qualifiedOriginal()
                        + " while it was being migrated: \"" + abbreviate(query.getSql()) + "\"; the migration stops rather than guess");
            }
        }
    }

    private void onRows(long tableId, List<Serializable[]> rows) throws InterruptedException {
        TableMapEventData table = tables.get(tableId);
        if (table == null) {
            return;
        }
        if (isOriginal(table)) {
            for (Serializable[] row : rows) {
                List<Object> values = new ArrayList<>(keyOrdinals.length);
                for (int i = 0; i < keyOrdinals.length; i++) {
                    values.add(keyColumns.get(i).fromBinlog(row[keyOrdinals[i]]));
                }
                if (!changedKeys.add(new KeyTuple(values))) {
                    return;
                }
            }
            rowEvents.addAndGet(rows.size());
        } else if (table.getDatabase().equals(names.database()) && table.getTable().equals(names.changelog())) {
            for (Serializable[] row : rows) {
                changelog.onRow(Changelog.stringValue(row[CHANGELOG_HINT]), Changelog.stringValue(row[CHANGELOG_VALUE]));
            }
        }
    }

    private boolean isOriginal(TableMapEventData table) {
        return table.getDatabase().equals(names.database()) && table.getTable().equals(names.original());
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
