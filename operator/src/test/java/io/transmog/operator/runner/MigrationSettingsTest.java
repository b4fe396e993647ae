package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.transmog.engine.Controls;
import io.transmog.engine.MigrationConfig;
import io.transmog.engine.hooks.HooksConfig;
import io.transmog.engine.throttle.LoadThresholds;
import io.transmog.operator.model.ConfigMapReference;
import io.transmog.operator.model.CutOverMode;
import io.transmog.operator.model.CutOverSpec;
import io.transmog.operator.model.DatabaseSpec;
import io.transmog.operator.model.HooksSpec;
import io.transmog.operator.model.ReplicaEndpoint;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationSpec;
import io.transmog.operator.model.SecretReference;
import io.transmog.operator.model.ThrottleSpec;
import io.transmog.operator.model.VerificationSpec;
import io.transmog.operator.model.TlsMode;
import io.transmog.operator.model.TlsSecretReference;
import io.transmog.operator.model.TlsSpec;
import io.transmog.engine.db.TlsSettings;
import io.transmog.operator.reconciler.RunnerJobs;

class MigrationSettingsTest {

    private static final Map<String, String> ENV = Map.of("TRANSMOG_USER", "migrator", "TRANSMOG_PASSWORD", "s3cret!");

    @Test
    void configComesFromTheSpecAndCredentialsFromTheEnvironmentOnly() throws Exception {
        SchemaMigration m = migration();
        m.getSpec().getDatabase().setReplicas(List.of(new ReplicaEndpoint("replica-0", null),
                new ReplicaEndpoint("replica-1", 3307)));
        m.getSpec().setKeepOldTable(false);
        m.getSpec().getCutOver().setLockTimeoutSeconds(7);

        MigrationConfig config = MigrationSettings.config(m, ENV);

        assertThat(config.connection().host()).isEqualTo("mysql.shop.svc");
        assertThat(config.connection().port()).isEqualTo(3306);
        assertThat(config.connection().database()).isEqualTo("shop");
        assertThat(config.connection().user()).isEqualTo("migrator");
        assertThat(config.connection().password()).isEqualTo("s3cret!");
        assertThat(config.table()).isEqualTo("customers");
        assertThat(config.alter()).isEqualTo("ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''");
        assertThat(config.execute()).isTrue();
        assertThat(config.okToDropTable()).isTrue();
        assertThat(config.cutOverLockTimeoutSeconds()).isEqualTo(7);
        assertThat(config.initiallyDropGhostTable()).as("leftovers are resumed, never dropped up front").isFalse();
        assertThat(config.throttling().replicas()).extracting(c -> c.host() + ":" + c.port() + ":" + c.user())
                .containsExactly("replica-0:3306:migrator", "replica-1:3307:migrator");
        assertThat(config.binlogServerId()).isBetween(MigrationSettings.SERVER_ID_BASE,
                MigrationSettings.SERVER_ID_BASE + MigrationSettings.SERVER_ID_RANGE)
                .as("stable per resource").isEqualTo(MigrationSettings.config(migration(), ENV).binlogServerId());
        assertThat(config.toString()).doesNotContain("s3cret!");
    }

    @Test
    void aDryRunKeepsTheOldTableByDefault() throws Exception {
        SchemaMigration m = migration();
        m.getSpec().setDryRun(true);
        m.getSpec().setKeepOldTable(null);
        MigrationConfig config = MigrationSettings.config(m, ENV);
        assertThat(config.execute()).isFalse();
        assertThat(config.okToDropTable()).isFalse();
    }

    @Test
    void theMappingCheckRunsUnlessTheSpecTurnsItOff() throws Exception {
        SchemaMigration m = migration();
        assertThat(MigrationSettings.config(m, ENV).skipMappingCheck()).isFalse();
        VerificationSpec verification = new VerificationSpec();
        m.getSpec().setVerification(verification);
        assertThat(MigrationSettings.config(m, ENV).skipMappingCheck()).isFalse();
        verification.setMappingCheck(false);
        assertThat(MigrationSettings.config(m, ENV).skipMappingCheck()).isTrue();
    }

