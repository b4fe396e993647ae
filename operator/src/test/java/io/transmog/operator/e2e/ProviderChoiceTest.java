package io.transmog.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.transmog.operator.e2e.ProviderChoice.Kind;

class ProviderChoiceTest {

    @Test
    void withoutAnyDockerConfigurationTheScenariosRunOnTheLocalNodeAndSayWhy() {
        ProviderChoice choice = ProviderChoice.decide(null, null, false, false);
        assertThat(choice.kind()).isEqualTo(Kind.LOCAL_NODE);
        assertThat(choice.reason()).contains("no Docker engine is configured");
    }

    @Test
    void eachSignOfAConfiguredDockerEngineChoosesK3s() {
        assertThat(ProviderChoice.decide(null, "tcp://127.0.0.1:2375", false, false))
                .isEqualTo(new ProviderChoice(Kind.K3S, "a Docker engine is configured: DOCKER_HOST=tcp://127.0.0.1:2375"));
        assertThat(ProviderChoice.decide("", null, true, false).kind()).isEqualTo(Kind.K3S);
        assertThat(ProviderChoice.decide(" ", " ", false, true).reason()).contains(".testcontainers.properties");
    }

    @Test
    void aForcedProviderWinsOverWhatIsConfigured() {
        assertThat(ProviderChoice.decide("local-node", "unix:///var/run/docker.sock", true, true).kind())
                .isEqualTo(Kind.LOCAL_NODE);
        assertThat(ProviderChoice.decide(" K3S ", null, false, false).kind()).isEqualTo(Kind.K3S);
        assertThatThrownBy(() -> ProviderChoice.decide("kind", null, false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k3s or local-node");
    }
}
