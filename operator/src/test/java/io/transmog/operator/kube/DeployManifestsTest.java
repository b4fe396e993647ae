package io.transmog.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.transmog.operator.TestPaths;
import io.transmog.operator.model.Phase;

/**
 * deploy/ and examples/ applied to a real API server (RBAC authorization on): they are accepted, the operator
 * reconciles the examples, and the RBAC grants the operator and the runner what they need and no more.
 */
@QuarkusTest
@WithTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class DeployManifestsTest extends KubeTestSupport {

    private static final String OPERATOR = "system:serviceaccount:transmog-system:transmog-operator";
    private static final String RUNNER = "system:serviceaccount:shop:transmog-runner";

    @Test
    void deployAndExamplesAreAcceptedAndRbacIsLeastPrivilege() throws Exception {
        String root = TestPaths.repoRoot().toString();
        KubectlSupport.kubectl("apply", "--server-side", "--force-conflicts", "-k", root + "/deploy");
        KubectlSupport.kubectl("create", "namespace", "shop");
        KubectlSupport.kubectl("apply", "-f", root + "/examples");

        // The examples, reconciled by the operator running in this JVM.
        assertThat(awaitStatus("shop", "customers-add-nickname", m -> m.getStatus().getJobName() != null)
                .getStatus().getPhase()).isEqualTo(Phase.Pending);
        assertThat(awaitStatus("shop", "invoices-drop-legacy", m -> m.getStatus().getPhase() != null)
                .getStatus().getPhase()).isEqualTo(Phase.Paused);
        awaitStatus("shop", "orders-add-index", m -> m.getStatus().getPhase() != null);
        awaitStatus("shop", "orders-widen-total-dry-run", m -> m.getStatus().getPhase() != null);
        long ordersRunning = List.of("orders-add-index", "orders-widen-total-dry-run").stream()
                .filter(n -> get("shop", n).getStatus().getJobName() != null).count();
        assertThat(ordersRunning).as("one migration at a time on shop.orders").isEqualTo(1);

        // Operator: what it needs.
        assertAllowed(OPERATOR, "transmog.io", "schemamigrations", "", "list", "");
        assertAllowed(OPERATOR, "transmog.io", "schemamigrations", "", "watch", "");
        assertAllowed(OPERATOR, "transmog.io", "schemamigrations", "", "patch", "shop");
        assertAllowed(OPERATOR, "transmog.io", "schemamigrations", "status", "patch", "shop");
        assertAllowed(OPERATOR, "transmog.io", "schemamigrations", "finalizers", "update", "shop");
        assertAllowed(OPERATOR, "batch", "jobs", "", "create", "shop");
        assertAllowed(OPERATOR, "batch", "jobs", "", "watch", "");
        assertAllowed(OPERATOR, "batch", "jobs", "", "delete", "shop");
        assertAllowed(OPERATOR, "", "secrets", "", "get", "shop");
        assertAllowed(OPERATOR, "", "events", "", "create", "shop");
        assertAllowed(OPERATOR, "", "pods", "", "get", "transmog-system");
        assertAllowed(OPERATOR, "", "pods", "", "list", "");
        assertAllowed(OPERATOR, "", "pods", "", "watch", "");
        assertAllowed(OPERATOR, "", "pods", "", "get", "shop");
        // ...and no more.
        assertDenied(OPERATOR, "", "secrets", "", "list", "shop");
        assertDenied(OPERATOR, "", "secrets", "", "watch", "");
        assertDenied(OPERATOR, "transmog.io", "schemamigrations", "", "delete", "shop");
        assertDenied(OPERATOR, "transmog.io", "schemamigrations", "", "create", "shop");
        assertDenied(OPERATOR, "", "pods", "", "create", "shop");
        assertDenied(OPERATOR, "", "pods", "", "delete", "shop");
        assertDenied(OPERATOR, "", "pods", "", "patch", "shop");
        assertDenied(OPERATOR, "", "pods", "log", "get", "shop");
        assertDenied(OPERATOR, "", "pods", "exec", "create", "shop");
        assertDenied(OPERATOR, "batch", "jobs", "", "update", "shop");
        assertDenied(OPERATOR, "apps", "deployments", "", "update", "transmog-system");

        // Runner (examples/01-runner-rbac.yaml in namespace shop): its SchemaMigrations and their status only.
        assertAllowed(RUNNER, "transmog.io", "schemamigrations", "", "get", "shop");
        assertAllowed(RUNNER, "transmog.io", "schemamigrations", "", "list", "shop");
        assertAllowed(RUNNER, "transmog.io", "schemamigrations", "", "watch", "shop");
        assertAllowed(RUNNER, "transmog.io", "schemamigrations", "status", "patch", "shop");
        assertAllowed(RUNNER, "transmog.io", "schemamigrations", "status", "update", "shop");
        assertDenied(RUNNER, "transmog.io", "schemamigrations", "", "patch", "shop");
        assertDenied(RUNNER, "transmog.io", "schemamigrations", "", "update", "shop");
        assertDenied(RUNNER, "transmog.io", "schemamigrations", "", "delete", "shop");
        assertDenied(RUNNER, "transmog.io", "schemamigrations", "", "get", "transmog-system");
        assertDenied(RUNNER, "transmog.io", "schemamigrations", "", "list", "");
        assertDenied(RUNNER, "", "secrets", "", "get", "shop");
        assertDenied(RUNNER, "", "pods", "", "list", "shop");
        assertDenied(RUNNER, "batch", "jobs", "", "get", "shop");
    }

    private void assertAllowed(String user, String group, String resource, String subresource, String verb,
            String namespace) {
        assertThat(review(user, group, resource, subresource, verb, namespace))
                .as("%s may %s %s/%s in '%s'", user, verb, resource, subresource, namespace).isTrue();
    }

    private void assertDenied(String user, String group, String resource, String subresource, String verb,
            String namespace) {
        assertThat(review(user, group, resource, subresource, verb, namespace))
                .as("%s must not %s %s/%s in '%s'", user, verb, resource, subresource, namespace).isFalse();
    }

    private boolean review(String user, String group, String resource, String subresource, String verb,
            String namespace) {
        String saNamespace = user.split(":")[2];
        SubjectAccessReview review = new SubjectAccessReviewBuilder()
                .withNewSpec()
                    .withUser(user)
                    .withGroups("system:serviceaccounts", "system:serviceaccounts:" + saNamespace,
                            "system:authenticated")
                    .withNewResourceAttributes()
                        .withGroup(group)
                        .withResource(resource)
                        .withSubresource(subresource)
                        .withVerb(verb)
                        .withNamespace(namespace)
                    .endResourceAttributes()
                .endSpec()
                .build();
        return client.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
    }
}
