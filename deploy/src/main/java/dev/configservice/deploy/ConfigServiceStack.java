package dev.configservice.deploy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroupProps;
import software.amazon.awscdk.services.autoscaling.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.autoscaling.AdditionalHealthCheckType;
import software.amazon.awscdk.services.autoscaling.AdditionalHealthChecksOptions;
import software.amazon.awscdk.services.autoscaling.HealthChecks;
import software.amazon.awscdk.services.autoscaling.NotificationConfiguration;
import software.amazon.awscdk.services.autoscaling.RequestCountScalingProps;
import software.amazon.awscdk.services.autoscaling.RollingUpdateOptions;
import software.amazon.awscdk.services.autoscaling.ScalingEvents;
import software.amazon.awscdk.services.autoscaling.Signals;
import software.amazon.awscdk.services.autoscaling.SignalsOptions;
import software.amazon.awscdk.services.autoscaling.UpdatePolicy;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.Billing;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ReplicaTableProps;
import software.amazon.awscdk.services.dynamodb.TablePropsV2;
import software.amazon.awscdk.services.dynamodb.TableV2;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.LaunchTemplateProps;
import software.amazon.awscdk.services.ec2.MachineImage;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupProps;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcProps;
import software.amazon.awscdk.services.ecr.IRepository;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.elasticloadbalancingv2.AddApplicationTargetsProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancerRedirectConfig;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.BaseApplicationListenerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.ListenerCertificate;
import software.amazon.awscdk.services.elasticloadbalancingv2.SslPolicy;
import software.amazon.awscdk.services.iam.ArnPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.RoleProps;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.kms.KeyProps;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogGroupProps;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.BucketProps;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.TopicProps;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.amazon.awscdk.services.ssm.StringParameterProps;
import software.constructs.Construct;

/**
 * One region's deployment of the configuration service. Deployed as the primary (owns the DynamoDB global table,
 * normally fronted by CloudFront) or as the secondary (uses the table's replica in its own region), see
 * docs/disaster-recovery.md.
 */
public class ConfigServiceStack extends Stack {

    /** Port the container listens on (PORT env); the ALB targets it. */
    public static final int APP_PORT = 8080;
    public static final String HEALTH_PATH = "/health/ready";

    private final DeploySettings settings;
    private final Vpc vpc;
    private final Bucket logBucket;
    private final IRepository repository;
    private final LogGroup appLogGroup;
    private final String tableName;
    private final String tableArn;
    private final Role instanceRole;
    private final ApplicationLoadBalancer alb;
    private final SecurityGroup albSg;
    private final ApplicationTargetGroup targetGroup;
    private final AutoScalingGroup asg;
    private final LaunchTemplate launchTemplate;
    private final Topic alarmTopic;
    private final Edge edge;
    private final Monitoring monitoring;

    public ConfigServiceStack(Construct scope, String id, StackProps props, DeploySettings settings) {
        super(scope, id, props);
        this.settings = settings;

        // --- network: two AZs, public subnets for the ALB and NAT, private subnets for the instances ---
        LogGroup flowLogGroup = new LogGroup(this, "VpcFlowLogs", LogGroupProps.builder()
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build());
        vpc = new Vpc(this, "Vpc", VpcProps.builder()
                .availabilityZones(settings.availabilityZonesFor(getRegion()))
                .natGateways(settings.natGateways())
                .subnetConfiguration(List.of(
                        SubnetConfiguration.builder().name("public").subnetType(SubnetType.PUBLIC).cidrMask(24).build(),
                        SubnetConfiguration.builder().name("app").subnetType(SubnetType.PRIVATE_WITH_EGRESS).cidrMask(22).build()))
                // DynamoDB traffic stays on the AWS network and off the NAT bill.
                .gatewayEndpoints(Map.of("DynamoDb", GatewayVpcEndpointOptions.builder()
                        .service(GatewayVpcEndpointAwsService.DYNAMODB).build()))
                .flowLogs(Map.of("All", FlowLogOptions.builder()
                        .destination(FlowLogDestination.toCloudWatchLogs(flowLogGroup))
                        .trafficType(FlowLogTrafficType.ALL)
                        .build()))
                .build());

        // --- access logs for the ALB and CloudFront (CloudFront standard logging needs ACLs: BUCKET_OWNER_PREFERRED) ---
        logBucket = new Bucket(this, "AccessLogs", BucketProps.builder()
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_PREFERRED)
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .expiration(Duration.days(90)).build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build());

