package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RunnerCommandTest {

    @Test
    void theTargetIsNamespaceSlashName() {
        assertThat(RunnerCommand.Target.parse(new String[] { "shop/customers-add-nickname" }))
                .isEqualTo(new RunnerCommand.Target("shop", "customers-add-nickname"));
        for (String bad : new String[] { "shop", "shop/", "/m", "a/b/c", "Shop/m", "shop/m;rm" }) {
            assertThatThrownBy(() -> RunnerCommand.Target.parse(new String[] { bad }))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> RunnerCommand.Target.parse(new String[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RunnerCommand.Target.parse(new String[] { "a/b", "c/d" }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aUsageErrorIsAPermanentFailure() {
        assertThat(RunnerCommand.execute(new String[] { "nope" })).isEqualTo(ExitCode.PERMANENT.code());
    }
}
