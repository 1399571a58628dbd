package dev.configservice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The DR region: uses the global table's replica, adds the SECONDARY failover record, no CloudFront by default. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecondaryStackTest {

    private Synth.Result result;
    private Template t;

    @BeforeAll
    void synth() {
        result = Synth.synth(Map.of(
                "role", "secondary",
                "region", "eu-central-1",
                "replicaRegion", "eu-west-1",
                "imageTag", "abc1234",
                "domainName", "origin.config.example.com",
                "hostedZoneId", "Z0123456789ABCDEFGHIJ",
                "hostedZoneName", "config.example.com"));
        t = result.template();
    }

    @Test
    void stackIsNamedForItsRole() {
        assertThat(result.stack().getStackName()).isEqualTo("config-service-secondary");
        assertThat(result.stack().getRegion()).isEqualTo("eu-central-1");
    }

    @Test
    void doesNotCreateTheTableButUsesTheLocalReplica() {
        t.resourceCountIs("AWS::DynamoDB::GlobalTable", 0);
        t.resourceCountIs("AWS::DynamoDB::Table", 0);
        t.hasResourceProperties("AWS::IAM::Role", Map.of("Policies", List.of(Match.objectLike(Map.of(
                "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Sid", "Table",
                        // the local replica only, and no index (the table has none)
                        "Resource", Match.objectLike(Map.of("Fn::Join", List.of("", Match.arrayWith(List.of(
                                ":dynamodb:eu-central-1:123456789012:table/config-service"))))))))))))))));
    }

    @Test
    void hasItsOwnRegistryAndRunsTheSameImageTag() {
        result.registryTemplate().resourceCountIs("AWS::ECR::Repository", 1);
        assertThat(result.registry().getRegion()).isEqualTo("eu-central-1");
        t.hasResourceProperties("AWS::SSM::Parameter", Map.of("Name", "/config-service/image-tag", "Value", "abc1234"));
    }

    @Test
    void secondaryFailoverRecordOverHttpWithoutCertificate() {
        t.hasResourceProperties("AWS::Route53::RecordSet", Map.of(
                "Failover", "SECONDARY", "SetIdentifier", "config-service-secondary"));
        t.hasResourceProperties("AWS::Route53::HealthCheck", Map.of("HealthCheckConfig", Match.objectLike(Map.of(
                "Type", "HTTP", "Port", 80, "ResourcePath", "/health/ready"))));
        t.resourceCountIs("AWS::CloudFront::Distribution", 0);
    }

    @Test
    void monitorsReplicationBackToThePrimary() {
        t.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "config-service-eu-central-1-ReplicationLatency",
                "Metrics", List.of(Match.objectLike(Map.of("MetricStat", Match.objectLike(Map.of(
                        "Metric", Match.objectLike(Map.of("Dimensions", Match.arrayWith(List.of(
                                Map.of("Name", "ReceivingRegion", "Value", "eu-west-1"))))))))))));
    }

    @Test
    void synthNeedsNoAwsLookups() {
        var missing = result.app().synth().getManifest().getMissing();
        assertThat(missing == null ? List.<String>of() : missing.stream().map(m -> m.getKey()).toList()).isEmpty();
    }

    @Test
    void noUnsuppressedCdkNagFindings() {
        Annotations a = Annotations.fromStack(result.stack());
        a.hasNoError("*", Match.anyValue());
        a.hasNoWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
    }
}
