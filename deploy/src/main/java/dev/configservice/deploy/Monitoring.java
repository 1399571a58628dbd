package dev.configservice.deploy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmProps;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.DashboardProps;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.GraphWidgetProps;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.MathExpressionProps;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricProps;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TextWidgetProps;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroup;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * Dashboard and alarms. AWS-provided metrics (AWS/ApplicationELB, AWS/EC2, AWS/DynamoDB) where AWS measures the
 * thing; the service's own EMF metrics (namespace ConfigService, dimension Service) for what only the service
 * knows: cache hits, store latency and throttles as it sees them, shed requests. The service metric names come
 * from monitoring/cloudwatch-metrics.json; a test holds this class to that file.
 */
public final class Monitoring extends Construct {

    public static final String SERVICE_NAMESPACE = "ConfigService";
    public static final String SERVICE_DIMENSION = "Service";

    record Inputs(DeploySettings settings, ApplicationLoadBalancer alb, ApplicationTargetGroup targetGroup,
                  AutoScalingGroup asg, String tableName, ITopic topic, String region) {
    }

    private static final Duration MINUTE = Duration.minutes(1);
    private static final Duration FIVE_MINUTES = Duration.minutes(5);

    private final Inputs in;
    private final Dashboard dashboard;
    private final List<Alarm> alarms = new ArrayList<>();