    @Test
    void hooksRunFromTheMountedConfigMapWithTheSpecsTimeoutAndInterval() throws Exception {
        SchemaMigration m = migration();
        assertThat(MigrationSettings.config(m, ENV).hooks().enabled()).as("no spec.hooks, no hooks").isFalse();

        HooksSpec hooks = new HooksSpec();
        hooks.setConfigMapRef(new ConfigMapReference("shop-hooks"));
        m.getSpec().setHooks(hooks);
        HooksConfig defaults = MigrationSettings.config(m, ENV).hooks();
        assertThat(defaults.path()).contains(Path.of(RunnerJobs.HOOKS_MOUNT_PATH));
        assertThat(defaults.timeoutSeconds()).isEqualTo(60);
        assertThat(defaults.statusIntervalSeconds()).isEqualTo(60);

        hooks.setTimeoutSeconds(5);
        hooks.setStatusIntervalSeconds(600);
        HooksConfig set = MigrationSettings.config(m, ENV).hooks();
        assertThat(set.timeoutSeconds()).isEqualTo(5);
        assertThat(set.statusIntervalSeconds()).isEqualTo(600);

        hooks.setTimeoutSeconds(0);
        assertThatThrownBy(() -> MigrationSettings.config(m, ENV))
                .isInstanceOf(MigrationSettings.InvalidSettingsException.class)
                .hasMessageContaining("hooks-timeout-seconds must be at least 1");
    }

    @Test
    void tlsComesFromTheSpecAndItsFilesFromWhereTheJobMountsThem() throws Exception {
        SchemaMigration m = migration();
        assertThat(MigrationSettings.config(m, ENV).connection().tls().enabled()).as("no tls block: no TLS").isFalse();

        TlsSpec tls = new TlsSpec();
        tls.setMode(TlsMode.Required);
        m.getSpec().getDatabase().setTls(tls);
        assertThat(MigrationSettings.config(m, ENV).connection().tls().mode()).isEqualTo(TlsSettings.Mode.REQUIRED);
        assertThat(MigrationSettings.config(m, ENV).throttling().replicas()).allSatisfy(r -> assertThat(r.tls().mode())
                .isEqualTo(TlsSettings.Mode.REQUIRED));

        tls.setMode(null);
        tls.setCaSecretRef(new TlsSecretReference("shop-ca"));
        // Outside a runner pod the mounted CA file is absent: the error names the path the Job mounts it at.
        assertThatThrownBy(() -> MigrationSettings.config(m, ENV))
                .hasMessageContaining("spec.database.tls").hasMessageContaining("/etc/transmog/tls/ca/ca.crt");
    }

    @Test
    void missingCredentialsNameTheVariableButNoValue() {
        assertThatThrownBy(() -> MigrationSettings.config(migration(), Map.of("TRANSMOG_PASSWORD", "s3cret!")))
                .hasMessageContaining("TRANSMOG_USER").hasMessageNotContaining("s3cret!");
        assertThatThrownBy(() -> MigrationSettings.config(migration(), Map.of("TRANSMOG_USER", "migrator")))
                .hasMessageContaining("TRANSMOG_PASSWORD");
    }

    @Test
    void controlsFollowTheSpecAndInvalidThrottleSettingsFailUpFront() throws Exception {
        SchemaMigrationSpec spec = migration().getSpec();
        spec.getThrottle().setMaxLoad("Threads_running=25");
        spec.setPaused(true);
        Controls controls = MigrationSettings.controls(spec);
        assertThat(controls.chunkSize()).isEqualTo(500);
        assertThat(controls.copyThreads()).as("default").isEqualTo(2);
        assertThat(controls.maxLagMillis()).isEqualTo(2000);
        assertThat(controls.maxLoad()).isEqualTo(LoadThresholds.parse("x", "Threads_running=25"));
        assertThat(controls.criticalLoad().isEmpty()).isTrue();
        assertThat(controls.paused()).isTrue();
        assertThat(controls.postponeCutOver()).isFalse();

        spec.getThrottle().setCriticalLoad("Threads_running");
        assertThatThrownBy(() -> MigrationSettings.controls(spec)).hasMessageContaining("criticalLoad");
    }

