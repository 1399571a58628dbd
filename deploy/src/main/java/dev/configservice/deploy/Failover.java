package dev.configservice.deploy;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.route53.ARecord;
import software.amazon.awscdk.services.route53.ARecordProps;
import software.amazon.awscdk.services.route53.HealthCheck;
import software.amazon.awscdk.services.route53.HealthCheckProps;
import software.amazon.awscdk.services.route53.HealthCheckType;
import software.amazon.awscdk.services.route53.HostedZone;
import software.amazon.awscdk.services.route53.HostedZoneAttributes;
import software.amazon.awscdk.services.route53.IHostedZone;
import software.amazon.awscdk.services.route53.RecordTarget;
import software.amazon.awscdk.services.route53.targets.IAliasRecordTargetProps;
import software.amazon.awscdk.services.route53.targets.LoadBalancerTarget;
import software.constructs.Construct;

/**
 * This region's half of a Route 53 failover pair: a health check on the ALB's readiness endpoint and an alias
 * record for {@code domainName}, PRIMARY or SECONDARY by role. Route 53 answers with the primary while its
 * health check passes and with the secondary otherwise.
 */
public final class Failover extends Construct {

    private final HealthCheck healthCheck;

    public Failover(Construct scope, String id, DeploySettings settings, ApplicationLoadBalancer alb) {
        super(scope, id);
        IHostedZone zone = HostedZone.fromHostedZoneAttributes(this, "Zone", HostedZoneAttributes.builder()
                .hostedZoneId(settings.hostedZoneId())
                .zoneName(settings.hostedZoneName())
                .build());

        healthCheck = new HealthCheck(this, "HealthCheck", HealthCheckProps.builder()
                .type(settings.https() ? HealthCheckType.HTTPS : HealthCheckType.HTTP)
                .fqdn(alb.getLoadBalancerDnsName())
                .port(settings.https() ? 443 : 80)
                .resourcePath(ConfigServiceStack.HEALTH_PATH)
                .requestInterval(Duration.seconds(10))
                .failureThreshold(3)
                .build());

        boolean primary = settings.role() == DeploySettings.Role.PRIMARY;
        new ARecord(this, "Record", ARecordProps.builder()
                .zone(zone)
                .recordName(settings.domainName())
                .target(RecordTarget.fromAlias(new LoadBalancerTarget(alb, new IAliasRecordTargetProps() {
                    // Route 53 also requires it for failover aliases: no healthy target in the ALB fails this side.
                    @Override
                    public Boolean getEvaluateTargetHealth() {
                        return true;
                    }
                })))
                .failover(primary ? software.amazon.awscdk.services.route53.Failover.PRIMARY
                        : software.amazon.awscdk.services.route53.Failover.SECONDARY)
                .setIdentifier(settings.serviceName() + "-" + (primary ? "primary" : "secondary"))
                .healthCheck(healthCheck)
                .build());
    }

    public HealthCheck healthCheck() {
        return healthCheck;
    }
}
