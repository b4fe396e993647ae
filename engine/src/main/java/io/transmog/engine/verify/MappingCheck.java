package io.transmog.engine.verify;

import io.transmog.engine.MigrationException;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.db.Warnings;
import io.transmog.engine.inspect.ColumnInfo;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.inspect.MigrationPlan.ColumnPair;
import io.transmog.engine.sql.Identifiers;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.KeyQueries;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.SampleSql;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The server as the oracle for the engine's column mapping, before anything is created: a bounded sample of the
 * table's own rows goes into a session-private temporary table; the user's ALTER runs natively on one copy of it, and
 * the engine's copy and re-sync statements fill two temporary ghosts from it. Any column where they differ stops the
 * migration. The checksum pass before cut-over cannot catch a mapping mistake: it projects the original through the
 * same mapping, so the mistake is made on both sides of its comparison; here the other side is the server's own ALTER.
 * Temporary tables are private to this connection and not written to a row-based binlog.
 */
public final class MappingCheck {
    private static final Logger LOG = LoggerFactory.getLogger(MappingCheck.class);
    private static final int EDGE_ROWS = 100;
    private static final int RANDOM_WINDOWS = 6;
    private static final int WINDOW_ROWS = 100;
    private static final int NULL_SCAN_WINDOW = 10_000;
    private static final int NULL_ROWS = 100;
    private static final int RESYNC_BATCH = 100;
    /** An added column whose default is evaluated per row or per statement: the two renderings may rightly differ. */
    private static final Pattern EXPRESSION_DEFAULT = Pattern.compile("\\(|current_timestamp|now|localtime", Pattern.CASE_INSENSITIVE);

    /** What the check found: rows compared, columns compared, columns left out with the reason, time taken. */
    public record Result(long sampleRows, List<String> comparedColumns, List<String> notCompared, long millis) {
        public String summary() {
            return "column mapping checked on " + sampleRows + " sample rows: identical (" + comparedColumns.size()
                    + " columns compared" + (notCompared.isEmpty() ? "" : "; not compared: " + String.join(", ", notCompared))
                    + ", " + millis + " ms)";
        }
    }

    private final Connection connection;
    private final MigrationPlan plan;
    private final ServerKind server;
    private final TableNames names;
    private final String sample;
    private final String nativeAlter;
    private final String copied;
    private final String resynced;

    public MappingCheck(Connection connection, MigrationPlan plan, ServerKind server) {
        this.connection = connection;
        this.plan = plan;
        this.server = server;
        this.names = plan.names();
        String table = names.original();
        this.sample = "_" + table + "_smp";
        this.nativeAlter = "_" + table + "_nat";
        this.copied = "_" + table + "_cpy";
        this.resynced = "_" + table + "_rsy";
    }

    public Result run() throws SQLException {
        long started = System.nanoTime();
        SampleSql sampleSql = new SampleSql(plan, sample);
        List<String> temporaries = List.of(sample, nativeAlter, copied, resynced);
        int isolation = connection.getTransactionIsolation();
        try {
            // Plain reads of the original: no share locks on its rows, whatever the binlog format.
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            for (String table : List.of(sample, nativeAlter, copied)) {
                Database.execute(connection, SampleSql.createTemporaryLike(qualified(table), names.qualifiedOriginal()));
            }
            // One ALTER serves both of the engine's renderings (ALTERs of temporary tables cost a table rebuild each).
            Database.execute(connection, SqlBuilder.alterTable(qualified(copied), plan.alter()));
            Database.execute(connection, SampleSql.createTemporaryLike(qualified(resynced), qualified(copied)));
            long rows = takeSample(sampleSql);
            renderNatively(sampleSql);
            renderByCopy();
            renderByResync();
            List<String> notCompared = new ArrayList<>();
            List<String> compared = new ArrayList<>();
            for (ColumnInfo column : plan.ghost().columns()) {
                Optional<String> reason = reasonNotToCompare(column);
                if (reason.isPresent()) {
                    notCompared.add(Identifiers.quote(column.name()) + " (" + reason.get() + ")");
                    continue;
                }
                requireSame(column, copied, "copy");
                requireSame(column, resynced, "re-sync of changed rows");
                compared.add(column.name());
            }
            Result result = new Result(rows, compared, notCompared, (System.nanoTime() - started) / 1_000_000);
            LOG.info("table={} phase=Validating {}", names.original(), result.summary());
            return result;
        } finally {
            for (String table : temporaries) {
                Database.execute(connection, SampleSql.dropTemporary(qualified(table)));
            }
            connection.setTransactionIsolation(isolation);
        }
    }