        // --- image registry: owned by the region's RegistryStack (deployed first), referenced by name ---
        repository = Repository.fromRepositoryName(this, "Repository", settings.serviceName());

        appLogGroup = new LogGroup(this, "AppLogs", LogGroupProps.builder()
                .logGroupName("/" + settings.serviceName() + "/app")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build());

        // --- data: the primary owns the global table; the secondary uses the replica in its own region ---
        tableName = settings.tableName();
        if (settings.role() == DeploySettings.Role.PRIMARY) {
            PointInTimeRecoverySpecification pitr = PointInTimeRecoverySpecification.builder()
                    .pointInTimeRecoveryEnabled(true).build();
            TableV2 table = new TableV2(this, "Table", TablePropsV2.builder()
                    .tableName(tableName)
                    .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
                    .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
                    .billing(Billing.onDemand())
                    .pointInTimeRecoverySpecification(pitr)
                    .deletionProtection(true)
                    .replicas(settings.replicaRegion() == null ? List.of()
                            : List.of(ReplicaTableProps.builder()
                                    .region(settings.replicaRegion())
                                    .pointInTimeRecoverySpecification(pitr)
                                    .deletionProtection(true)
                                    .build()))
                    .removalPolicy(RemovalPolicy.RETAIN)
                    .build());
            tableArn = table.getTableArn();
        } else {
            tableArn = formatArn(ArnComponents.builder()
                    .service("dynamodb").resource("table").resourceName(tableName).build());
        }

        // --- deployed image tag, readable by the pipeline before the next deploy (rollback target) ---
        new StringParameter(this, "ImageTagParameter", StringParameterProps.builder()
                .parameterName("/" + settings.serviceName() + "/image-tag")
                .description("image tag this stack currently runs; deploy.sh saves it as the rollback target")
                .stringValue(settings.imageTag())
                .build());

