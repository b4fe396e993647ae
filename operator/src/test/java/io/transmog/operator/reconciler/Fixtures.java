package io.transmog.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.transmog.operator.model.DatabaseSpec;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationSpec;
import io.transmog.operator.model.SchemaMigrationStatus;
import io.transmog.operator.model.SecretReference;

/** Builds SchemaMigration objects for unit tests. */
public final class Fixtures {

    private Fixtures() {
    }

    public static SchemaMigration migration(String namespace, String name, String host, String schema, String table) {
        var db = new DatabaseSpec();
        db.setHost(host);
        db.setPort(3306);
        db.setSchema(schema);
        db.setCredentialsSecretRef(new SecretReference("creds"));
        var spec = new SchemaMigrationSpec();
        spec.setDatabase(db);
        spec.setTable(table);
        spec.setAlter("ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''");
        var m = new SchemaMigration();
        m.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name)
                .withUid("uid-" + namespace + "-" + name).withGeneration(1L)
                .withCreationTimestamp("2025-01-01T00:00:00Z").build());
        m.setSpec(spec);
        return m;
    }

    public static SchemaMigration withStatus(SchemaMigration m, io.transmog.operator.model.Phase phase, String jobName) {
        var s = new SchemaMigrationStatus();
        s.setPhase(phase);
        s.setJobName(jobName);
        m.setStatus(s);
        return m;
    }

    public static SchemaMigration created(SchemaMigration m, String timestamp) {
        m.getMetadata().setCreationTimestamp(timestamp);
        return m;
    }
}
