package io.transmog.operator.reconciler;

import java.util.Locale;

import io.transmog.operator.model.DatabaseSpec;
import io.transmog.operator.model.SchemaMigration;

/**
 * The table a migration changes, normalised so that the different spellings of one in-cluster Service
 * ({@code mysql}, {@code mysql.shop}, {@code mysql.shop.svc}, {@code mysql.shop.svc.cluster.local} seen from
 * namespace {@code shop}) compare equal. Names are compared case-insensitively: that can only make two
 * migrations wait for each other needlessly, never run together on one table.
 */
public record MigrationTarget(String host, int port, String schema, String table) {

    public static MigrationTarget of(SchemaMigration migration) {
        var spec = migration.getSpec();
        DatabaseSpec db = spec == null ? null : spec.getDatabase();
        String namespace = migration.getMetadata().getNamespace();
        String host = normaliseHost(db == null ? null : db.getHost(), namespace);
        int port = db == null || db.getPort() == null ? 3306 : db.getPort();
        String schema = lower(db == null ? null : db.getSchema());
        String table = lower(spec == null ? null : spec.getTable());
        return new MigrationTarget(host, port, schema, table);
    }

    /** A string usable as an index key. */
    public String key() {
        return host + ":" + port + "/" + schema + "/" + table;
    }

    @Override
    public String toString() {
        return "`" + schema + "`.`" + table + "` on " + host + ":" + port;
    }

    static String normaliseHost(String host, String namespace) {
        String h = lower(host);
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.endsWith(".cluster.local")) {
            h = h.substring(0, h.length() - ".cluster.local".length());
        }
        if (h.endsWith(".svc")) {
            h = h.substring(0, h.length() - ".svc".length());
        }
        boolean ipv4 = h.matches("[0-9.]+");
        boolean ipv6 = h.contains(":");
        if (!h.isEmpty() && !h.contains(".") && !ipv4 && !ipv6 && namespace != null && !"localhost".equals(h)) {
            h = h + "." + namespace.toLowerCase(Locale.ROOT);
        }
        return h;
    }

    private static String lower(String s) {
        return s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    }
}