    public Monitoring(Construct scope, String id, Inputs in) {
        super(scope, id);
        this.in = in;
        String name = in.settings().serviceName();
        String replica = in.settings().replicaRegion();

        // --- metrics ---
        Map<String, String> albDims = Map.of("LoadBalancer", in.alb().getLoadBalancerFullName());
        Map<String, String> tgDims = Map.of("LoadBalancer", in.alb().getLoadBalancerFullName(),
                "TargetGroup", in.targetGroup().getTargetGroupFullName());
        Map<String, String> tableDims = Map.of("TableName", in.tableName());

        Metric albRequests = metric("AWS/ApplicationELB", "RequestCount", "Sum", MINUTE, albDims, "ALB requests");
        Metric albP50 = metric("AWS/ApplicationELB", "TargetResponseTime", "p50", MINUTE, albDims, "ALB p50 (s)");
        Metric albP99 = metric("AWS/ApplicationELB", "TargetResponseTime", "p99", MINUTE, albDims, "ALB p99 (s)");
        Metric target4xx = metric("AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", "Sum", MINUTE, albDims, "target 4xx");
        Metric target5xx = metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", MINUTE, albDims, "target 5xx");
        Metric elb5xx = metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", MINUTE, albDims, "ALB 5xx");
        Metric healthy = metric("AWS/ApplicationELB", "HealthyHostCount", "Minimum", MINUTE, tgDims, "healthy hosts");
        Metric unhealthy = metric("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", MINUTE, tgDims, "unhealthy hosts");

        Map<String, String> asgDims = Map.of("AutoScalingGroupName", in.asg().getAutoScalingGroupName());
        Metric cpuAvg = metric("AWS/EC2", "CPUUtilization", "Average", FIVE_MINUTES, asgDims, "CPU average");
        Metric cpuMax = metric("AWS/EC2", "CPUUtilization", "Maximum", FIVE_MINUTES, asgDims, "CPU max");

        Metric readUnits = metric("AWS/DynamoDB", "ConsumedReadCapacityUnits", "Sum", MINUTE, tableDims, "read units");
        Metric writeUnits = metric("AWS/DynamoDB", "ConsumedWriteCapacityUnits", "Sum", MINUTE, tableDims, "write units");
        Metric readThrottles = metric("AWS/DynamoDB", "ReadThrottleEvents", "Sum", MINUTE, tableDims, "read throttles");
        Metric writeThrottles = metric("AWS/DynamoDB", "WriteThrottleEvents", "Sum", MINUTE, tableDims, "write throttles");
        Metric replication = replica == null ? null : metric("AWS/DynamoDB", "ReplicationLatency", "Average", MINUTE,
                Map.of("TableName", in.tableName(), "ReceivingRegion", replica), "replication latency to " + replica + " (ms)");

        Metric svcRequests = service("RequestCount", "Sum", MINUTE, "service requests");
        Metric svc4xx = service("Http4xxCount", "Sum", MINUTE, "service 4xx");
        Metric svc5xx = service("Http5xxCount", "Sum", MINUTE, "service 5xx");
        Metric svcShed = service("ShedCount", "Sum", MINUTE, "shed (503)");
        // Per-instance percentiles cannot be merged; the worst instance is the honest aggregate.
        Metric svcP50 = service("LatencyP50", "Maximum", MINUTE, "service p50 (ms, worst instance)");
        Metric svcP99 = service("LatencyP99", "Maximum", MINUTE, "service p99 (ms, worst instance)");
        Metric cacheHits = service("CacheHits", "Sum", MINUTE, "cache hits");
        Metric cacheMisses = service("CacheMisses", "Sum", MINUTE, "cache misses");
        Metric cacheEntries = service("CacheEntries", "Maximum", MINUTE, "cache entries");
        Metric cacheStale = service("CacheStaleAnswers", "Sum", MINUTE, "stale answers (store failing)");
        Metric storeCalls = service("StoreCalls", "Sum", MINUTE, "store calls");
        Metric storeErrors = service("StoreErrors", "Sum", MINUTE, "store errors");
        Metric storeThrottles = service("StoreThrottles", "Sum", MINUTE, "store throttles");
        Metric storeP99 = service("StoreLatencyP99", "Maximum", MINUTE, "store p99 (ms, worst instance)");

        MathExpression cacheHitRatio = new MathExpression(MathExpressionProps.builder()
                .expression("IF(hits + misses > 0, 100 * hits / (hits + misses), 100)")
                .usingMetrics(Map.of("hits", cacheHits, "misses", cacheMisses))
                .label("cache hit ratio (%)")
                .period(MINUTE)
                .build());

        // --- dashboard ---
        dashboard = new Dashboard(this, "Dashboard", DashboardProps.builder()
                .dashboardName(name + "-" + in.region())
                .defaultInterval(Duration.hours(3))
                .build());
        dashboard.addWidgets(new TextWidget(TextWidgetProps.builder()
                .markdown("# " + name + " (" + in.settings().role().name().toLowerCase(java.util.Locale.ROOT)
                        + ")\nALB/EC2/DynamoDB metrics from AWS; cache and store metrics from the service (EMF, namespace "
                        + SERVICE_NAMESPACE + ").")
                .width(24).height(2).build()));
        dashboard.addWidgets(
                graph("Request rate (per minute)", List.of(albRequests, svcRequests), List.of()),
                graph("Latency p50 / p99", List.of(svcP50, svcP99), List.of(albP50, albP99)),
                graph("4xx / 5xx", List.of(target4xx, target5xx, elb5xx), List.of(svc4xx, svc5xx, svcShed)));
        dashboard.addWidgets(
                graph("Cache hit ratio (%)", List.of(cacheHitRatio), List.of(cacheEntries)),
                graph("Store latency, throttles and stale answers", List.of(storeP99),
                        List.of(storeThrottles, storeErrors, storeCalls, cacheStale)),
                graph("CPU (%)", List.of(cpuAvg, cpuMax), List.of()));
        List<IMetric> replicationMetrics = replication == null ? List.of() : List.of(replication);
        dashboard.addWidgets(
                graph("Healthy hosts", List.of(healthy, unhealthy), List.of()),
                graph("DynamoDB consumed capacity and throttles", List.of(readUnits, writeUnits),
                        List.of(readThrottles, writeThrottles)),
                graph("DynamoDB replication latency (ms)", replicationMetrics, List.of()));

        // --- alarms ---
        MathExpression albErrorRate = new MathExpression(MathExpressionProps.builder()
                .expression("IF(requests > 0, 100 * (t5xx + e5xx) / requests, 0)")
                .usingMetrics(Map.of("requests", albRequests, "t5xx", target5xx, "e5xx", elb5xx))
                .label("ALB 5xx rate (%)")
                .period(MINUTE)
                .build());
        alarm("Http5xxRate", name + " 5xx responses above 1% of requests at the load balancer (5 of 5 minutes, 3 breaching)",
                albErrorRate, 1, ComparisonOperator.GREATER_THAN_THRESHOLD, 5, 3);

        MathExpression serviceErrorRate = new MathExpression(MathExpressionProps.builder()
                .expression("IF(requests > 0, 100 * errors / requests, 0)")
                .usingMetrics(Map.of("requests", svcRequests, "errors", svc5xx))
                .label("service 5xx rate (%)")
                .period(MINUTE)
                .build());
        alarm("Service5xxRate", name + " answers 5xx (shed included) on more than 1% of requests as the service counts them",
                serviceErrorRate, 1, ComparisonOperator.GREATER_THAN_THRESHOLD, 5, 3);

        alarm("LatencyP99", name + " p99 target response time above 500 ms for 5 minutes",
                albP99, 0.5, ComparisonOperator.GREATER_THAN_THRESHOLD, 5, 5);

        alarm("UnhealthyHosts", name + " has unhealthy targets for 3 minutes",
                unhealthy, 0, ComparisonOperator.GREATER_THAN_THRESHOLD, 3, 3);
        alarm("NoHealthyHosts", name + " has no healthy target: every request fails (fail over if it persists)",
                healthy, 1, ComparisonOperator.LESS_THAN_THRESHOLD, 2, 2);

        MathExpression tableThrottles = new MathExpression(MathExpressionProps.builder()
                .expression("reads + writes")
                .usingMetrics(Map.of("reads", readThrottles, "writes", writeThrottles))
                .label("DynamoDB throttle events")
                .period(MINUTE)
                .build());
        alarm("DynamoDbThrottling", name + " table throttled requests for 3 of 5 minutes",
                tableThrottles, 0, ComparisonOperator.GREATER_THAN_THRESHOLD, 5, 3);
        alarm("StoreThrottles", name + " store calls refused for throttling as the service sees them (incl. SDK-level)",
                storeThrottles, 0, ComparisonOperator.GREATER_THAN_THRESHOLD, 5, 3);

        if (replication != null) {
            alarm("ReplicationLatency", name + " global table replication to " + replica + " above 60 s for 5 minutes (RPO at risk)",
                    replication, 60_000, ComparisonOperator.GREATER_THAN_THRESHOLD, 5, 5);
        }

        alarm("CpuHigh", name + " average CPU above 80% for 15 minutes although scaling should hold it near 60%",
                cpuAvg, 80, ComparisonOperator.GREATER_THAN_THRESHOLD, 3, 3);
    }

