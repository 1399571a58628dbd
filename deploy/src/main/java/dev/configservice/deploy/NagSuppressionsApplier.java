package dev.configservice.deploy;

import java.util.List;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;

/**
 * cdk-nag (AwsSolutions) suppressions, each scoped to the one resource (and, for IAM5, the one wildcard) it is
 * about, with the reason the finding does not apply or is accepted. Anything not listed here fails the build.
 */
final class NagSuppressionsApplier {

    private NagSuppressionsApplier() {
    }

    static void apply(ConfigServiceStack stack) {
        NagSuppressions.addResourceSuppressions(stack.instanceRole(), List.of(
                suppress("AwsSolutions-IAM5",
                        "ecr:GetAuthorizationToken supports no resource-level permission; AWS documents '*' as its only resource",
                        "Resource::*"),
                suppress("AwsSolutions-IAM5",
                        "the awslogs driver names streams by instance id, unknown at deploy time; confined to the app log group",
                        RegexAppliesTo.builder().regex("/^Resource::arn:.*:log-group:.*:log-stream:\\*$/").build())), true);

        NagSuppressions.addResourceSuppressions(stack.logBucket(), List.of(
                suppress("AwsSolutions-S1",
                        "this bucket is the access-log destination itself; logging it to itself would loop")), true);

        NagSuppressions.addResourceSuppressions(stack.albSecurityGroup(), List.of(
                suppress("AwsSolutions-EC23",
                        "internet-facing load balancer: listeners on 80/443 must accept any client address; "
                                + "instances accept only the ALB security group")), true);

        if (!stack.settings().https()) {
            stack.edge().ifPresent(edge -> NagSuppressions.addResourceSuppressions(edge.distribution(), List.of(
                    suppress("AwsSolutions-CFR5",
                            "no certificateArn given, so the ALB has no TLS listener and CloudFront reaches it over HTTP; "
                                    + "with certificateArn + domainName the origin is HTTPS-only, TLS 1.2")), true));
        }
        stack.edge().ifPresent(edge -> NagSuppressions.addResourceSuppressions(edge.distribution(), List.of(
                suppress("AwsSolutions-CFR1", "a configuration API for our own fleet worldwide; no geography to exclude"),
                suppress("AwsSolutions-CFR2",
                        "WAF is an account-level choice (web ACL ARN) outside this stack; docs/deploy.md covers attaching one"),
                suppress("AwsSolutions-CFR4",
                        "the default *.cloudfront.net certificate cannot pin a minimum TLS version; clients use the "
                                + "custom domain on the ALB when they need TLS 1.2+ guarantees")), true));
    }

    private static NagPackSuppression suppress(String id, String reason, Object... appliesTo) {
        NagPackSuppression.Builder b = NagPackSuppression.builder().id(id).reason(reason);
        if (appliesTo.length > 0) {
            b.appliesTo(List.of(appliesTo));
        }
        return b.build();
    }
}
