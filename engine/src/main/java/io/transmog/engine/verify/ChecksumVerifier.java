package io.transmog.engine.verify;

import io.transmog.engine.DaemonThreads;
import io.transmog.engine.MigrationException;
import io.transmog.engine.db.Retry;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.db.Warnings;
import io.transmog.engine.inspect.ColumnInfo;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.inspect.MigrationPlan.ColumnPair;
import io.transmog.engine.sql.BoundStatement;
import io.transmog.engine.sql.Identifiers;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.KeyQueries;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.VerifyProjection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Verification before cut-over: compares the original with the ghost table chunk by chunk
 * (ranges of the chunking key, cut from the original's key like the copy), each chunk
 * summed up over every copied column in one of two ways ({@link Summing}): by the server
 * (row count, XOR and sum of squares of per-row CRC32s, {@link SqlBuilder#rowChecksum}), or
 * by transmog from the rows' bytes ({@link RowHashes}: row count and XOR of 64-bit hashes). Each value is
 * projected so that equal data gives equal bytes on both sides even where the ALTER
 * changed its type (the original is converted through the ghost's type the way the copy
 * converts it); columns without an exact projection are left out and listed by
 * {@link #unverifiedColumns()}.
 *
 * <p>Where the ALTER keeps the key's order, the ghost's rows of a chunk are found by the
 * same range on the ghost's key columns, so rows missing, changed or extra in the ghost
 * show in the chunk they belong to. Where it does not (a key column's collation, ENUM or
 * SET members change), the ghost's rows are found by joining the chunk's original rows on
 * the key, and ghost rows without an original row are looked up once per pass and
 * reported as single-key ranges.
 *
 * <p>Not thread-safe; one verification at a time.
 */
public final class ChecksumVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(ChecksumVerifier.class);

    private final SqlBuilder sql;
    private final Summing summing;
    private final int chunkSize;
    private final List<KeyColumn> key;
    /** Each side's projected values: read row by row where transmog sums chunks up. */
    private final List<String> originalTerms = new ArrayList<>();
    private final List<String> ghostTerms = new ArrayList<>();
    /** A row's checksum over its projected values, on each side, where the server sums chunks up. */
    private final String originalRow;
    private final String ghostRow;
    private final List<String> unverified = new ArrayList<>();
    /** Null: ghost rows of a range are found by the ghost's key (range mode); else why they are joined. */
    private final String keyOrderDifference;
    /** Non-null when the tables cannot be compared at all. */
    private final String unsupported;
    private long rowsCompared;
    private long chunksCompared;

    public ChecksumVerifier(MigrationPlan plan, SqlBuilder sql, int chunkSize) {
        this(plan, sql, chunkSize, Summing.cheaperOn(sql.server()));
    }

    ChecksumVerifier(MigrationPlan plan, SqlBuilder sql, int chunkSize, Summing summing) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be positive, not " + chunkSize);
        }
        this.sql = sql;
        this.summing = summing;
        this.chunkSize = chunkSize;
        this.key = plan.keyColumns();
        this.keyOrderDifference = VerifyProjection.keyOrderDifference(key).orElse(null);
        this.unsupported = keyOrderDifference == null ? null : VerifyProjection.keyJoinProblem(key).orElse(null);
        List<Boolean> mayBeNull = new ArrayList<>();
        for (ColumnPair pair : plan.copiedColumns()) {
            ColumnInfo original = plan.original().requireColumn(pair.original());
            ColumnInfo ghost = plan.ghost().requireColumn(pair.ghost());
            Optional<VerifyProjection.Projection> projection = unsupported == null
                    ? VerifyProjection.checksum(original, ghost) : Optional.empty();
            if (projection.isEmpty()) {
                unverified.add(describe(pair) + ": " + (unsupported != null ? unsupported
                        : "its type changes from " + typeOf(original) + " to " + typeOf(ghost)
                          + ", which has no exact SQL projection to compare by"));
            } else {
                originalTerms.add(projection.get().onOriginal());
                ghostTerms.add(projection.get().onGhost());
                mayBeNull.add(original.nullable() || ghost.nullable());
            }
        }
        this.originalRow = SqlBuilder.rowChecksum(originalTerms, mayBeNull);
        this.ghostRow = SqlBuilder.rowChecksum(ghostTerms, mayBeNull);
        if (unsupported != null) {
            LOG.warn("the ghost table of {} cannot be verified: {}", plan.names().qualifiedOriginal(), unsupported);
        } else if (keyOrderDifference != null) {
            LOG.info("verifying {} by joining on the chunking key: {}", plan.names().qualifiedOriginal(), keyOrderDifference);
        }
    }

    /**
     * Compares original and ghost chunk by chunk inside the caller's consistent snapshot:
     * the caller has run {@code START TRANSACTION WITH CONSISTENT SNAPSHOT} (REPEATABLE READ)
     * on {@code snapshot} while both tables were aligned, and commits or rolls it back
     * afterwards; only non-locking reads run here. Returns the key ranges that differ, in
     * key order (empty: identical in every verified column). When the tables cannot be
     * compared at all ({@link #comparesRows()} false) there is nothing to report.
     */
    public List<KeyRange> mismatches(Connection snapshot) throws SQLException {
        return mismatches(snapshot, snapshot);
    }

    /**
     * As {@link #mismatches(Connection)}, with the ghost's side of every chunk read on
     * {@code ghostSnapshot}, a second consistent snapshot the caller opened at the same point
     * (both while nothing could write to either table), concurrently with the original's
     * side on {@code snapshot}: a pass then takes about the time of reading one table, not two.
     */
    public List<KeyRange> mismatches(Connection snapshot, Connection ghostSnapshot) throws SQLException {
        return mismatches(snapshot, ghostSnapshot, () -> { });
    }

    /**
     * As {@link #mismatches(Connection, Connection)}, calling {@code pacing} before each chunk: it may hold the pass,
     * e.g. while the applier works off a backlog the pass's reads let grow on a busy server.
     */
    public List<KeyRange> mismatches(Connection snapshot, Connection ghostSnapshot, Pacing pacing) throws SQLException {
        try (ResultsAsStored onOriginal = ResultsAsStored.where(summing, snapshot);
             ResultsAsStored onGhost = ResultsAsStored.where(summing, ghostSnapshot == snapshot ? null : ghostSnapshot)) {
            if (ghostSnapshot == snapshot) {
                return compareAll(snapshot, Runnable::run, ghostSnapshot, pacing);
            }
            ExecutorService ghostReader = Executors.newSingleThreadExecutor(DaemonThreads.named("transmog-verify-ghost"));
            try {
                return compareAll(snapshot, ghostReader, ghostSnapshot, pacing);
            } finally {
                ghostReader.shutdownNow();
            }
        }
    }

    /**
     * Where transmog hashes the rows, the values must reach it as the server holds them. In the text protocol the server
     * sends each value as the string it renders for it, which is what {@code CAST(... AS BINARY)} gives, converted to
     * {@code character_set_results}; set to binary, that converts nothing, so every string arrives as its stored bytes
     * and no conversion can make two values alike. Casting each value instead cost the server 1.4–1.8 s of CPU to send
     * a 1M-row sysbench table against 0.8–1.0 s (MySQL 9.7), for the same bytes, but for doubles: the text protocol
     * writes the digits that read back as the double exactly, where MySQL's CAST wrote some with 16 that read back as
     * a neighbour (ChecksumVerifierIT checks both). The session's setting is restored afterwards: the connections are
     * the caller's.
     */
    private static final class ResultsAsStored implements AutoCloseable {
        private final Connection connection;
        private final String before;

        private ResultsAsStored(Connection connection, String before) {
            this.connection = connection;
            this.before = before;
        }

        /** Null (nothing to restore) where the server sums up or there is no connection. */
        static ResultsAsStored where(Summing summing, Connection connection) throws SQLException {
            if (summing != Summing.BY_TRANSMOG || connection == null) {
                return null;
            }
            String before;
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT @@SESSION.character_set_results")) {
                rs.next();
                before = rs.getString(1);
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET SESSION character_set_results = binary");
            }
            return new ResultsAsStored(connection, before);
        }

        @Override
        public void close() throws SQLException {
            try (PreparedStatement statement = connection.prepareStatement("SET SESSION character_set_results = ?")) {
                statement.setString(1, before);
                statement.execute();
            }
        }
    }

    /** Called before each chunk of a pass, on the pass's thread; may block. */
    @FunctionalInterface
    public interface Pacing {
        void beforeChunk() throws InterruptedException;
    }

    /**
     * Who sums a chunk up. The server, with one CRC32 a row: only one row per chunk and table travels, and transmog
     * hashes nothing. Or transmog, from the rows' bytes, which the server sends. What costs the server less differs:
     * summing up a 1M-row sysbench table cost MariaDB 10.11 0.70–0.73 s of CPU against 0.95–1.3 s for sending it, but
     * MySQL 9.7 1.64–1.83 s against 1.15–1.23 s (its CONCAT_WS alone took 0.92–1.08 s), and 0.8–1.0 s since the rows
     * travel unconverted rather than cast ({@link ResultsAsStored}). Sending the rows costs transmog about as much CPU
     * again as the server, on the runner's node, not the database's.
     */
    enum Summing {
        BY_SERVER, BY_TRANSMOG;

        static Summing cheaperOn(ServerKind server) {
            return server.isMariaDb() ? BY_SERVER : BY_TRANSMOG;
        }
    }

    private List<KeyRange> compareAll(Connection snapshot, Executor ghostReader, Connection ghostSnapshot, Pacing pacing)
            throws SQLException {
        rowsCompared = 0;
        chunksCompared = 0;
        List<KeyRange> mismatched = new ArrayList<>();
        if (unsupported != null) {
            return mismatched;
        }
        int isolation = snapshot.getTransactionIsolation();
        if (isolation == Connection.TRANSACTION_READ_COMMITTED || isolation == Connection.TRANSACTION_READ_UNCOMMITTED) {
            throw new IllegalStateException("verification needs a consistent snapshot (REPEATABLE READ), the session is at "
                    + (isolation == Connection.TRANSACTION_READ_COMMITTED ? "READ COMMITTED" : "READ UNCOMMITTED"));
        }
        // The original's side reads chunk n + 1 while the ghost's side reads chunk n: each chunk's read of the original
        // finds where it ends, and the ghost's side needs that end. Neither side waits for the other's chunk unless it
        // is a whole chunk ahead, so the two connections are busy the whole pass, not each until the slower is done
        // (10M rows, MariaDB 10.11: 13 % shorter passes, with a separate query for each chunk's end and both sides
        // awaited at every chunk before).
        Deque<PendingChunk> pending = new ArrayDeque<>();
        long matchedInGhost = 0;
        KeyTuple from = null;
        try {
            do {
                awaitTurn(pacing);
                OriginalChunk original = readOriginal(snapshot, from);
                // The first and the last chunk are open-ended, so rows the ghost has before the original's first key or
                // after its last one are counted too.
                KeyRange range = new KeyRange(from, false, original.end(), key);
                pending.add(new PendingChunk(range, original.fingerprint(), readGhost(ghostReader, ghostSnapshot, range)));
                if (pending.size() > 1) {
                    matchedInGhost += settle(pending.remove(), mismatched);
                }
                from = original.end();
            } while (from != null);
            while (!pending.isEmpty()) {
                matchedInGhost += settle(pending.remove(), mismatched);
            }
        } finally {
            // A pass that ends early (paused, cancelled, failed) leaves no read running on a connection the caller
            // goes on to use: a ghost side in flight is at most one chunk.
            pending.forEach(chunk -> chunk.ghost().handle((fingerprint, failure) -> null).join());
        }
        if (keyOrderDifference != null) {
            // Every ghost row matched by an original row was counted in its chunk: the rest are extra.
            long extra = count(snapshot, sql.countGhostRows()) - matchedInGhost;
            if (extra > 0) {
                List<KeyRange> extras = ghostRowsWithoutOriginal(snapshot);
                if (extras.size() != extra) {
                    throw new MigrationException("verification found " + extra + " ghost row(s) matching no row of the original"
                            + " but could locate " + extras.size() + " of them by key");
                }
                mismatched.addAll(extras);
            }
        }
        return mismatched;
    }

    private static void awaitTurn(Pacing pacing) {
        try {
            pacing.beforeChunk();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("checksum pass interrupted");
        }
    }

    /**
     * Re-syncs every key in these ranges from the original, like the applier: per range,
     * in one transaction on {@code connection}, deletes the ghost's rows of the range and
     * inserts the original's current rows. Returns the rows inserted.
     */
    public long repair(Connection connection, List<KeyRange> ranges) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        int isolation = connection.getTransactionIsolation();
        // Like the applier's re-sync: newest committed rows under shared locks, no snapshot (see Applier).
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setAutoCommit(false);
        try {
            // A ghost row that lost its key (an extra) may hold another unique key's value the
            // range's real row needs: ranges that hit a duplicate get a second turn at the end.
            List<KeyRange> pending = new ArrayList<>(ranges);
            long inserted = 0;
            for (int round = 1; !pending.isEmpty(); round++) {
                List<KeyRange> collided = new ArrayList<>();
                SQLException lastDuplicate = null;
                for (KeyRange range : pending) {
                    try {
                        inserted += resync(connection, range);
                    } catch (SQLException e) {
                        if (e.getErrorCode() != Warnings.DUPLICATE_ENTRY) {
                            throw e;
                        }
                        collided.add(range);
                        lastDuplicate = e;
                    }
                }
                if (!collided.isEmpty() && (round >= 2 || collided.size() == pending.size())) {
                    throw Warnings.duplicate("re-copying mismatched rows", lastDuplicate.getMessage());
                }
                pending = collided;
            }
            return inserted;
        } finally {
            connection.setAutoCommit(autoCommit);
            connection.setTransactionIsolation(isolation);
        }
    }

    /** Columns left out of the comparison, each with the reason. */
    public List<String> unverifiedColumns() {
        return Collections.unmodifiableList(unverified);
    }

    /** Each verified column's term on the original (alias o) and on the ghost (alias g), in the order compared. */
    List<VerifyProjection.Projection> projections() {
        List<VerifyProjection.Projection> projections = new ArrayList<>();
        for (int i = 0; i < originalTerms.size(); i++) {
            projections.add(new VerifyProjection.Projection(originalTerms.get(i), ghostTerms.get(i)));
        }
        return projections;
    }

    /** False when the chunking key changes in a way that leaves no way to match rows: nothing is compared. */
    public boolean comparesRows() {
        return unsupported == null;
    }

    /** Rows of the original compared by the last {@link #mismatches}. */
    public long rowsCompared() {
        return rowsCompared;
    }

    /** Chunks compared by the last {@link #mismatches}. */
    public long chunksCompared() {
        return chunksCompared;
    }

    /** The ghost's side of a chunk, read on {@code reader}. */
    private CompletableFuture<Fingerprint> readGhost(Executor reader, Connection ghostSnapshot, KeyRange range) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return readGhost(ghostSnapshot, range);
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        }, reader);
    }

    private Fingerprint readGhost(Connection ghostSnapshot, KeyRange range) throws SQLException {
        boolean joined = keyOrderDifference != null;
        if (summing == Summing.BY_SERVER) {
            return summedByServer(ghostSnapshot, joined ? sql.checksumGhostJoined(range.from(), false, range.to(), ghostRow)
                    : sql.checksumGhostRange(range.from(), false, range.to(), ghostRow));
        }
        return hashedHere(ghostSnapshot, joined ? sql.valuesOfGhostJoined(range.from(), false, range.to(), ghostTerms)
                : sql.valuesOfGhostRange(range.from(), false, range.to(), ghostTerms));
    }

    /** Compares a chunk once its ghost side is read; returns the ghost's rows in it. */
    private long settle(PendingChunk chunk, List<KeyRange> mismatched) throws SQLException {
        Fingerprint ghost = join(chunk.ghost());
        Fingerprint original = chunk.original();
        rowsCompared += original.rows();
        chunksCompared++;
        if (!original.equals(ghost)) {
            LOG.info("verification: ghost differs from the original in {} ({} vs {} rows)", chunk.range(), ghost.rows(), original.rows());
            mismatched.add(chunk.range());
        }
        return ghost.rows();
    }

    /** A chunk whose original side is read, its ghost side being read. */
    private record PendingChunk(KeyRange range, Fingerprint original, CompletableFuture<Fingerprint> ghost) {
    }

    /** The original's side of a chunk, and the chunk's inclusive end: null for the last chunk, which is open-ended. */
    private record OriginalChunk(Fingerprint fingerprint, KeyTuple end) {
    }

    private static Fingerprint join(CompletableFuture<Fingerprint> side) throws SQLException {
        try {
            return side.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException sqlException) {
                throw sqlException;
            }
            throw e;
        }
    }

    private List<KeyRange> ghostRowsWithoutOriginal(Connection snapshot) throws SQLException {
        List<KeyRange> extras = new ArrayList<>();
        try (Statement statement = snapshot.createStatement();
             ResultSet rs = statement.executeQuery(sql.ghostKeysMissingFromOriginal())) {
            while (rs.next()) {
                KeyTuple tuple = KeyQueries.read(rs, key);
                for (int i = 0; i < key.size(); i++) {
                    Object value = tuple.values().get(i);
                    KeyColumn.Kind kind = key.get(i).kind();
                    if ((kind == KeyColumn.Kind.ENUM || kind == KeyColumn.Kind.SET) && toBigInteger(value).signum() < 0) {
                        throw new MigrationException("the ghost table has a row whose " + Identifiers.quote(key.get(i).ghost().name())
                                + " is a member the original's column lacks: it was not copied from the original");
                    }
                }
                LOG.info("verification: the ghost has a row the original lacks, key {}", tuple);
                extras.add(new KeyRange(tuple, true, tuple, key));
            }
        }
        return extras;
    }

    private long resync(Connection connection, KeyRange range) throws SQLException {
        boolean singleKey = range.from() != null && range.fromInclusive() && range.from().equals(range.to());
        return Retry.onTransientErrors("re-copying " + range, () -> {
            BoundStatement delete;
            BoundStatement insert;
            if (singleKey && keyOrderDifference != null) {
                delete = sql.deleteFromGhost(List.of(range.from()));
                insert = sql.insertFromOriginal(List.of(range.from()));
            } else {
                delete = keyOrderDifference == null
                        ? sql.deleteGhostRange(range.from(), range.fromInclusive(), range.to())
                        : sql.deleteGhostJoined(range.from(), range.fromInclusive(), range.to());
                insert = sql.copyRange(range.from(), range.fromInclusive(), range.to());
            }
            try (PreparedStatement deleting = delete.prepare(connection);
                 PreparedStatement inserting = insert.prepare(connection)) {
                deleting.executeUpdate();
                long rows = inserting.executeLargeUpdate();
                Warnings.requireNone(inserting, "re-copying mismatched rows");
                connection.commit();
                return rows;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        });
    }

    /** The original's rows of the chunk after {@code from} (exclusive; null: from the first key). */
    private OriginalChunk readOriginal(Connection snapshot, KeyTuple from) throws SQLException {
        return summing == Summing.BY_SERVER ? sumOriginal(snapshot, from) : hashOriginal(snapshot, from);
    }

    private OriginalChunk sumOriginal(Connection snapshot, KeyTuple from) throws SQLException {
        KeyTuple end = null;
        try (PreparedStatement statement = sql.verifyChunkEnd(from, chunkSize).prepare(snapshot);
             ResultSet rs = statement.executeQuery()) {
            // The chunk's last key, and a row after it only if another chunk follows: else this chunk is the last one.
            if (rs.next()) {
                KeyTuple last = KeyQueries.read(rs, key);
                end = rs.next() ? last : null;
            }
        }
        return new OriginalChunk(summedByServer(snapshot, sql.checksumOriginalRange(from, end, originalRow)), end);
    }

    /** Reads the chunk's rows and one more, if there is one: so the chunk's own read finds where it ends. */
    private OriginalChunk hashOriginal(Connection snapshot, KeyTuple from) throws SQLException {
        RowHashes hashes = new RowHashes();
        KeyTuple end = null;
        try (PreparedStatement statement = sql.valuesOfOriginalChunk(from, chunkSize, originalTerms).prepare(snapshot)) {
            streamRows(statement);
            try (ResultSet rs = statement.executeQuery()) {
                long row = 0;
                while (rs.next()) {
                    if (++row > chunkSize) {
                        // A row past the chunk: another chunk follows, which starts after this one's last key.
                        return new OriginalChunk(hashes.fingerprint(), end);
                    }
                    hashRow(rs, hashes);
                    if (row == chunkSize) {
                        end = KeyQueries.read(rs, key, Math.max(1, originalTerms.size()));
                    }
                }
            }
        }
        return new OriginalChunk(hashes.fingerprint(), null);
    }

    private static Fingerprint summedByServer(Connection snapshot, BoundStatement bound) throws SQLException {
        try (PreparedStatement statement = bound.prepare(snapshot);
             ResultSet rs = statement.executeQuery()) {
            rs.next();
            return new Fingerprint(rs.getLong(1), rs.getLong(2), rs.getBigDecimal(3).toBigIntegerExact());
        }
    }

    private Fingerprint hashedHere(Connection snapshot, BoundStatement bound) throws SQLException {
        RowHashes hashes = new RowHashes();
        try (PreparedStatement statement = bound.prepare(snapshot)) {
            streamRows(statement);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    hashRow(rs, hashes);
                }
            }
        }
        return hashes.fingerprint();
    }

    /**
     * Row by row off the socket (Connector/J's streaming result set): a chunk of wide rows, BLOBs of megabytes, would
     * otherwise sit in the heap whole, twice (both tables at once), and a runner sized for ordinary rows would die of
     * it. The connection reads nothing else until the result set is closed.
     */
    private static void streamRows(PreparedStatement statement) throws SQLException {
        statement.setFetchSize(Integer.MIN_VALUE);
    }

    private void hashRow(ResultSet rs, RowHashes hashes) throws SQLException {
        // Without a column to compare, the query selects a constant per row: rows are only counted.
        for (int i = 1; i <= originalTerms.size(); i++) {
            hashes.value(rs.getBytes(i));
        }
        hashes.endRow();
    }

    private static long count(Connection connection, String query) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static BigInteger toBigInteger(Object value) {
        return value instanceof BigInteger big ? big : BigInteger.valueOf(((Number) value).longValue());
    }

    private static String describe(ColumnPair pair) {
        return pair.original().equals(pair.ghost()) ? Identifiers.quote(pair.original())
                : Identifiers.quote(pair.original()) + " (" + Identifiers.quote(pair.ghost()) + " in the ghost)";
    }

    private static String typeOf(ColumnInfo column) {
        return column.columnType() + (column.collation() == null ? "" : " " + column.collation());
    }

    /**
     * A range of the chunking key, in the canonical form of {@link KeyColumn}: {@code from}
     * exclusive (or inclusive when {@code fromInclusive}), {@code to} inclusive; a null bound
     * is open. The verifier reports chunks as {@code (from, to]}, and a ghost row without an
     * original row (when the ALTER changes the key's order) as the single key {@code [k, k]}.
     */
    public record KeyRange(KeyTuple from, boolean fromInclusive, KeyTuple to, List<KeyColumn> key) {
        public KeyRange {
            key = List.copyOf(key);
        }

        /** Both bounds inclusive. */
        public KeyRange(KeyTuple from, KeyTuple to, List<KeyColumn> key) {
            this(from, true, to, key);
        }

        @Override
        public String toString() {
            String columns = key.size() == 1 ? Identifiers.quote(key.get(0).original().name())
                    : key.stream().map(k -> Identifiers.quote(k.original().name())).collect(Collectors.joining(", ", "(", ")"));
            if (from != null && fromInclusive && from.equals(to)) {
                return columns + " = " + render(from);
            }
            List<String> bounds = new ArrayList<>();
            if (from != null) {
                bounds.add(columns + (fromInclusive ? " >= " : " > ") + render(from));
            }
            if (to != null) {
                bounds.add(columns + " <= " + render(to));
            }
            return bounds.isEmpty() ? "every " + columns : String.join(" and ", bounds);
        }

        private String render(KeyTuple tuple) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < key.size(); i++) {
                values.add(render(key.get(i), tuple.values().get(i)));
            }
            return values.size() == 1 ? values.get(0) : "(" + String.join(", ", values) + ")";
        }

        private static String render(KeyColumn column, Object value) {
            return switch (column.kind()) {
                case TEXT -> {
                    byte[] bytes = ((KeyColumn.Bytes) value).value();
                    Charset charset = javaCharset(column.original().charset());
                    yield charset == null ? value.toString() : quoted(new String(bytes, charset));
                }
                case ENUM -> {
                    int index = toBigInteger(value).intValue();
                    List<String> members = column.original().members();
                    yield index >= 1 && index <= members.size() ? quoted(members.get(index - 1)) : String.valueOf(index);
                }
                case SET -> {
                    long mask = toBigInteger(value).longValue();
                    List<String> members = column.original().members();
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < members.size(); i++) {
                        if ((mask & (1L << i)) != 0) {
                            names.add(members.get(i));
                        }
                    }
                    yield quoted(String.join(",", names));
                }
                case TEMPORAL -> quoted(String.valueOf(value));
                default -> String.valueOf(value);
            };
        }

        private static String quoted(String text) {
            return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }

        private static Charset javaCharset(String mysqlCharset) {
            return switch (mysqlCharset == null ? "" : mysqlCharset.toLowerCase(Locale.ROOT)) {
                case "utf8mb4", "utf8mb3", "utf8" -> StandardCharsets.UTF_8;
                case "latin1" -> Charset.forName("windows-1252");
                case "ascii" -> StandardCharsets.US_ASCII;
                default -> null;
            };
        }
    }
}
