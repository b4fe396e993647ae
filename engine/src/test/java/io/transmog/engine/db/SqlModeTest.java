package io.transmog.engine.db;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SqlModeTest {

    @Test
    void theServersModeIsKeptAndMadeStrict() {
        assertThat(SqlMode.forEngine("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                + "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION", false))
                .isEqualTo("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
                        + "NO_ENGINE_SUBSTITUTION,STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO");
        assertThat(SqlMode.forEngine("", false)).isEqualTo("STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO");
    }

    @Test
    void allowZeroInDateDropsOnlyTheZeroDateModes() {
        assertThat(SqlMode.forEngine("NO_ZERO_IN_DATE,NO_ZERO_DATE,STRICT_TRANS_TABLES", true))
                .isEqualTo("STRICT_TRANS_TABLES,STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO");
    }

    @Test
    void modesThatChangeHowTheEnginesSqlReadsAreDropped() {
        assertThat(SqlMode.forEngine("ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,REAL_AS_FLOAT,TIME_ROUND_FRACTIONAL", false))
                .isEqualTo("REAL_AS_FLOAT,TIME_ROUND_FRACTIONAL,STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO");
    }
}
