package io.transmog.engine.db;

import io.transmog.engine.MigrationException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsSettingsTest {

    @Test
    void ghostsFlagsMapToTheDriversModes() {
        assertThat(TlsSettings.of(false, false, false, null, null, null).mode()).isEqualTo(TlsSettings.Mode.DISABLED);
        assertThat(TlsSettings.of(true, false, false, null, null, null).mode()).isEqualTo(TlsSettings.Mode.VERIFY_CA);
        assertThat(TlsSettings.of(true, true, false, null, null, null).mode()).isEqualTo(TlsSettings.Mode.REQUIRED);
        assertThat(TlsSettings.of(false, false, true, null, null, null).mode()).isEqualTo(TlsSettings.Mode.VERIFY_IDENTITY);
    }

    @Test
    void contradictionsAndHalfClientCertificatesAreRefused() {
        Path existing = Path.of("pom.xml").toAbsolutePath();
        assertThatThrownBy(() -> TlsSettings.of(false, true, true, null, null, null)).isInstanceOf(MigrationException.class)
                .hasMessageContaining("contradict");
        assertThatThrownBy(() -> TlsSettings.of(true, false, false, null, existing, null)).hasMessageContaining("go together");
        assertThatThrownBy(() -> TlsSettings.of(false, false, false, existing, null, null)).hasMessageContaining("need --ssl");
        assertThatThrownBy(() -> TlsSettings.of(true, true, false, existing, null, null)).hasMessageContaining("verifies no certificate");
        assertThatThrownBy(() -> TlsSettings.of(true, false, false, Path.of("/nonexistent/ca.pem"), null, null))
                .hasMessageContaining("cannot read TLS file /nonexistent/ca.pem");
    }

    @Test
    void withoutAnyFileTheDriverGetsOnlyItsMode() {
        Properties properties = new Properties();
        TlsMaterial.of(TlsSettings.of(true, true, false, null, null, null)).applyTo(properties);
        assertThat(properties).containsOnlyKeys("sslMode").containsEntry("sslMode", "REQUIRED");
    }
}
