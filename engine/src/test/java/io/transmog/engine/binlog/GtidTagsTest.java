package io.transmog.engine.binlog;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GtidTagsTest {
    @Test
    void findsTagsOnlyAfterAUuid() {
        assertThat(BinlogStreamer.hasTags("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5")).isFalse();
        assertThat(BinlogStreamer.hasTags("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11-18,"
                + "aaaaaaaa-71ca-11e1-9e33-c80aa9429562:3")).isFalse();
        assertThat(BinlogStreamer.hasTags("0-1-100,1-2-7")).as("MariaDB's format").isFalse();
        assertThat(BinlogStreamer.hasTags("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:transmog:1-3")).isTrue();
        assertThat(BinlogStreamer.hasTags("3e11fa47-71ca-11e1-9e33-c80aa9429562:_t:1")).isTrue();
    }
}
