package dev.configservice.deploy;

import java.util.Locale;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

/**
 * CDK entry point ({@code npx aws-cdk@2 synth|deploy} runs it through cdk.json). Settings come from context:
 * see docs/deploy.md. The target account and region come from the CLI's credentials (CDK_DEFAULT_ACCOUNT /
 * CDK_DEFAULT_REGION) unless given as context {@code account} / {@code region}.
 */
public final class DeployApp {

    private DeployApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        build(app);
        app.synth();
    }

    /** The two stacks of one region: the registry is deployed first (the pipeline pushes to it), then the service. */
    public record Stacks(RegistryStack registry, ConfigServiceStack service) {
    }

    /** Adds the stacks and the cdk-nag checks to an app; the tests call this too, so they check what ships. */
    public static Stacks build(App app) {
        DeploySettings settings = DeploySettings.fromContext(k -> app.getNode().tryGetContext(k));
        String account = firstNonBlank(app.getNode().tryGetContext("account"), System.getenv("CDK_DEFAULT_ACCOUNT"));
        String region = firstNonBlank(app.getNode().tryGetContext("region"), System.getenv("CDK_DEFAULT_REGION"));
        if (account == null || region == null) {
            // An environment-agnostic stack could not name its AZs or build ARNs for the IAM policy.
            throw new IllegalArgumentException("no target account/region: set AWS credentials and region, or pass "
                    + "-c account=123456789012 -c region=eu-west-1");
        }
        // Answer CDK's AZ lookup up front (as a cdk.context.json entry would), so synth never calls AWS: the VPC
        // asks for the region's zones even when it is given its two explicitly.
        app.getNode().setContext("availability-zones:account=" + account + ":region=" + region,
                settings.availabilityZonesFor(region));
        Environment env = Environment.builder().account(account).region(region).build();
        RegistryStack registry = new RegistryStack(app, stackName(settings) + "-registry", StackProps.builder()
                .env(env)
                .description(settings.serviceName() + " image repository (ECR)")
                .terminationProtection(true)
                .build(), settings);
        ConfigServiceStack stack = new ConfigServiceStack(app, stackName(settings), StackProps.builder()
                .env(env)
                .description(settings.serviceName() + " (" + settings.role().name().toLowerCase(Locale.ROOT)
                        + "): VPC, ALB, Auto Scaling group, ECR, DynamoDB global table, CloudFront, monitoring")
                .terminationProtection(true)
                .build(), settings);
        stack.addDependency(registry, "instances pull the image from the registry");
        Tags.of(app).add("service", settings.serviceName());
        Tags.of(app).add("role", settings.role().name().toLowerCase(Locale.ROOT));
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        return new Stacks(registry, stack);
    }

    /** Stack name per role, e.g. config-service-primary; the pipeline scripts derive the same name. */
    public static String stackName(DeploySettings settings) {
        return settings.serviceName() + "-" + settings.role().name().toLowerCase(Locale.ROOT);
    }

    private static String firstNonBlank(Object context, String env) {
        if (context != null && !context.toString().isBlank()) {
            return context.toString();
        }
        return env == null || env.isBlank() ? null : env;
    }
}
