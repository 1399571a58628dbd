package dev.configservice.deploy;

import java.util.List;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecr.LifecycleRule;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecr.RepositoryProps;
import software.amazon.awscdk.services.ecr.TagMutability;
import software.amazon.awscdk.services.ecr.TagStatus;
import software.constructs.Construct;

/**
 * The region's image repository, in a stack of its own: the pipeline must push an image before the service
 * stack's instances can boot, so the repository has to exist before the first service deploy.
 */
public class RegistryStack extends Stack {

    private final Repository repository;

    public RegistryStack(Construct scope, String id, StackProps props, DeploySettings settings) {
        super(scope, id, props);
        repository = new Repository(this, "Repository", RepositoryProps.builder()
                .repositoryName(settings.serviceName())
                .imageScanOnPush(true)
                // Tags are commit SHAs; immutability guarantees a rollback redeploys exactly what ran before.
                .imageTagMutability(TagMutability.IMMUTABLE)
                .lifecycleRules(List.of(
                        LifecycleRule.builder().rulePriority(1).description("drop untagged layers after a week")
                                .tagStatus(TagStatus.UNTAGGED).maxImageAge(Duration.days(7)).build(),
                        LifecycleRule.builder().rulePriority(2).description("keep the last 50 images for rollback")
                                .tagStatus(TagStatus.ANY).maxImageCount(50).build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build());
        new CfnOutput(this, "RepositoryUri", CfnOutputProps.builder().value(repository.getRepositoryUri()).build());
    }

    public Repository repository() {
        return repository;
    }
}
