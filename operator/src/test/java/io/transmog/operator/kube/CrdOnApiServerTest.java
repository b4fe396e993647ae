package io.transmog.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.transmog.operator.model.ConfigMapReference;
import io.transmog.operator.model.CutOverMode;
import io.transmog.operator.model.HooksSpec;
import io.transmog.operator.model.SchemaMigration;

/** The committed CRD on a real API server: accepted, defaulted, printed, and its CEL rules enforced. */
@QuarkusTest
@WithTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class CrdOnApiServerTest extends KubeTestSupport {

    @Test
    void committedCrdIsEstablishedAndDefaultsApply() {
        var crd = client.apiextensions().v1().customResourceDefinitions().withName("schemamigrations.transmog.io")
                .get();
        assertThat(crd.getStatus().getConditions())
                .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Established=True"))
                .noneSatisfy(c -> assertThat(c.getType() + "=" + c.getStatus())
                        .isEqualTo("NonStructuralSchema=True"));
        assertThat(crd.getStatus().getAcceptedNames().getShortNames()).containsExactly("smig");

        String ns = newNamespace("crd");
        SchemaMigration created = create(migration(ns, "defaults", "customers", "nope"));
        assertThat(created.getSpec().getDatabase().getPort()).isEqualTo(3306);
        assertThat(created.getSpec().getDryRun()).isFalse();
        assertThat(created.getSpec().getPaused()).isFalse();
        assertThat(created.getSpec().getKeepOldTable()).isTrue();
        assertThat(created.getSpec().getCutOver().getMode()).isEqualTo(CutOverMode.Automatic);
        assertThat(created.getSpec().getCutOver().getApproved()).isFalse();
        assertThat(created.getSpec().getCutOver().getLockTimeoutSeconds()).isEqualTo(3);
        assertThat(created.getSpec().getThrottle().getChunkSize()).as("unset: the runner sizes chunks by time").isNull();
        assertThat(created.getSpec().getThrottle().getChunkTimeMillis()).isNull();
        assertThat(created.getSpec().getThrottle().getMaxLagMillis()).isEqualTo(1500);
    }

    @Test
    void schemaRejectsInvalidSpecs() {
        String ns = newNamespace("crd");
        var emptyAlter = migration(ns, "empty-alter", "customers", "s");
        emptyAlter.getSpec().setAlter("   ");
        assertThatThrownBy(() -> create(emptyAlter)).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("spec.alter must not be empty");
        var noTable = migration(ns, "no-table", "customers", "s");
        noTable.getSpec().setTable(null);
        assertThatThrownBy(() -> create(noTable)).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("spec.table");
        var badChunk = migration(ns, "bad-chunk", "customers", "s");
        badChunk.getSpec().setThrottle(new io.transmog.operator.model.ThrottleSpec());
        badChunk.getSpec().getThrottle().setChunkSize(1);
        assertThatThrownBy(() -> create(badChunk)).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("chunkSize");
        var badChunkTime = migration(ns, "bad-chunk-time", "customers", "s");
        badChunkTime.getSpec().setThrottle(new io.transmog.operator.model.ThrottleSpec());
        badChunkTime.getSpec().getThrottle().setChunkTimeMillis(10_001);
        assertThatThrownBy(() -> create(badChunkTime)).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("chunkTimeMillis");
    }

    @Test
    void tableAlterAndDatabaseAreImmutableOnceStarted() {
        String ns = newNamespace("cel");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        create(migration(ns, "m", "customers", "creds"));
        awaitStatus(ns, "m", m -> m.getStatus().getStartedAt() != null);

        var resource = client.resources(SchemaMigration.class).inNamespace(ns).withName("m");
        assertThatThrownBy(() -> resource.patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"table\":\"orders\"}}"))
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
                .hasMessageContaining("spec.table is immutable once the migration has started");
        assertThatThrownBy(() -> resource.patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"alter\":\"DROP COLUMN x\"}}"))
                .hasMessageContaining("spec.alter is immutable once the migration has started");
        assertThatThrownBy(() -> resource.patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"database\":{\"host\":\"elsewhere\"}}}"))
                .hasMessageContaining("spec.database is immutable once the migration has started");
        assertThatThrownBy(() -> resource.patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"dryRun\":true}}"))
                .hasMessageContaining("spec.dryRun is immutable once the migration has started");

        // Live fields stay editable.
        var patched = resource.patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"paused\":true,\"throttle\":{\"chunkSize\":500},\"cutOver\":{\"approved\":true}}}");
        assertThat(patched.getSpec().getPaused()).isTrue();
        assertThat(patched.getSpec().getThrottle().getChunkSize()).isEqualTo(500);
        assertThat(get(ns, "m").getSpec().getTable()).isEqualTo("customers");
    }

    @Test
    void hooksAreMountedAndImmutableOnceStartedWhileTheirConfigMapStaysEditable() {
        String ns = newNamespace("hooks");
        createSecret(ns, "creds", Map.of("username", "u", "password", "p"));
        var withHooks = migration(ns, "m", "customers", "creds");
        var hooks = new HooksSpec();
        hooks.setConfigMapRef(new ConfigMapReference("m-hooks"));
        withHooks.getSpec().setHooks(hooks);
        SchemaMigration created = create(withHooks);
        assertThat(created.getSpec().getHooks().getTimeoutSeconds()).isEqualTo(60);
        assertThat(created.getSpec().getHooks().getStatusIntervalSeconds()).isEqualTo(60);
        var started = awaitStatus(ns, "m", m -> m.getStatus().getStartedAt() != null && m.getStatus().getJobName() != null);

        // The operator records the Job's name in the status before the Job itself is created.
        var job = await().atMost(Duration.ofSeconds(30)).until(
                () -> client.batch().v1().jobs().inNamespace(ns).withName(started.getStatus().getJobName()).get(),
                java.util.Objects::nonNull);
        assertThat(job.getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> v.getConfigMap() != null).singleElement()
                .satisfies(v -> {
                    assertThat(v.getConfigMap().getName()).isEqualTo("m-hooks");
                    assertThat(v.getConfigMap().getDefaultMode()).isEqualTo(0555);
                });

        var resource = client.resources(SchemaMigration.class).inNamespace(ns).withName("m");
        assertThatThrownBy(() -> resource.patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"hooks\":{\"configMapRef\":{\"name\":\"other\"}}}}"))
                .hasMessageContaining("spec.hooks is immutable once the migration has started");
        assertThatThrownBy(() -> resource.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"hooks\":null}}"))
                .hasMessageContaining("spec.hooks is immutable once the migration has started");

        create(migration(ns, "plain", "orders", "creds"));
        awaitStatus(ns, "plain", m -> m.getStatus().getStartedAt() != null);
        assertThatThrownBy(() -> client.resources(SchemaMigration.class).inNamespace(ns).withName("plain")
                .patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"hooks\":{\"configMapRef\":{\"name\":\"late\"}}}}"))
                .hasMessageContaining("spec.hooks is immutable once the migration has started");
    }

    @Test
    void beforeItStartsAMigrationCanStillBeCorrected() {
        String ns = newNamespace("cel");
        create(migration(ns, "waiting", "customers", "missing-secret"));
        awaitStatus(ns, "waiting", m -> m.getStatus().getPhase() != null);
        var patched = client.resources(SchemaMigration.class).inNamespace(ns).withName("waiting")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"table\":\"orders\"}}");
        assertThat(patched.getSpec().getTable()).isEqualTo("orders");
    }

    @Test
    void kubectlShowsTheColumnsAndExplainsTheSpec() throws Exception {
        String ns = newNamespace("kubectl");
        create(migration(ns, "shown", "customers", "missing"));
        awaitStatus(ns, "shown", m -> m.getStatus().getPhase() != null);
        String table = kubectl("get", "smig", "-n", ns);
        assertThat(table.lines().findFirst().orElse("")).matches("NAME\\s+TABLE\\s+PHASE\\s+PROGRESS\\s+LAG\\s+AGE\\s*");
        assertThat(table).contains("shown").contains("customers").contains("Pending");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            String explain = kubectl("explain", "smig.spec").replaceAll("\\s+", " ");
            assertThat(explain).contains("What to change").contains("alter <string> -required-").contains("database <Object> -required-")
                    .contains("immutable once the migration has started");
        });
    }

    private static String kubectl(String... args) throws Exception {
        return KubectlSupport.kubectl(args);
    }
}
