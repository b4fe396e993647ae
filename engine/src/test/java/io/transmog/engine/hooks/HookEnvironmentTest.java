package io.transmog.engine.hooks;

import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Phase;
import io.transmog.engine.sql.TableNames;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

class HookEnvironmentTest {
    private static final HooksConfig CONFIG = HooksConfig.at(Path.of("/hooks")).withHints("deploy 42", "team-db", "tok");

    private static MigrationStatus status(Long eta) {
        return new MigrationStatus(Phase.Copying, "copying", 2500, 10000, 25.0, eta, 83.3, 17, 120, 1450, false, null, 0,
                null, null, null);
    }

    @Test
    void everyVariableGhOstSetsFormattedAsGhOstFormatsIt() {
        HookEnvironment environment = new HookEnvironment(TableNames.of("shop", "customers"),
                "ADD COLUMN nickname VARCHAR(64)", false, "db1.shop", "runner-7", CONFIG);

        Map<String, String> env = environment.variables(status(30L), 12.5, 3.25);

        assertThat(env).containsExactly(
                entry("GH_OST_DATABASE_NAME", "shop"),
                entry("GH_OST_TABLE_NAME", "customers"),
                entry("GH_OST_GHOST_TABLE_NAME", "_customers_gho"),
                entry("GH_OST_OLD_TABLE_NAME", "_customers_del"),
                entry("GH_OST_DDL", "ADD COLUMN nickname VARCHAR(64)"),
                entry("GH_OST_ELAPSED_SECONDS", "12.500000"),
                entry("GH_OST_ELAPSED_COPY_SECONDS", "3.250000"),
                entry("GH_OST_ESTIMATED_ROWS", "10000"),
                entry("GH_OST_COPIED_ROWS", "2500"),
                entry("GH_OST_MIGRATED_HOST", "db1.shop"),
                entry("GH_OST_INSPECTED_HOST", "db1.shop"),
                entry("GH_OST_EXECUTING_HOST", "runner-7"),
                entry("GH_OST_INSPECTED_LAG", "1.450000"),
                entry("GH_OST_HEARTBEAT_LAG", "0.120000"),
                entry("GH_OST_PROGRESS", "25.000000"),
                entry("GH_OST_ETA_SECONDS", "30"),
                entry("GH_OST_HOOKS_HINT", "deploy 42"),
                entry("GH_OST_HOOKS_HINT_OWNER", "team-db"),
                entry("GH_OST_HOOKS_HINT_TOKEN", "tok"),
                entry("GH_OST_DRY_RUN", "false"),
                entry("GH_OST_REVERT", "false"));
    }

    @Test
    void anUnknownEtaIsMinusOneAndADryRunSaysSo() {
        HookEnvironment environment = new HookEnvironment(TableNames.of("shop", "t"), "ADD c INT", true, "h", "x",
                HooksConfig.none());

        Map<String, String> env = environment.variables(status(null), 0, 0);

        assertThat(env).contains(entry("GH_OST_ETA_SECONDS", "-1"), entry("GH_OST_DRY_RUN", "true"),
                entry("GH_OST_HOOKS_HINT", ""), entry("GH_OST_ELAPSED_COPY_SECONDS", "0.000000"));
    }

    @Test
    void statusAndCommandAreSingleQuotedAsGhOstPassesThem() {
        assertThat(HookEnvironment.quoted("throttle")).isEqualTo("'throttle'");
    }
}
