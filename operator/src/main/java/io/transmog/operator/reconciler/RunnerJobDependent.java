package io.transmog.operator.reconciler;

import java.util.List;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.transmog.operator.model.SchemaMigration;

/**
 * The runner Job as a standalone dependent resource. Create-only: a Job is never updated (its pod template is
 * immutable, and a running migration must not be restarted by an edit), and it is owned by the resource
 * (ownerReference, controller=true), so Kubernetes deletes it with the resource. The reconciler decides when to
 * call {@link #reconcile}; this class only knows what the Job looks like.
 */
public class RunnerJobDependent extends KubernetesDependentResource<Job, SchemaMigration>
        implements Creator<Job, SchemaMigration>, GarbageCollected<SchemaMigration> {

    private final OperatorConfig config;
    private final RunnerImage image;

    public RunnerJobDependent(OperatorConfig config, RunnerImage image) {
        super(Job.class);
        this.config = config;
        this.image = image;
        configureWith(new KubernetesDependentResourceConfigBuilder<Job>()
                .withLabelSelector(RunnerJobs.SELECTOR)
                // A plain create (POST): the Job is never updated, and RBAC then needs `create`, not `patch`.
                .withUseSSA(false)
                .build());
    }

    @Override
    protected Job desired(SchemaMigration primary, Context<SchemaMigration> context) {
        Job job = RunnerJobs.desired(primary, config, image.get());
        // controller=true (kubectl shows "Controlled By"), blockOwnerDeletion=true; JOSDK keeps an owner
        // reference that is already there.
        job.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
                .withApiVersion(primary.getApiVersion())
                .withKind(primary.getKind())
                .withName(primary.getMetadata().getName())
                .withUid(primary.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build()));
        return job;
    }

    @Override
    public Job create(Job desired, SchemaMigration primary, Context<SchemaMigration> context) {
        try {
            return super.create(desired, primary, context);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // Created by an earlier reconciliation that the informer has not shown us yet.
            Job existing = context.getClient().batch().v1().jobs()
                    .inNamespace(desired.getMetadata().getNamespace())
                    .withName(desired.getMetadata().getName())
                    .get();
            if (existing == null) {
                throw e;
            }
            return existing;
        }
    }
}
