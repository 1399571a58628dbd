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

/** Primary with a certificate and a hosted zone: HTTPS listener, redirect, HTTPS origin, failover record. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsFailoverTest {

    static final String CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";

    private Synth.Result result;
    private Template t;

    @BeforeAll
    void synth() {
        result = Synth.primary(Map.of(
                "certificateArn", CERT,
                "domainName", "origin.config.example.com",
                "hostedZoneId", "Z0123456789ABCDEFGHIJ",
                "hostedZoneName", "config.example.com"));
        t = result.template();
    }

    @Test
    void httpsListenerWithCertificateAndHttpRedirect() {
        t.resourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 2);
        t.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Map.of(
                "Port", 443, "Protocol", "HTTPS",
                "Certificates", List.of(Map.of("CertificateArn", CERT)),
                "SslPolicy", Match.stringLikeRegexp("ELBSecurityPolicy-TLS13-.*"),
                "DefaultActions", List.of(Match.objectLike(Map.of("Type", "forward")))));
        t.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Map.of(
                "Port", 80, "Protocol", "HTTP",
                "DefaultActions", List.of(Match.objectLike(Map.of(
                        "Type", "redirect",
                        "RedirectConfig", Match.objectLike(Map.of("Port", "443", "Protocol", "HTTPS",
                                "StatusCode", "HTTP_301")))))));
    }

    @Test
    void cloudFrontReachesTheFailoverNameOverTls12Only() {
        t.hasResourceProperties("AWS::CloudFront::Distribution", Map.of("DistributionConfig", Match.objectLike(Map.of(
                "Origins", List.of(Match.objectLike(Map.of(
                        "DomainName", "origin.config.example.com",
                        "CustomOriginConfig", Match.objectLike(Map.of(
                                "OriginProtocolPolicy", "https-only",
                                "OriginSSLProtocols", List.of("TLSv1.2"))))))))));
    }

    @Test
    void primaryFailoverRecordWithReadinessHealthCheck() {
        t.hasResourceProperties("AWS::Route53::HealthCheck", Map.of("HealthCheckConfig", Match.objectLike(Map.of(
                "Type", "HTTPS",
                "Port", 443,
                "ResourcePath", "/health/ready",
                "FailureThreshold", 3,
                "RequestInterval", 10,
                "FullyQualifiedDomainName", Match.objectLike(Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("Alb.*"), "DNSName")))))));
        t.hasResourceProperties("AWS::Route53::RecordSet", Map.of(
                "Name", "origin.config.example.com.",
                "Type", "A",
                "HostedZoneId", "Z0123456789ABCDEFGHIJ",
                "Failover", "PRIMARY",
                "SetIdentifier", "config-service-primary",
                "HealthCheckId", Match.objectLike(Map.of("Ref", Match.stringLikeRegexp("FailoverHealthCheck.*"))),
                "AliasTarget", Match.objectLike(Map.of("DNSName", Match.anyValue(), "HostedZoneId", Match.anyValue()))));
    }

    @Test
    void serviceUrlIsTheCloudFrontDomain() {
        Object url = ((Map<?, ?>) ((Map<?, ?>) t.toJSON().get("Outputs")).get("ServiceUrl")).get("Value");
        assertThat(MetricRefs.resolveToString(url)).startsWith("https://");
        assertThat(String.valueOf(url)).contains("DomainName");
    }

    @Test
    void noUnsuppressedCdkNagFindings() {
        Annotations a = Annotations.fromStack(result.stack());
        a.hasNoError("*", Match.anyValue());
        a.hasNoWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
    }
}
