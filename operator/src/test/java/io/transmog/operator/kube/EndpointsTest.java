package io.transmog.operator.kube;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

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
}
