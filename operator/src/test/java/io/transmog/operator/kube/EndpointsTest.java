package io.transmog.operator.kube;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.transmog.operator.model.SchemaMigration;

/** Probes and Prometheus metrics of the running operator. */
@QuarkusTest
@WithTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class EndpointsTest extends KubeTestSupport {

    @Test
    void healthProbesAreUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", is("UP"));
    }

    @Test
    void migrationsByPhaseAreExported() {
        String ns = newNamespace("metrics");
        create(migration(ns, "m", "customers", "missing"));
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/q/metrics").then().statusCode(200)
                .body(containsString("transmog_migrations{phase=\"Pending\"}"))
                .body(containsString("transmog_migrations{phase=\"Succeeded\"}")));
    }

    @Test
    void theProgressInEachStatusIsExportedUntilTheResourceIsDeleted() {
        String ns = newNamespace("progress-metrics");
        create(migration(ns, "m", "customers", "missing"));
        runnerPatchesStatus(ns, "m", Map.of("progress",
                Map.of("rowsCopied", 1234, "rowsPerSecond", 99.5, "lagMillis", 2500, "throttled", true)));
        String tags = "{name=\"m\",namespace=\"" + ns + "\",table=\"customers\"}";
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/q/metrics").then().statusCode(200)
                .body(containsString("transmog_migration_status_rows_copied" + tags + " 1234.0"))
                .body(containsString("transmog_migration_status_rows_per_second" + tags + " 99.5"))
                .body(containsString("transmog_migration_status_lag_seconds" + tags + " 2.5"))
                .body(containsString("transmog_migration_status_throttled" + tags + " 1.0")));

        client.resources(SchemaMigration.class).inNamespace(ns).withName("m").delete();
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/q/metrics").then().statusCode(200)
                .body(not(containsString(tags))));
    }
}
