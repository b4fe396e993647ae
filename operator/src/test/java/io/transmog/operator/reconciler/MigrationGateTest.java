package io.transmog.operator.reconciler;

import static io.transmog.operator.reconciler.Fixtures.created;
import static io.transmog.operator.reconciler.Fixtures.migration;
import static io.transmog.operator.reconciler.Fixtures.withStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;

class MigrationGateTest {

    @Test
    void aloneItMayStart() {
        var me = migration("shop", "me", "mysql", "shop", "customers");
        assertThat(MigrationGate.blockedBy(me, List.of(me))).isEmpty();
    }

    @Test
    void aRunningMigrationOfTheSameTableBlocksEvenIfYounger() {
        var me = created(migration("shop", "me", "mysql", "shop", "customers"), "2025-01-01T00:00:00Z");
        var running = withStatus(created(migration("shop", "other", "mysql.shop.svc", "shop", "customers"),
                "2025-01-01T00:00:09Z"), Phase.Copying, "smig-other-1");
        assertThat(MigrationGate.blockedBy(me, List.of(me, running))).containsSame(running);
    }

    @Test
    void firstComeFirstServedAmongWaitingOnes() {
        var older = created(migration("shop", "b", "mysql", "shop", "customers"), "2025-01-01T00:00:00Z");
        var younger = created(migration("shop", "a", "mysql", "shop", "customers"), "2025-01-01T00:00:05Z");
        List<SchemaMigration> all = List.of(older, younger);
        assertThat(MigrationGate.blockedBy(older, all)).isEmpty();
        assertThat(MigrationGate.blockedBy(younger, all)).containsSame(older);
    }

    @Test
    void sameSecondIsOrderedByNamespaceThenName() {
        var a = migration("shop", "a", "mysql", "shop", "customers");
        var b = migration("shop", "b", "mysql", "shop", "customers");
        assertThat(MigrationGate.blockedBy(a, List.of(a, b))).isEmpty();
        assertThat(MigrationGate.blockedBy(b, List.of(a, b))).containsSame(a);
    }

    @Test
    void finishedMigrationsAndOtherTablesDoNotBlock() {
        var me = created(migration("shop", "me", "mysql", "shop", "customers"), "2025-01-01T00:00:09Z");
        var done = withStatus(migration("shop", "done", "mysql", "shop", "customers"), Phase.Succeeded, "j1");
        var failed = withStatus(migration("shop", "failed", "mysql", "shop", "customers"), Phase.Failed, "j2");
        var validated = withStatus(migration("shop", "dry", "mysql", "shop", "customers"), Phase.Validated, "j3");
        var otherTable = withStatus(migration("shop", "orders", "mysql", "shop", "orders"), Phase.Copying, "j4");
        var otherServer = withStatus(migration("shop", "x", "mysql-2", "shop", "customers"), Phase.Copying, "j5");
        var otherNamespace = withStatus(migration("crm", "y", "mysql", "shop", "customers"), Phase.Copying, "j6");
        assertThat(MigrationGate.blockedBy(me,
                List.of(me, done, failed, validated, otherTable, otherServer, otherNamespace))).isEmpty();
    }

    @Test
    void aServiceReachedFromAnotherNamespaceIsTheSameServer() {
        var me = created(migration("crm", "me", "mysql.shop", "shop", "customers"), "2025-01-01T00:00:09Z");
        var running = withStatus(migration("shop", "other", "mysql", "shop", "customers"), Phase.Paused, "j");
        assertThat(MigrationGate.blockedBy(me, List.of(running))).containsSame(running);
    }
}