    private long takeSample(SampleSql sql) throws SQLException {
        Database.execute(connection, sql.edgeRows(false, EDGE_ROWS));
        Database.execute(connection, sql.edgeRows(true, EDGE_ROWS));
        KeyColumn first = plan.keyColumns().get(0);
        if (first.kind() == KeyColumn.Kind.INTEGER) {
            List<BigInteger> range = firstKeyRange(sql);
            if (range.size() == 2 && range.get(1).compareTo(range.get(0)) > 0) {
                BigInteger span = range.get(1).subtract(range.get(0));
                for (int i = 0; i < RANDOM_WINDOWS; i++) {
                    BigInteger offset = new BigInteger(span.bitLength() + 8, ThreadLocalRandom.current()).mod(span);
                    try (PreparedStatement statement = sql.rowsFrom(new BigDecimal(range.get(0).add(offset)), WINDOW_ROWS)
                            .prepare(connection)) {
                        statement.executeUpdate();
                    }
                }
            }
        }
        List<ColumnInfo> nullable = plan.original().columns().stream().filter(c -> c.nullable() && !c.generated()).toList();
        if (!nullable.isEmpty()) {
            Database.execute(connection, sql.rowsWithNulls(nullable, NULL_SCAN_WINDOW, NULL_ROWS));
        }
        return Database.queryString(connection, sql.countSample()).map(Long::parseLong).orElse(0L);
    }

