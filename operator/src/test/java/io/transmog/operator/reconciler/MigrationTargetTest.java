package io.transmog.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MigrationTargetTest {

    @Test
    void spellingsOfOneServiceAreTheSameHost() {
        String expected = "mysql.shop";
        for (String host : new String[] { "mysql", "MySQL.shop", "mysql.shop.svc", "mysql.shop.svc.cluster.local",
                "mysql.shop.svc.cluster.local." }) {
            assertThat(MigrationTarget.normaliseHost(host, "shop")).as(host).isEqualTo(expected);
        }
    }

    @Test
    void externalNamesAndAddressesAreKept() {
        assertThat(MigrationTarget.normaliseHost("db.example.com", "shop")).isEqualTo("db.example.com");
        assertThat(MigrationTarget.normaliseHost("10.0.0.7", "shop")).isEqualTo("10.0.0.7");
        assertThat(MigrationTarget.normaliseHost("localhost", "shop")).isEqualTo("localhost");
    }

    @Test
    void aShortNameDependsOnTheNamespace() {
        assertThat(MigrationTarget.normaliseHost("mysql", "a")).isNotEqualTo(MigrationTarget.normaliseHost("mysql", "b"));
    }

    @Test
    void tableAndSchemaAreCaseInsensitive() {
        var a = MigrationTarget.of(Fixtures.migration("shop", "a", "mysql", "Shop", "Customers"));
        var b = MigrationTarget.of(Fixtures.migration("shop", "b", "mysql.shop.svc", "shop", "customers"));
        assertThat(a).isEqualTo(b);
        assertThat(a.key()).isEqualTo(b.key());
    }
}
