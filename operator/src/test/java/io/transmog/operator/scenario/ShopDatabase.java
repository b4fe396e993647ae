package io.transmog.operator.scenario;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import io.transmog.testdb.MariaDbServer;

/**
 * The end-to-end scenario's database, the same for {@code make demo} and EndToEndIT: {@code shop.customers} with the
 * column types an online schema change must carry unchanged (integers, decimals, doubles, utf8mb4 text with emoji,
 * {@code DATETIME(6)}, DATE, JSON, ENUM, NULLs in most columns), a migration account with only the privileges the
 * README lists, and the reads the checks make. Works on every harness flavor: the rows come from MariaDB's sequence
 * engine, which {@link MariaDbServer#portable} turns into a recursive CTE on MySQL.
 */
public final class ShopDatabase {
    public static final String SCHEMA = "shop";
    public static final String TABLE = "customers";
    public static final String GHOST = "_customers_gho";
    public static final String CHANGELOG = "_customers_ghc";
    public static final String OLD = "_customers_del";
    public static final String NEW_COLUMN = "nickname";
    public static final String NEW_INDEX = "idx_nickname";
    public static final String ALTER = "ADD COLUMN " + NEW_COLUMN + " VARCHAR(64) NOT NULL DEFAULT '', ADD INDEX "
            + NEW_INDEX + " (" + NEW_COLUMN + ")";

    private final MariaDbServer server;

    public ShopDatabase(MariaDbServer server) {
        this.server = server;
    }

    public MariaDbServer server() {
        return server;
    }

    /** A login, as the Secret holds it. */
    public record Account(String user, String password) {
    }

    /** Creates {@code shop.customers} with {@code rows} rows, ids 1..rows. */
    public void create(long rows) {
        server.execute(null, "CREATE DATABASE " + SCHEMA + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        server.execute(SCHEMA, """
                CREATE TABLE customers (
                  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                  email        VARCHAR(191) NOT NULL,
                  full_name    VARCHAR(120) NOT NULL,
                  city         VARCHAR(64) NULL,
                  tier         TINYINT UNSIGNED NOT NULL DEFAULT 0,
                  visits       INT UNSIGNED NOT NULL DEFAULT 0,
                  balance      DECIMAL(12,2) NOT NULL DEFAULT 0.00,
                  credit_limit DECIMAL(10,2) NULL,
                  score        DOUBLE NULL,
                  status       ENUM('active','paused','closed') NOT NULL DEFAULT 'active',
                  note         VARCHAR(255) NULL,
                  created_at   DATETIME(6) NOT NULL,
                  updated_at   DATETIME(6) NULL,
                  birthday     DATE NULL,
                  prefs        JSON NULL,
                  KEY idx_email (email),
                  KEY idx_city_tier (city, tier)
                ) ENGINE=InnoDB""", """
                INSERT INTO customers
                  (id, email, full_name, city, tier, visits, balance, credit_limit, score, status, note,
                   created_at, updated_at, birthday, prefs)
                SELECT seq,
                  CONCAT('user', seq, '@example.', ELT(1 + seq % 4, 'com', 'org', 'net', 'io')),
                  CONCAT(ELT(1 + seq % 8, 'Ana', 'Björn', 'Zoë', '李雷', 'Søren', 'Amélie', 'Ōta', 'Nnamdi'), ' ',
                         ELT(1 + seq % 5, 'Smith', 'Müller', 'García', 'Ng', 'O''Brien'), IF(seq % 7 = 0, ' 🦄', '')),
                  IF(seq % 11 = 0, NULL, ELT(1 + seq % 6, 'Berlin', 'São Paulo', 'Tōkyō', 'Zürich', 'Kraków', 'Reykjavík')),
                  seq % 4,
                  seq % 1000,
                  ROUND((seq * 7919 % 10000000) / 100, 2),
                  IF(seq % 3 = 0, NULL, (seq % 50) * 100),
                  IF(seq % 13 = 0, NULL, (seq % 1000) / 7),
                  ELT(1 + seq % 3, 'active', 'paused', 'closed'),
                  IF(seq % 3 = 0, NULL, CONCAT('likes ', ELT(1 + seq % 6, '☕ coffee', '🍕 pizza', '🎧 music', '🚲 bikes',
                     '📚 books', '🌮 tacos'), ' #', seq)),
                  TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq * 137 SECOND + INTERVAL (seq * 7919) % 1000000 MICROSECOND,
                  IF(seq % 2 = 0, NULL, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq * 61 SECOND
                     + INTERVAL (seq * 104729) % 1000000 MICROSECOND),
                  IF(seq % 5 = 0, NULL, DATE'1950-01-01' + INTERVAL seq % 20000 DAY),
                  IF(seq % 5 = 0, NULL, JSON_OBJECT('newsletter', seq % 2 = 0, 'lang', ELT(1 + seq % 3, 'en', 'de', 'ja'),
                     'tags', JSON_ARRAY(seq % 10, CONCAT('t', seq % 13)), 'emoji', IF(seq % 9 = 0, '🎉', NULL)))
                FROM\s""" + "seq_1_to_" + rows);
    }

    /**
     * A migration account for clients from {@code clientHost} (as MySQL matches it: an address or '%'), with a random
     * name and password, and only the privileges the README lists for an online schema change. Reading the binlog
     * is MariaDB's BINLOG MONITOR, MySQL's REPLICATION CLIENT.
     */
    public Account createMigrator(String clientHost) {
        Account account = new Account("migrator_" + RandomTokens.of(8), RandomTokens.of(24));
        String who = "'" + account.user() + "'@'" + clientHost + "'";
        server.execute(null, "CREATE USER " + who + " IDENTIFIED BY '" + account.password() + "'",
                "GRANT ALTER, CREATE, CREATE TEMPORARY TABLES, DELETE, DROP, INDEX, INSERT, LOCK TABLES, SELECT, UPDATE"
                        + " ON " + SCHEMA + ".* TO " + who,
                "GRANT REPLICATION SLAVE, " + (server.isMySql() ? "REPLICATION CLIENT" : "BINLOG MONITOR")
                        + " ON *.* TO " + who);
        return account;
    }

    public long count(String table) {
        return server.queryLong(SCHEMA, "SELECT COUNT(*) FROM `" + table + "`");
    }

    public long count(String table, String where) {
        return server.queryLong(SCHEMA, "SELECT COUNT(*) FROM `" + table + "` WHERE " + where);
    }

    public boolean tableExists(String table) {
        return !strings("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                SCHEMA, table).isEmpty();
    }

    public boolean columnExists(String table, String column) {
        return columns(table).contains(column);
    }

    public boolean indexExists(String table, String index) {
        return !strings("SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
                + " AND INDEX_NAME = ?", SCHEMA, table, index).isEmpty();
    }

    /** The table's columns in their order. */
    public List<String> columns(String table) {
        return strings("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
                + " ORDER BY ORDINAL_POSITION", SCHEMA, table);
    }

    /** The first column of every row of a query with string parameters. */
    public List<String> strings(String sql, String... parameters) {
        try (Connection c = server.connect(SCHEMA); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setString(i + 1, parameters[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