    /** The first key column's lowest and highest value, read from the sample's own edges. */
    private List<BigInteger> firstKeyRange(SampleSql sampleSql) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sampleSql.firstKeyRange())) {
            if (!rs.next() || rs.getString(1) == null) {
                return List.of();
            }
            return List.of(new BigInteger(rs.getString(1)), new BigInteger(rs.getString(2)));
        }
    }

    private void renderNatively(SampleSql sql) throws SQLException {
        Database.execute(connection, sql.copySampleTo(qualified(nativeAlter)));
        try {
            Database.execute(connection, SqlBuilder.alterTable(qualified(nativeAlter), plan.alter()));
        } catch (SQLException e) {
            throw new MigrationException("the ALTER fails on the table's own rows (the server's own ALTER on a sample of "
                    + names.qualifiedOriginal() + "): MySQL error " + e.getErrorCode() + ": " + e.getMessage()
                    + "; the copy would fail the same way", e);
        }
    }

    /** The engine's own chunk copy, from the sample into a ghost, as one chunk over the sample's whole key range. */
    private void renderByCopy() throws SQLException {
        SqlBuilder sql = new SqlBuilder(plan.withNames(namesFor(copied)), server);
        Optional<KeyTuple> first = KeyQueries.first(connection, sql.edgeKey(false), plan.keyColumns());
        Optional<KeyTuple> last = KeyQueries.first(connection, sql.edgeKey(true), plan.keyColumns());
        if (first.isEmpty() || last.isEmpty()) {
            return;
        }
        try (PreparedStatement copy = sql.copyChunk(first.get(), true, last.get()).prepare(connection)) {
            engineStatement(copy, "copy");
        }
    }

    /** The engine's re-sync of changed keys (delete, then insert from the source), for every sampled key. */
    private void renderByResync() throws SQLException {
        SqlBuilder sql = new SqlBuilder(plan.withNames(namesFor(resynced)), server);
        List<KeyTuple> keys = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql.keysInOrder())) {
            while (rs.next()) {
                keys.add(KeyQueries.read(rs, plan.keyColumns()));
            }
        }
        for (int from = 0; from < keys.size(); from += RESYNC_BATCH) {
            List<KeyTuple> batch = keys.subList(from, Math.min(keys.size(), from + RESYNC_BATCH));
            try (PreparedStatement delete = sql.deleteFromGhost(batch).prepare(connection);
                 PreparedStatement insert = sql.insertFromOriginal(batch).prepare(connection)) {
                delete.executeUpdate();
                engineStatement(insert, "re-sync of changed rows");
            }
        }
    }

    /** Runs one of the engine's statements on the sample: an error or warning where the server's ALTER had none differs. */
    private void engineStatement(PreparedStatement statement, String path) throws SQLException {
        try {
            statement.executeUpdate();
            Warnings.requireNone(statement, "the engine's " + path + " of sample rows");
        } catch (SQLException | MigrationException e) {
            throw new MigrationException("column mapping check: the server's own ALTER converts a sample of "
                    + names.qualifiedOriginal() + "'s rows, but the engine's " + path + " of them fails: " + e.getMessage()
                    + "; nothing was created (--skip-mapping-check skips this check)", e);
        }
    }

    private Optional<String> reasonNotToCompare(ColumnInfo column) throws SQLException {
        if (plan.addedColumns().stream().noneMatch(column::sameName)) {
            return Optional.empty();
        }
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(SampleSql.showColumns(qualified(nativeAlter)))) {
            while (rs.next()) {
                if (column.sameName(rs.getString("Field"))) {
                    return reasonNotToCompare(String.valueOf(rs.getString("Extra")), rs.getString("Default"));
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> reasonNotToCompare(String extra, String defaultValue) {
        String lowerExtra = extra.toLowerCase(Locale.ROOT);
        if (lowerExtra.contains("auto_increment")) {
            return Optional.of("AUTO_INCREMENT numbers rows as they arrive");
        }
        if (lowerExtra.contains("default_generated") || lowerExtra.contains("on update")
                || (defaultValue != null && EXPRESSION_DEFAULT.matcher(defaultValue).find())) {
            return Optional.of("its default is an expression evaluated per row");
        }
        return Optional.empty();
    }

    private void requireSame(ColumnInfo column, String engineRendering, String path) throws SQLException {
        List<String> ghostKey = plan.keyColumns().stream().map(k -> k.ghost().name()).toList();
        for (String query : SampleSql.differences(qualified(nativeAlter), qualified(engineRendering), ghostKey, column.name())) {
            try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(query)) {
                if (rs.next()) {
                    throw new MigrationException("column mapping check: column " + Identifiers.quote(column.name())
                            + " differs between the server's own ALTER and the engine's " + path + " for the sample row with key "
                            + renderKey(ghostKey, rs) + " (altered type " + column.columnType() + ", engine fills it "
                            + describeSource(column) + "); nothing was created. Please report this ALTER;"
                            + " --skip-mapping-check skips this check at your own risk");
                }
            }
        }
    }

    private String describeSource(ColumnInfo column) {
        return plan.copiedColumns().stream().filter(pair -> pair.ghost().equalsIgnoreCase(column.name())).findFirst()
                .map(ColumnPair::original)
                .map(source -> "from original column " + Identifiers.quote(source) + " "
                        + plan.original().requireColumn(source).columnType())
                .orElse(column.generated() ? "as a generated column" : "with its default");
    }

    private static String renderKey(List<String> key, ResultSet rs) throws SQLException {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            String text = rs.getString(i + 1);
            boolean printable = text != null && text.chars().allMatch(c -> c >= 0x20 && c != 0xFFFD);
            parts.add(Identifiers.quote(key.get(i)) + "=" + (printable || text == null ? text
                    : "0x" + HexFormat.of().formatHex(rs.getBytes(i + 1))));
        }
        return "(" + String.join(", ", parts) + ")";
    }

    /** Names that make the engine's statements read the sample as the original and write this rendering as the ghost. */
    private TableNames namesFor(String ghost) {
        return new TableNames(names.database(), sample, ghost, names.changelog(), names.old(), names.sentry());
    }

    private String qualified(String table) {
        return Identifiers.qualified(names.database(), table);
    }
}