    @Test
    void liveFieldsApplyAndInvalidOnesKeepThePreviousValue() throws Exception {
        SchemaMigrationSpec spec = migration().getSpec();
        spec.getCutOver().setMode(CutOverMode.Manual);
        Controls controls = MigrationSettings.controls(spec);
        assertThat(controls.postponeCutOver()).isTrue();

        spec.setPaused(true);
        spec.getThrottle().setChunkSize(5000);
        spec.getThrottle().setCopyThreads(4);
        spec.getThrottle().setMaxLoad("Threads_running=oops");
        spec.getCutOver().setApproved(true);
        MigrationSettings.Changes changes = MigrationSettings.apply(spec, controls);
        assertThat(changes.applied()).contains("spec.paused=true", "spec.throttle.chunkSize=5000",
                "spec.throttle.copyThreads=4", "cut-over may proceed");
        assertThat(changes.problems()).singleElement().asString().contains("maxLoad");
        assertThat(controls.paused()).isTrue();
        assertThat(controls.postponeCutOver()).isFalse();
        assertThat(controls.chunkSize()).isEqualTo(5000);
        assertThat(controls.copyThreads()).isEqualTo(4);
        assertThat(controls.maxLoad().isEmpty()).isTrue();

        assertThat(MigrationSettings.apply(spec, controls).applied()).as("idempotent").isEmpty();

        spec.getThrottle().setCopyThreads(32);
        assertThat(MigrationSettings.apply(spec, controls).problems())
                .contains("spec.throttle.copyThreads: copy threads must be between 1 and 16, got 32");
        assertThat(controls.copyThreads()).as("the previous value stays").isEqualTo(4);
    }

    @Test
    void chunksAreSizedByTimeUnlessAChunkSizeIsGivenAlone() throws Exception {
        SchemaMigrationSpec spec = migration().getSpec();
        assertThat(MigrationSettings.controls(spec).chunkTimeMillis()).as("chunkSize alone: gh-ost's fixed size").isZero();

        spec.getThrottle().setChunkSize(null);
        Controls controls = MigrationSettings.controls(spec);
        assertThat(controls.chunkSize()).as("the first chunk's size").isEqualTo(1000);
        assertThat(controls.chunkTimeMillis()).isEqualTo(Controls.DEFAULT_CHUNK_TIME_MILLIS);

        spec.getThrottle().setChunkSize(2000);
        assertThat(MigrationSettings.apply(spec, controls).applied())
                .containsExactly("spec.throttle.chunkSize=2000", "spec.throttle.chunkTimeMillis=0");
        spec.getThrottle().setChunkTimeMillis(200);
        assertThat(MigrationSettings.apply(spec, controls).applied()).containsExactly("spec.throttle.chunkTimeMillis=200");
        assertThat(controls.chunkSize()).isEqualTo(2000);
        spec.getThrottle().setChunkTimeMillis(-1);
        assertThat(MigrationSettings.apply(spec, controls).problems()).singleElement().asString()
                .contains("spec.throttle.chunkTimeMillis: chunk time must be between 0");
        assertThat(controls.chunkTimeMillis()).as("the previous value stays").isEqualTo(200);
    }

    static SchemaMigration migration() {
        var db = new DatabaseSpec();
        db.setHost("mysql.shop.svc");
        db.setSchema("shop");
        db.setCredentialsSecretRef(new SecretReference("creds"));
        var throttle = new ThrottleSpec();
        throttle.setChunkSize(500);
        throttle.setMaxLagMillis(2000);
        var spec = new SchemaMigrationSpec();
        spec.setDatabase(db);
        spec.setTable("customers");
        spec.setAlter("ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''");
        spec.setThrottle(throttle);
        spec.setCutOver(new CutOverSpec());
        var m = new SchemaMigration();
        m.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("m").withUid("0b3c1f7e-uid").build());
        m.setSpec(spec);
        return m;
    }
}