        // --- alarms and ASG notifications; encrypted with a key CloudWatch and Auto Scaling may use ---
        Key topicKey = new Key(this, "AlarmTopicKey", KeyProps.builder()
                .description("encrypts the " + settings.serviceName() + " alarm topic")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build());
        topicKey.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("AllowCloudWatchAlarms")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey*"))
                .resources(List.of("*"))
                .build());
        topicKey.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("AllowAutoScalingNotifications")
                .principals(List.of(new ArnPrincipal(formatArn(
                        ArnComponents.builder().service("iam").region("")
                                .resource("role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
                                .build()))))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey*"))
                .resources(List.of("*"))
                .build());
        alarmTopic = new Topic(this, "AlarmTopic", TopicProps.builder()
                .displayName(settings.serviceName() + " alarms")
                .enforceSsl(true)
                .masterKey(topicKey)
                .build());
        if (settings.alarmEmail() != null) {
            alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail()));
        }

        // --- instance role: exactly the calls the service and the bootstrap make ---
        instanceRole = new Role(this, "InstanceRole", RoleProps.builder()
                .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
                .description("config-service instances: table access, image pull, log shipping")
                .inlinePolicies(Map.of("service", PolicyDocument.Builder.create().statements(List.of(
                        PolicyStatement.Builder.create()
                                .sid("Table")
                                .effect(Effect.ALLOW)
                                .actions(List.of("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem",
                                        "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
                                        "dynamodb:DescribeTable"))
                                // exactly the calls DynamoDbConfigStore makes; the table has no index
                                .resources(List.of(tableArn))
                                .build(),
                        PolicyStatement.Builder.create()
                                .sid("PullImage")
                                .actions(List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                        "ecr:BatchCheckLayerAvailability"))
                                .resources(List.of(repository.getRepositoryArn()))
                                .build(),
                        // GetAuthorizationToken has no resource-level permissions: '*' is the only valid resource.
                        PolicyStatement.Builder.create()
                                .sid("RegistryLogin")
                                .actions(List.of("ecr:GetAuthorizationToken"))
                                .resources(List.of("*"))
                                .build(),
                        PolicyStatement.Builder.create()
                                .sid("ShipLogs")
                                .actions(List.of("logs:CreateLogStream", "logs:PutLogEvents"))
                                .resources(List.of(logGroupArn(false), logGroupArn(true)))
                                .build())).build()))
                .build());

        // --- load balancer ---
        albSg = new SecurityGroup(this, "AlbSecurityGroup", SecurityGroupProps.builder()
                .vpc(vpc)
                .description("internet-facing ALB for " + settings.serviceName())
                .allowAllOutbound(false)
                .build());
        alb = new ApplicationLoadBalancer(this, "Alb", ApplicationLoadBalancerProps.builder()
                .vpc(vpc)
                .internetFacing(true)
                .securityGroup(albSg)
                .dropInvalidHeaderFields(true)
                .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PUBLIC).build())
                .build());
        alb.logAccessLogs(logBucket, "alb");

        ApplicationListener listener;
        if (settings.https()) {
            listener = alb.addListener("Https", BaseApplicationListenerProps.builder()
                    .port(443)
                    .protocol(ApplicationProtocol.HTTPS)
                    .sslPolicy(SslPolicy.RECOMMENDED_TLS)
                    .certificates(List.of(ListenerCertificate.fromArn(settings.certificateArn())))
                    .open(true)
                    .build());
            alb.addRedirect(ApplicationLoadBalancerRedirectConfig.builder()
                    .sourcePort(80).sourceProtocol(ApplicationProtocol.HTTP)
                    .targetPort(443).targetProtocol(ApplicationProtocol.HTTPS)
                    .build());
        } else {
            listener = alb.addListener("Http", BaseApplicationListenerProps.builder()
                    .port(80)
                    .protocol(ApplicationProtocol.HTTP)
                    .open(true)
                    .build());
        }

        // --- instances ---
        SecurityGroup instanceSg = new SecurityGroup(this, "InstanceSecurityGroup", SecurityGroupProps.builder()
                .vpc(vpc)
                .description("config-service instances: app port from the ALB only")
                .allowAllOutbound(true)
                .build());
        UserData userData = UserData.forLinux();
        launchTemplate = new LaunchTemplate(this, "LaunchTemplate", LaunchTemplateProps.builder()
                .machineImage(MachineImage.latestAmazonLinux2023())
                .instanceType(new InstanceType(settings.instanceType()))
                .role(instanceRole)
                .securityGroup(instanceSg)
                .userData(userData)
                .requireImdsv2(true)
                // The container is one network hop further than the host; with the default limit of 1 the SDK
                // inside Docker could not fetch an IMDSv2 token, so no credentials.
                .httpPutResponseHopLimit(2)
                .detailedMonitoring(true)
                .blockDevices(List.of(BlockDevice.builder()
                        .deviceName("/dev/xvda")
                        .volume(BlockDeviceVolume.ebs(20, EbsDeviceOptions.builder()
                                .encrypted(true).volumeType(EbsDeviceVolumeType.GP3).deleteOnTermination(true).build()))
                        .build()))
                .build());

        asg = new AutoScalingGroup(this, "Asg", AutoScalingGroupProps.builder()
                .vpc(vpc)
                .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build())
                .launchTemplate(launchTemplate)
                .minCapacity(settings.minCapacity())
                .maxCapacity(settings.maxCapacity())
                .healthChecks(HealthChecks.withAdditionalChecks(AdditionalHealthChecksOptions.builder()
                        .additionalTypes(List.of(AdditionalHealthCheckType.ELB))
                        .gracePeriod(Duration.minutes(5))
                        .build()))
                // New instances signal CloudFormation only once /health/ready answers: a bad image fails the
                // update and CloudFormation rolls the group back to the previous launch template version.
                .signals(Signals.waitForMinCapacity(SignalsOptions.builder().timeout(Duration.minutes(15)).build()))
                .updatePolicy(UpdatePolicy.rollingUpdate(RollingUpdateOptions.builder()
                        .maxBatchSize(1)
                        .minInstancesInService(settings.minCapacity())
                        .pauseTime(Duration.minutes(15))
                        .build()))
                .notifications(List.of(NotificationConfiguration.builder()
                        .topic(alarmTopic).scalingEvents(ScalingEvents.ALL).build()))
                .build());

        targetGroup = listener.addTargets("App", AddApplicationTargetsProps.builder()
                .port(APP_PORT)
                .protocol(ApplicationProtocol.HTTP)
                .targets(List.of(asg))
                // Graceful SIGTERM drain in the service finishes well inside this.
                .deregistrationDelay(Duration.seconds(30))
                // A new instance's JVM is still compiling its hot paths for its first tens of seconds (POST on a
                // fresh start ran at a third to a half of its warm rate over the first 30 s, docs/performance.md);
                // the load balancer raises its share of requests over this time instead of all at once.
                .slowStart(Duration.seconds(30))
                .healthCheck(HealthCheck.builder()
                        .path(HEALTH_PATH)
                        .healthyHttpCodes("200")
                        .interval(Duration.seconds(15))
                        .timeout(Duration.seconds(5))
                        .healthyThresholdCount(2)
                        .unhealthyThresholdCount(3)
                        .build())
                .build());

        asg.scaleOnCpuUtilization("CpuTracking", CpuUtilizationScalingProps.builder()
                .targetUtilizationPercent(60)
                .build());
        asg.scaleOnRequestCount("RequestTracking", RequestCountScalingProps.builder()
                .targetRequestsPerMinute(6000)
                .build());

        String asgLogicalId = getLogicalId((CfnElement) asg.getNode().getDefaultChild());
        userData.addCommands(UserDataScript.lines(new UserDataScript.Inputs(
                getRegion(),
                getAccount(),
                getStackName(),
                asgLogicalId,
                repository.getRepositoryUri(),
                settings.imageTag(),
                appLogGroup.getLogGroupName(),
                tableName,
                settings.serviceName(),
                APP_PORT)).toArray(String[]::new));

        // --- edge, DNS failover, monitoring ---
        edge = settings.cloudFront() ? new Edge(this, "Edge", settings, alb, logBucket) : null;
        if (settings.failoverRecord()) {
            new Failover(this, "Failover", settings, alb);
        }
        monitoring = new Monitoring(this, "Monitoring", new Monitoring.Inputs(
                settings, alb, targetGroup, asg, tableName, alarmTopic, getRegion()));

        NagSuppressionsApplier.apply(this);

        new CfnOutput(this, "AlbDnsName", CfnOutputProps.builder()
                .value(alb.getLoadBalancerDnsName()).build());
        new CfnOutput(this, "ServiceUrl", CfnOutputProps.builder()
                .description("base URL the smoke check uses")
                .value(edge != null ? "https://" + edge.distribution().getDistributionDomainName()
                        : (settings.https() ? "https://" + settings.domainName() : "http://" + alb.getLoadBalancerDnsName()))
                .build());
        new CfnOutput(this, "AsgName", CfnOutputProps.builder()
                .value(asg.getAutoScalingGroupName()).build());
        new CfnOutput(this, "LaunchTemplateId", CfnOutputProps.builder()
                .value(launchTemplate.getLaunchTemplateId()).build());
        new CfnOutput(this, "RepositoryUri", CfnOutputProps.builder()
                .value(repository.getRepositoryUri()).build());
        new CfnOutput(this, "AlarmTopicArn", CfnOutputProps.builder()
                .value(alarmTopic.getTopicArn()).build());
    }

    private String logGroupArn(boolean streams) {
        return formatArn(ArnComponents.builder()
                .service("logs")
                .resource("log-group")
                .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                .resourceName(appLogGroup.getLogGroupName() + (streams ? ":log-stream:*" : ""))
                .build());
    }

    public DeploySettings settings() { return settings; }
    public Vpc vpc() { return vpc; }
    public Bucket logBucket() { return logBucket; }
    public IRepository repository() { return repository; }
    public LogGroup appLogGroup() { return appLogGroup; }
    public Role instanceRole() { return instanceRole; }
    public ApplicationLoadBalancer alb() { return alb; }
    public SecurityGroup albSecurityGroup() { return albSg; }
    public ApplicationTargetGroup targetGroup() { return targetGroup; }
    public AutoScalingGroup asg() { return asg; }
    public LaunchTemplate launchTemplate() { return launchTemplate; }
    public Topic alarmTopic() { return alarmTopic; }
    public Monitoring monitoring() { return monitoring; }
    public Optional<Edge> edge() { return Optional.ofNullable(edge); }
    public String tableArn() { return tableArn; }
}
