package io.transmog.operator.scenario;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import io.transmog.engine.support.TableComparison;

/**
 * The scenario's checks of the data, the same for {@code make demo} and EndToEndIT: the ghost table equal to the
 * original row for row before the cut-over, the table as the ALTER wants it after, the old table kept and nothing
 * else left, every acknowledged insert present, the row count the writers' acknowledged inserts and deletes give,
 * and writers that saw no error.
 */
public final class DataChecks {
    /** How often the ghost is compared again while the applier drains the writers' last changes. */
    private static final int COMPARE_TRIES = 3;
    private static final Duration DRAIN = Duration.ofSeconds(2);

    private final ShopDatabase db;

    public DataChecks(ShopDatabase db) {
        this.db = db;
    }

    /**
     * With the writers stopped, in AwaitingCutOver: the ghost table holds exactly the original's rows, every column
     * of the original compared value by value in key order. A loaded machine may need more than a moment to apply the
     * last changes, so a difference is looked at again twice, {@value #COMPARE_TRIES} tries in all.
     */
    public Check ghostEqualsOriginal() {
        List<String> columns = db.columns(ShopDatabase.TABLE);
        String difference = null;
        for (int attempt = 1; attempt <= COMPARE_TRIES; attempt++) {
            ClusterChecks.sleep(DRAIN);
            try (Connection original = db.server().connect(ShopDatabase.SCHEMA);
                    Connection ghost = db.server().connect(ShopDatabase.SCHEMA)) {
                difference = TableComparison.firstDifference(original, ghost, ShopDatabase.SCHEMA, ShopDatabase.TABLE,
                        columns, ShopDatabase.GHOST, columns, List.of("`id`"));
            } catch (SQLException e) {
                throw new IllegalStateException("cannot compare the ghost table: " + e.getMessage(), e);
            }
            if (difference == null) {
                break;
            }
        }
        long rows = db.count(ShopDatabase.TABLE);
        return Check.of(difference == null, difference == null
                ? String.format(Locale.ROOT, "ghost table equals the original row for row (%,d rows x %d columns, incl."
                        + " %,d re-keyed rows)", rows, columns.size(), db.count(ShopDatabase.TABLE, "id < 0"))
                : "ghost table differs from the original after " + COMPARE_TRIES + " tries: " + difference);
    }

    public Check migratedTable() {
        boolean column = db.columnExists(ShopDatabase.TABLE, ShopDatabase.NEW_COLUMN);
        boolean index = db.indexExists(ShopDatabase.TABLE, ShopDatabase.NEW_INDEX);
        return Check.of(column && index, ShopDatabase.SCHEMA + "." + ShopDatabase.TABLE + " has column "
                + ShopDatabase.NEW_COLUMN + " (" + column + ") and index " + ShopDatabase.NEW_INDEX + " (" + index + ")");
    }

    public Check oldTableKept() {
        boolean kept = db.tableExists(ShopDatabase.OLD);
        boolean unchanged = kept && !db.columnExists(ShopDatabase.OLD, ShopDatabase.NEW_COLUMN);
        return Check.of(unchanged, "the old table is kept as " + ShopDatabase.SCHEMA + "." + ShopDatabase.OLD
                + (kept ? String.format(Locale.ROOT, " (%,d rows, %s column %s)", db.count(ShopDatabase.OLD),
                        unchanged ? "no" : "WITH the", ShopDatabase.NEW_COLUMN) : ": MISSING"));
    }

    public Check noLeftovers() {
        List<String> left = List.of(ShopDatabase.GHOST, ShopDatabase.CHANGELOG).stream().filter(db::tableExists).toList();
        return Check.of(left.isEmpty(), "no ghost or changelog table left behind" + (left.isEmpty() ? "" : ": " + left));
    }

    public Check writersWithoutErrors(LoadReport load, String during) {
        return Check.of(load.errors().isEmpty(), String.format(Locale.ROOT, "writers during %s: %,d batches, %d errors%s",
                during, load.batches(), load.errors().size(), load.errors().isEmpty() ? ""
                        : " (e.g. no \"Table doesn't exist\"): " + load.errors().stream().limit(3).toList()));
    }

    /** Every insert a writer had acknowledged is in the table, and no other row carries a writer's email. */
    public Check noLostInsert(List<LoadReport> loads) {
        StringBuilder figures = new StringBuilder();
        boolean all = true;
        for (LoadReport load : loads) {
            Set<String> present = new HashSet<>(db.strings("SELECT email FROM customers WHERE email LIKE ?",
                    LoadReport.emailPrefix(load.phase()) + "%"));
            Set<String> acknowledged = new HashSet<>(load.acknowledgedInserts());
            Set<String> lost = new HashSet<>(acknowledged);
            lost.removeAll(present);
            all &= lost.isEmpty() && present.size() == acknowledged.size();
            figures.append(figures.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,d/%,d of phase %d",
                    present.size(), acknowledged.size(), load.phase()));
            if (!lost.isEmpty()) {
                figures.append(" (lost e.g. ").append(lost.stream().sorted().limit(3).collect(Collectors.joining(" ")))
                        .append(')');
            }
        }
        return Check.of(all, "no lost insert: the table holds every acknowledged insert of the writers (" + figures + ")");
    }

    /** The table's rows: those seeded, plus the acknowledged inserts, minus the rows acknowledged DELETEs removed. */
    public Check rowCount(long seeded, List<LoadReport> loads) {
        long inserted = loads.stream().mapToLong(l -> l.acknowledgedInserts().size()).sum();
        long deleted = loads.stream().mapToLong(LoadReport::rowsDeleted).sum();
        long rows = db.count(ShopDatabase.TABLE);
        return Check.of(rows == seeded + inserted - deleted, String.format(Locale.ROOT, "%,d rows = %,d seeded + %,d"
                + " inserted - %,d deleted by the writers", rows, seeded, inserted, deleted));
    }
}
