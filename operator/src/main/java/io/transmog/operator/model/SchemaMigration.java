package io.transmog.operator.model;

import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One online schema change of one table. The CEL rules below are transition rules (they compare with
 * {@code oldSelf}), so the API server enforces them on every update: what the migration changes cannot be
 * edited once it has started, which is when the operator records {@code status.startedAt}, before it creates
 * the runner Job.
 */
@Group(SchemaMigration.GROUP)
@Version(SchemaMigration.VERSION)
@Kind("SchemaMigration")
@Plural("schemamigrations")
@Singular("schemamigration")
@ShortNames("smig")
@ValidationRule(value = SchemaMigration.NOT_STARTED + " || self.spec.database == oldSelf.spec.database",
        message = "spec.database is immutable once the migration has started; create a new SchemaMigration instead")
@ValidationRule(value = SchemaMigration.NOT_STARTED + " || self.spec.table == oldSelf.spec.table",
        message = "spec.table is immutable once the migration has started; create a new SchemaMigration instead")
@ValidationRule(value = SchemaMigration.NOT_STARTED + " || self.spec.alter == oldSelf.spec.alter",
        message = "spec.alter is immutable once the migration has started; create a new SchemaMigration instead")
@ValidationRule(value = SchemaMigration.NOT_STARTED
        + " || (has(self.spec.dryRun) ? self.spec.dryRun : false) == (has(oldSelf.spec.dryRun) ? oldSelf.spec.dryRun : false)",
        message = "spec.dryRun is immutable once the migration has started; create a new SchemaMigration instead")
@ValidationRule(value = SchemaMigration.NOT_STARTED
        + " || (has(self.spec.hooks) ? has(oldSelf.spec.hooks) && self.spec.hooks == oldSelf.spec.hooks : !has(oldSelf.spec.hooks))",
        message = "spec.hooks is immutable once the migration has started (the runner pod mounts the ConfigMap it names);"
                + " edit the ConfigMap's contents instead")
public class SchemaMigration extends CustomResource<SchemaMigrationSpec, SchemaMigrationStatus> implements Namespaced {

    public static final String GROUP = "transmog.io";
    public static final String VERSION = "v1alpha1";
    public static final String CRD_NAME = "schemamigrations." + GROUP;

    static final String NOT_STARTED = "!has(oldSelf.status) || !has(oldSelf.status.startedAt)";

    @Override
    protected SchemaMigrationSpec initSpec() {
        return null;
    }

    @Override
    protected SchemaMigrationStatus initStatus() {
        return null;
    }
}
