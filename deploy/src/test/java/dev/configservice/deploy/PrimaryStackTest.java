package dev.configservice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The default deployment: primary role, replica region, no certificate (HTTP listener), CloudFront in front. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrimaryStackTest {

    private Synth.Result result;
    private Template t;
    private Map<String, Object> json;

    @BeforeAll
    void synth() {
        result = Synth.primary(Map.of("alarmEmail", "oncall@example.com"));
        t = result.template();
        json = t.toJSON();
    }

    // ---------------------------------------------------------------- network

    @Test
    void vpcSpansTwoAzsWithPublicAndPrivateSubnetsAndFlowLogs() {
        t.resourceCountIs("AWS::EC2::VPC", 1);
        t.resourceCountIs("AWS::EC2::Subnet", 4);
        t.resourcePropertiesCountIs("AWS::EC2::Subnet", Map.of("MapPublicIpOnLaunch", true), 2);
        t.resourcePropertiesCountIs("AWS::EC2::Subnet", Map.of("MapPublicIpOnLaunch", false), 2);
        Set<String> azs = new TreeSet<>();
        MetricRefs.resources(json, "AWS::EC2::Subnet").values().forEach(s -> azs.add(String.valueOf(
                ((Map<?, ?>) s.get("Properties")).get("AvailabilityZone"))));
        assertThat(azs).containsExactly("eu-west-1a", "eu-west-1b");
        t.resourceCountIs("AWS::EC2::NatGateway", 2);
        t.hasResourceProperties("AWS::EC2::FlowLog", Map.of("TrafficType", "ALL"));
        t.hasResourceProperties("AWS::EC2::VPCEndpoint", Map.of("VpcEndpointType", "Gateway",
                "ServiceName", Match.objectLike(Map.of())));
    }

    // ---------------------------------------------------------------- load balancer

    @Test
    void albIsInternetFacingWithHttpListenerWhenNoCertificate() {
        t.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Map.of(
                "Scheme", "internet-facing",
                "Type", "application",
                "LoadBalancerAttributes", Match.arrayWith(List.of(
                        Map.of("Key", "routing.http.drop_invalid_header_fields.enabled", "Value", "true"),
                        Map.of("Key", "access_logs.s3.enabled", "Value", "true")))));
        t.resourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 1);
        t.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Map.of(
                "Port", 80, "Protocol", "HTTP",
                "DefaultActions", List.of(Match.objectLike(Map.of("Type", "forward")))));
    }

    @Test
    void targetGroupChecksReadiness() {
        t.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Map.of(
                "Port", 8080,
                "Protocol", "HTTP",
                "HealthCheckPath", "/health/ready",
                "Matcher", Map.of("HttpCode", "200"),
                "TargetGroupAttributes", Match.arrayWith(List.of(
                        Map.of("Key", "deregistration_delay.timeout_seconds", "Value", "30"),
                        Map.of("Key", "slow_start.duration_seconds", "Value", "30")))));
    }

    @Test
    void instancesAcceptTheAppPortFromTheAlbOnly() {
        t.hasResourceProperties("AWS::EC2::SecurityGroupIngress", Map.of(
                "FromPort", 8080, "ToPort", 8080, "IpProtocol", "tcp",
                "SourceSecurityGroupId", Match.objectLike(Map.of("Fn::GetAtt", Match.arrayWith(List.of("GroupId"))))));
        // No CIDR ingress reaches the instances.
        MetricRefs.resources(json, "AWS::EC2::SecurityGroup").forEach((id, sg) -> {
            if (id.startsWith("InstanceSecurityGroup")) {
                assertThat(((Map<?, ?>) sg.get("Properties")).get("SecurityGroupIngress")).isNull();
            }
        });
    }

    // ---------------------------------------------------------------- instances

    @Test
    void autoScalingGroupUsesALaunchTemplateNotALaunchConfiguration() {
        t.resourceCountIs("AWS::AutoScaling::LaunchConfiguration", 0);
        t.resourceCountIs("AWS::EC2::LaunchTemplate", 1);
        t.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", Map.of(
                "MinSize", "2", "MaxSize", "6",
                "HealthCheckType", "ELB",
                "LaunchTemplate", Map.of(
                        "LaunchTemplateId", Match.objectLike(Map.of("Ref", Match.stringLikeRegexp("LaunchTemplate.*"))),
                        "Version", Match.objectLike(Map.of("Fn::GetAtt", Match.arrayWith(List.of("LatestVersionNumber")))))));
        assertThat(result.app().getNode().tryGetContext(
                "@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig")).isEqualTo(true);
    }

    @Test
    void rollingUpdateWaitsForReadinessSignals() {
        t.hasResource("AWS::AutoScaling::AutoScalingGroup", Map.of(
                "CreationPolicy", Map.of("ResourceSignal", Map.of("Count", 2, "Timeout", "PT15M")),
                "UpdatePolicy", Match.objectLike(Map.of("AutoScalingRollingUpdate", Match.objectLike(Map.of(
                        "MaxBatchSize", 1, "MinInstancesInService", 2, "WaitOnResourceSignals", true))))));
    }

    @Test
    void launchTemplateRequiresImdsV2WithContainerHopAndEncryptedDisk() {
        t.hasResourceProperties("AWS::EC2::LaunchTemplate", Map.of("LaunchTemplateData", Match.objectLike(Map.of(
                "MetadataOptions", Map.of("HttpTokens", "required", "HttpPutResponseHopLimit", 2),
                "Monitoring", Map.of("Enabled", true),
                "BlockDeviceMappings", List.of(Match.objectLike(Map.of(
                        "Ebs", Match.objectLike(Map.of("Encrypted", true)))))))));
    }

    @Test
    void userDataInstallsDockerLogsInToEcrAndRunsTheImageWithTheServiceSettings() {
        String script = userData();
        assertThat(script).startsWith("#!/bin/bash\nset -euo pipefail\n");
        assertThat(script).contains("dnf install -y docker aws-cfn-bootstrap");
        assertThat(script).contains("systemctl enable --now docker");
        assertThat(script).contains("aws ecr get-login-password --region eu-west-1 | docker login --username AWS "
                + "--password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com");
        String run = script.lines().filter(l -> l.startsWith("docker run ")).findFirst().orElseThrow();
        assertThat(run).contains("--log-driver awslogs", "--log-opt awslogs-region=eu-west-1",
                "--log-opt awslogs-group=" + MetricRefs.PLACEHOLDER,
                "-e STORE=dynamodb", "-e DYNAMODB_TABLE=config-service", "-e AWS_REGION=eu-west-1",
                "-e HOST=0.0.0.0", "-e CLOUDWATCH_METRICS=true", "-e CREATE_TABLE=false", "-p 8080:8080");
        assertThat(run).endsWith(":abc1234");
        assertThat(script).contains("curl -fsS http://127.0.0.1:8080/health/ready");
        assertThat(script).containsPattern("cfn-signal --stack config-service-primary --resource AsgASG\\w+ "
                + "--region eu-west-1 --exit-code 0");
    }

    @Test
    void scalesOnCpuAndOnRequestsPerTarget() {
        t.hasResourceProperties("AWS::AutoScaling::ScalingPolicy", Map.of(
                "PolicyType", "TargetTrackingScaling",
                "TargetTrackingConfiguration", Match.objectLike(Map.of(
                        "PredefinedMetricSpecification", Map.of("PredefinedMetricType", "ASGAverageCPUUtilization"),
                        "TargetValue", 60))));
        t.hasResourceProperties("AWS::AutoScaling::ScalingPolicy", Map.of(
                "PolicyType", "TargetTrackingScaling",
                "TargetTrackingConfiguration", Match.objectLike(Map.of(
                        "PredefinedMetricSpecification", Match.objectLike(Map.of(
                                "PredefinedMetricType", "ALBRequestCountPerTarget",
                                "ResourceLabel", Match.anyValue())),
                        "TargetValue", 6000))));
    }

    // ---------------------------------------------------------------- IAM

    @Test
    @SuppressWarnings("unchecked")
    void instanceRoleHasOnlyTheCallsTheServiceMakes() {
        Map<String, Object> role = MetricRefs.resources(json, "AWS::IAM::Role").entrySet().stream()
                .filter(e -> e.getKey().startsWith("InstanceRole")).findFirst().orElseThrow().getValue();
        Map<String, Object> props = (Map<String, Object>) role.get("Properties");
        assertThat(props.get("ManagedPolicyArns")).as("no managed policies").isNull();
        List<Map<String, Object>> statements = new ArrayList<>();
        for (Map<String, Object> p : (List<Map<String, Object>>) props.get("Policies")) {
            statements.addAll((List<Map<String, Object>>) ((Map<String, Object>) p.get("PolicyDocument")).get("Statement"));
        }
        // The only other grant is CDK's for the readiness signal, on this stack alone.
        MetricRefs.resources(json, "AWS::IAM::Policy").values().forEach(p -> {
            Map<String, Object> pp = (Map<String, Object>) p.get("Properties");
            if (String.valueOf(pp.get("Roles")).contains("InstanceRole")) {
                assertThat(String.valueOf(((Map<String, Object>) pp.get("PolicyDocument")).get("Statement")))
                        .isEqualTo("[{Action=cloudformation:SignalResource, Effect=Allow, Resource={Ref=AWS::StackId}}]");
            }
        });

        Map<String, Object> table = statement(statements, "Table");
        assertThat((List<String>) table.get("Action")).containsExactlyInAnyOrder(
                "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:DescribeTable");
        String tableResources = String.valueOf(table.get("Resource"));
        assertThat(tableResources).contains("TableCD117FA1").doesNotContain("/index/");

        Map<String, Object> pull = statement(statements, "PullImage");
        assertThat((List<String>) pull.get("Action")).containsExactlyInAnyOrder(
                "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability");
        assertThat(String.valueOf(pull.get("Resource"))).contains(":repository/config-service").doesNotContain("*");

        Map<String, Object> login = statement(statements, "RegistryLogin");
        assertThat(login.get("Action")).isEqualTo("ecr:GetAuthorizationToken");
        assertThat(login.get("Resource")).isEqualTo("*");

        Map<String, Object> logs = statement(statements, "ShipLogs");
        assertThat((List<String>) logs.get("Action")).containsExactlyInAnyOrder("logs:CreateLogStream", "logs:PutLogEvents");
        assertThat(String.valueOf(logs.get("Resource"))).contains("AppLogs", ":log-stream:*");

        assertThat(statements).hasSize(4);
        String all = String.valueOf(statements);
        assertThat(all).doesNotContain("dynamodb:*", "ConditionCheckItem", "Scan", "ecr:*", "logs:*", "s3:");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> statement(List<Map<String, Object>> statements, String sid) {
        return statements.stream().filter(s -> sid.equals(s.get("Sid"))).findFirst()
                .orElseThrow(() -> new AssertionError("no statement " + sid + " in " + statements));
    }

    // ---------------------------------------------------------------- ECR, logs, table

    @Test
    void repositoryScansOnPushAndExpiresOldImages() {
        Template registry = result.registryTemplate();
        registry.resourceCountIs("AWS::ECR::Repository", 1);
        t.resourceCountIs("AWS::ECR::Repository", 0);
        assertThat(result.registry().getStackName()).isEqualTo("config-service-primary-registry");
        assertThat(result.stack().getDependencies()).contains(result.registry());
        registry.hasResource("AWS::ECR::Repository", Map.of("DeletionPolicy", "Retain"));
        registry.hasResourceProperties("AWS::ECR::Repository", Map.of(
                "RepositoryName", "config-service",
                "ImageScanningConfiguration", Map.of("ScanOnPush", true),
                "ImageTagMutability", "IMMUTABLE",
                "LifecyclePolicy", Map.of("LifecyclePolicyText", Match.serializedJson(Map.of("rules", List.of(
                        Match.objectLike(Map.of("rulePriority", 1, "selection", Match.objectLike(Map.of(
                                "tagStatus", "untagged", "countType", "sinceImagePushed")))),
                        Match.objectLike(Map.of("rulePriority", 2, "selection", Match.objectLike(Map.of(
                                "tagStatus", "any", "countType", "imageCountMoreThan", "countNumber", 50))))))))));
    }

    @Test
    void appLogGroupHasRetention() {
        t.hasResourceProperties("AWS::Logs::LogGroup", Map.of(
                "LogGroupName", "/config-service/app", "RetentionInDays", 30));
    }

    @Test
    void tableIsAGlobalTableWithReplicaPitrAndDeletionProtection() {
        t.resourceCountIs("AWS::DynamoDB::Table", 0);
        Map<String, Object> replicaSettings = Map.of(
                "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                "DeletionProtectionEnabled", true);
        t.hasResource("AWS::DynamoDB::GlobalTable", Map.of(
                "DeletionPolicy", "Retain",
                "Properties", Match.objectLike(Map.of(
                        "TableName", "config-service",
                        "BillingMode", "PAY_PER_REQUEST",
                        "KeySchema", List.of(
                                Map.of("AttributeName", "pk", "KeyType", "HASH"),
                                Map.of("AttributeName", "sk", "KeyType", "RANGE")),
                        "AttributeDefinitions", List.of(
                                Map.of("AttributeName", "pk", "AttributeType", "S"),
                                Map.of("AttributeName", "sk", "AttributeType", "S")),
                        "Replicas", Match.arrayWith(List.of(
                                Match.objectLike(new java.util.HashMap<>(Map.of("Region", "eu-central-1"))),
                                Match.objectLike(new java.util.HashMap<>(Map.of("Region", "eu-west-1")))))))));
        // Both replicas carry PITR and deletion protection.
        t.hasResourceProperties("AWS::DynamoDB::GlobalTable", Map.of("Replicas", List.of(
                Match.objectLike(withRegion(replicaSettings, "eu-central-1")),
                Match.objectLike(withRegion(replicaSettings, "eu-west-1")))));
        // Nothing beyond the pk/sk schema is asked of the table.
        t.hasResourceProperties("AWS::DynamoDB::GlobalTable", Match.not(Match.objectLike(Map.of(
                "GlobalSecondaryIndexes", Match.anyValue()))));
    }

    private static Map<String, Object> withRegion(Map<String, Object> m, String region) {
        Map<String, Object> out = new java.util.HashMap<>(m);
        out.put("Region", region);
        return out;
    }

    @Test
    void deployedImageTagIsRecordedForRollback() {
        t.hasResourceProperties("AWS::SSM::Parameter", Map.of(
                "Name", "/config-service/image-tag", "Type", "String", "Value", "abc1234"));
    }

    // ---------------------------------------------------------------- CloudFront

    @Test
    void configReadCacheKeysOnPathAndVersionWithShortTtls() {
        t.hasResourceProperties("AWS::CloudFront::CachePolicy", Map.of("CachePolicyConfig", Match.objectLike(Map.of(
                "MinTTL", 0, "DefaultTTL", 5, "MaxTTL", 60,
                "ParametersInCacheKeyAndForwardedToOrigin", Map.of(
                        "CookiesConfig", Map.of("CookieBehavior", "none"),
                        "HeadersConfig", Map.of("HeaderBehavior", "none"),
                        "QueryStringsConfig", Map.of("QueryStringBehavior", "whitelist", "QueryStrings", List.of("version")),
                        "EnableAcceptEncodingGzip", true,
                        "EnableAcceptEncodingBrotli", true)))));
    }

    @Test
    @SuppressWarnings("unchecked")
    void cloudFrontCachesOnlyConfigReadsAndPassesEverythingElseThrough() {
        String cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";   // managed CachingDisabled
        String allViewerExceptHost = "b689b0a8-53d0-40ab-baf2-68738e2966ac"; // managed AllViewerExceptHostHeader
        Map<String, Object> config = (Map<String, Object>) ((Map<String, Object>) MetricRefs
                .resources(json, "AWS::CloudFront::Distribution").values().iterator().next().get("Properties"))
                .get("DistributionConfig");

        Map<String, Object> def = (Map<String, Object>) config.get("DefaultCacheBehavior");
        assertThat(def.get("CachePolicyId")).isEqualTo(cachingDisabled);
        assertThat(def.get("OriginRequestPolicyId")).isEqualTo(allViewerExceptHost);
        assertThat((List<String>) def.get("AllowedMethods")).contains("POST", "PUT", "DELETE");

        Map<String, Map<String, Object>> byPath = new java.util.HashMap<>();
        ((List<Map<String, Object>>) config.get("CacheBehaviors")).forEach(b -> byPath.put((String) b.get("PathPattern"), b));
        assertThat(byPath).containsOnlyKeys("/config/*", "/health/*", "/metrics");

        Map<String, Object> reads = byPath.get("/config/*");
        assertThat(String.valueOf(reads.get("CachePolicyId"))).contains("ConfigReadCache");
        assertThat((List<String>) reads.get("CachedMethods")).containsExactlyInAnyOrder("GET", "HEAD");
        assertThat((List<String>) reads.get("AllowedMethods")).contains("GET", "HEAD", "PUT", "DELETE");
        assertThat(reads.get("OriginRequestPolicyId")).isEqualTo(allViewerExceptHost);
        assertThat(reads.get("ViewerProtocolPolicy")).isEqualTo("redirect-to-https");

        for (String probe : List.of("/health/*", "/metrics")) {
            assertThat(byPath.get(probe).get("CachePolicyId")).isEqualTo(cachingDisabled);
            assertThat(byPath.get(probe).get("OriginRequestPolicyId")).isEqualTo(allViewerExceptHost);
        }
        assertThat(config.get("Logging")).isNotNull();
        assertThat(String.valueOf(config.get("Origins"))).contains("http-only", "Alb");
    }

    // ---------------------------------------------------------------- monitoring

    @Test
    void alarmsCoverTheFailureModesAndNotifyTheTopic() {
        t.resourceCountIs("AWS::CloudWatch::Alarm", 9);
        List<String> names = new ArrayList<>();
        MetricRefs.resources(json, "AWS::CloudWatch::Alarm").values().forEach(a -> {
            Map<?, ?> p = (Map<?, ?>) a.get("Properties");
            names.add(String.valueOf(p.get("AlarmName")));
            assertThat(String.valueOf(p.get("AlarmActions"))).contains("AlarmTopic");
            assertThat(String.valueOf(p.get("OKActions"))).contains("AlarmTopic");
        });
        assertThat(names).containsExactlyInAnyOrder(
                "config-service-eu-west-1-Http5xxRate", "config-service-eu-west-1-Service5xxRate",
                "config-service-eu-west-1-LatencyP99", "config-service-eu-west-1-UnhealthyHosts",
                "config-service-eu-west-1-NoHealthyHosts", "config-service-eu-west-1-DynamoDbThrottling",
                "config-service-eu-west-1-StoreThrottles", "config-service-eu-west-1-ReplicationLatency",
                "config-service-eu-west-1-CpuHigh");
        // Labelled metrics render as a one-row Metrics array.
        t.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "config-service-eu-west-1-LatencyP99", "Threshold", 0.5,
                "Metrics", List.of(Match.objectLike(Map.of("MetricStat", Match.objectLike(Map.of(
                        "Stat", "p99",
                        "Metric", Match.objectLike(Map.of("MetricName", "TargetResponseTime",
                                "Namespace", "AWS/ApplicationELB")))))))));
        t.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "config-service-eu-west-1-ReplicationLatency",
                "Metrics", List.of(Match.objectLike(Map.of("MetricStat", Match.objectLike(Map.of(
                        "Metric", Map.of("MetricName", "ReplicationLatency", "Namespace", "AWS/DynamoDB",
                                "Dimensions", Match.arrayWith(List.of(
                                        Map.of("Name", "ReceivingRegion", "Value", "eu-central-1")))))))))));
        t.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "config-service-eu-west-1-CpuHigh", "Threshold", 80, "EvaluationPeriods", 3,
                "Metrics", List.of(Match.objectLike(Map.of("MetricStat", Match.objectLike(Map.of(
                        "Metric", Match.objectLike(Map.of("MetricName", "CPUUtilization", "Namespace", "AWS/EC2")))))))));
        t.hasResourceProperties("AWS::SNS::Topic", Map.of("KmsMasterKeyId", Match.anyValue()));
        t.hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "email", "Endpoint", "oncall@example.com"));
        t.hasResourceProperties("AWS::KMS::Key", Map.of("EnableKeyRotation", true));
    }

    @Test
    void dashboardShowsTheAgreedPanels() {
        List<MetricRefs.MetricRef> refs = MetricRefs.fromDashboards(json);
        Set<String> seen = new TreeSet<>();
        refs.forEach(r -> seen.add(r.namespace() + "/" + r.name()));
        assertThat(seen).contains(
                "AWS/ApplicationELB/RequestCount", "AWS/ApplicationELB/TargetResponseTime",
                "AWS/ApplicationELB/HTTPCode_Target_4XX_Count", "AWS/ApplicationELB/HTTPCode_Target_5XX_Count",
                "AWS/ApplicationELB/HealthyHostCount", "AWS/ApplicationELB/UnHealthyHostCount",
                "AWS/EC2/CPUUtilization",
                "AWS/DynamoDB/ConsumedReadCapacityUnits", "AWS/DynamoDB/ConsumedWriteCapacityUnits",
                "AWS/DynamoDB/ReplicationLatency",
                "ConfigService/CacheHits", "ConfigService/CacheMisses", "ConfigService/StoreLatencyP99",
                "ConfigService/StoreThrottles", "ConfigService/LatencyP50", "ConfigService/LatencyP99");
        String body = MetricRefs.resolveToString(((Map<?, ?>) MetricRefs.resources(json, "AWS::CloudWatch::Dashboard")
                .values().iterator().next().get("Properties")).get("DashboardBody"));
        assertThat(body).contains("hits / (hits + misses)", "Cache hit ratio");
    }

    @Test
    void outputsWhatThePipelineScriptsRead() {
        t.hasOutput("ServiceUrl", Map.of());
        t.hasOutput("AsgName", Map.of());
        t.hasOutput("LaunchTemplateId", Map.of());
        t.hasOutput("RepositoryUri", Map.of());
    }

    @Test
    void synthNeedsNoAwsLookups() {
        // A context lookup (AZs, VPC, hosted zone...) would make `cdk synth` call AWS; the manifest lists them.
        var missing = result.app().synth().getManifest().getMissing();
        assertThat(missing == null ? List.<String>of() : missing.stream().map(m -> m.getKey()).toList()).isEmpty();
    }

    @Test
    void noUnsuppressedCdkNagErrorsOrWarnings() {
        for (software.amazon.awscdk.Stack stack : List.of(result.stack(), result.registry())) {
            Annotations a = Annotations.fromStack(stack);
            a.hasNoError("*", Match.anyValue());
            a.hasNoWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        }
    }

    @SuppressWarnings("unchecked")
    private String userData() {
        Map<String, Object> lt = MetricRefs.resources(json, "AWS::EC2::LaunchTemplate").values().iterator().next();
        Map<String, Object> data = (Map<String, Object>) ((Map<String, Object>) lt.get("Properties")).get("LaunchTemplateData");
        Object b64 = ((Map<String, Object>) data.get("UserData")).get("Fn::Base64");
        return MetricRefs.resolveToString(b64);
    }
}