    private Metric metric(String namespace, String metricName, String statistic, Duration period,
                          Map<String, String> dims, String label) {
        return new Metric(MetricProps.builder()
                .namespace(namespace)
                .metricName(metricName)
                .statistic(statistic)
                .period(period)
                .dimensionsMap(dims)
                .label(label)
                .build());
    }

    private Metric service(String metricName, String statistic, Duration period, String label) {
        return metric(SERVICE_NAMESPACE, metricName, statistic, period,
                Map.of(SERVICE_DIMENSION, in.settings().serviceName()), label);
    }

    private static GraphWidget graph(String title, List<IMetric> left, List<IMetric> right) {
        return new GraphWidget(GraphWidgetProps.builder()
                .title(title)
                .left(left)
                .right(right)
                .width(8)
                .height(6)
                .build());
    }

    private void alarm(String id, String description, IMetric metric, double threshold, ComparisonOperator op,
                       int evaluationPeriods, int datapointsToAlarm) {
        Alarm alarm = new Alarm(this, id, AlarmProps.builder()
                .alarmName(in.settings().serviceName() + "-" + in.region() + "-" + id)
                .alarmDescription(description)
                .metric(metric)
                .threshold(threshold)
                .comparisonOperator(op)
                .evaluationPeriods(evaluationPeriods)
                .datapointsToAlarm(datapointsToAlarm)
                // No traffic or no instances reporting is not a failure by itself; NoHealthyHosts covers outages.
                .treatMissingData(id.equals("NoHealthyHosts") ? TreatMissingData.BREACHING : TreatMissingData.NOT_BREACHING)
                .build());
        SnsAction action = new SnsAction(in.topic());
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
        alarms.add(alarm);
    }

    public Dashboard dashboard() {
        return dashboard;
    }

    public List<Alarm> alarms() {
        return Collections.unmodifiableList(alarms);
    }
}
