package io.transmog.engine.verify;

import io.transmog.engine.db.ServerKind;
import io.transmog.engine.verify.ChecksumVerifier.Summing;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which way a migration's checksum pass sums chunks up, by server: ChecksumVerifierIT checks both ways are right. */
class SummingTest {
    @Test
    void mariaDbSumsChunksUpItselfAndMySqlSendsTheRows() {
        assertThat(Summing.cheaperOn(ServerKind.parse("10.11.19-MariaDB-0+deb12u1-log"))).isEqualTo(Summing.BY_SERVER);
        assertThat(Summing.cheaperOn(ServerKind.parse("11.8.9-MariaDB-0+deb13u1"))).isEqualTo(Summing.BY_SERVER);
        assertThat(Summing.cheaperOn(ServerKind.parse("9.7.4-2"))).isEqualTo(Summing.BY_TRANSMOG);
        assertThat(Summing.cheaperOn(ServerKind.parse("8.0.36-log"))).isEqualTo(Summing.BY_TRANSMOG);
    }
}
