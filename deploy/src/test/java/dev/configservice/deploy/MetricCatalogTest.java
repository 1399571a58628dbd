package dev.configservice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmProps;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.GraphWidgetProps;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricProps;

/**
 * Every metric an alarm or the dashboard reads in the service's namespace must be one the service publishes,
 * with exactly the published dimensions: monitoring/cloudwatch-metrics.json is the single source of truth.
 * A typo or a renamed metric would otherwise give a silent, forever-empty graph or an alarm that never fires.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricCatalogTest {

    private String namespace;
    private Set<String> catalogNames;
    private Set<String> catalogDimensions;
    private Map<String, Object> template;

    @BeforeAll
    void load() throws IOException {
        // The deploy project sits next to monitoring/ in the repository.
        Path catalogPath = Synth.basedir().resolve("../monitoring/cloudwatch-metrics.json").normalize();
        JsonNode catalog = Synth.JSON.readTree(Files.readString(catalogPath));
        namespace = catalog.get("namespace").asText();
        catalogNames = new LinkedHashSet<>();
        catalog.get("metrics").forEach(m -> catalogNames.add(m.get("name").asText()));
        catalogDimensions = new LinkedHashSet<>();
        catalog.get("dimensions").forEach(d -> catalogDimensions.add(d.asText()));
        template = Synth.primary(Map.of()).template().toJSON();
    }

    @Test
    void catalogIsTheOneTheStackUses() {
        assertThat(namespace).isEqualTo(Monitoring.SERVICE_NAMESPACE);
        assertThat(catalogDimensions).containsExactly(Monitoring.SERVICE_DIMENSION);
        assertThat(catalogNames).hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void everyServiceMetricInAlarmsIsPublishedWithItsDimensions() {
        List<MetricRefs.MetricRef> refs = inNamespace(MetricRefs.fromAlarms(template));
        // Math alarm (service 5xx rate) and a plain one (store throttles) at least: the check is not vacuous.
        assertThat(refs).extracting(MetricRefs.MetricRef::name)
                .contains("Http5xxCount", "RequestCount", "StoreThrottles");
        assertThat(violations(refs)).isEmpty();
    }

    @Test
    void everyServiceMetricOnTheDashboardIsPublishedWithItsDimensions() {
        List<MetricRefs.MetricRef> refs = inNamespace(MetricRefs.fromDashboards(template));
        assertThat(violations(refs)).isEmpty();
        // And the other way round: nothing the service publishes is left off the dashboard.
        assertThat(refs.stream().map(MetricRefs.MetricRef::name).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(catalogNames);
    }

    @Test
    void checkerRejectsUnpublishedMetricsAndWrongDimensionsInAlarmsAndTheDashboard() {
        // Proves the checks above can fail: a stack with one bad alarm of each kind must be reported.
        Synth.Result r = Synth.primary(Map.of(), stack -> {
            new Alarm(stack, "BogusName", AlarmProps.builder()
                    .metric(serviceMetric("NotPublished", Map.of("Service", "x")))
                    .threshold(1).evaluationPeriods(1).build());
            new Alarm(stack, "BogusDimension", AlarmProps.builder()
                    .metric(serviceMetric("RequestCount", Map.of("Service", "x", "InstanceId", "i-1")))
                    .threshold(1).evaluationPeriods(1).build());
            stack.monitoring().dashboard().addWidgets(new GraphWidget(GraphWidgetProps.builder()
                    .title("bogus").left(List.of(serviceMetric("CacheHitz", Map.of("Service", "x")))).build()));
        });
        Map<String, Object> bad = r.template().toJSON();
        List<String> found = violations(inNamespace(MetricRefs.fromAlarms(bad)));
        assertThat(found).hasSize(2);
        assertThat(found).anySatisfy(v -> assertThat(v).contains("NotPublished"));
        assertThat(violations(inNamespace(MetricRefs.fromDashboards(bad))))
                .singleElement().asString().contains("CacheHitz", "widget 'bogus'");
        assertThat(found).anySatisfy(v -> assertThat(v).contains("InstanceId"));
    }

    @Test
    void dashboardBodyJoinIsResolvedWithPlaceholders() {
        Object join = Map.of("Fn::Join", List.of("", List.of("{\"a\":\"", Map.of("Ref", "X"), "\"}")));
        assertThat(MetricRefs.resolveToString(join)).isEqualTo("{\"a\":\"" + MetricRefs.PLACEHOLDER + "\"}");
    }

    private Metric serviceMetric(String name, Map<String, String> dims) {
        return new Metric(MetricProps.builder().namespace(namespace).metricName(name)
                .dimensionsMap(dims).period(Duration.minutes(1)).build());
    }

    private List<MetricRefs.MetricRef> inNamespace(List<MetricRefs.MetricRef> refs) {
        return refs.stream().filter(r -> namespace.equals(r.namespace())).toList();
    }

    private List<String> violations(List<MetricRefs.MetricRef> refs) {
        List<String> out = new ArrayList<>();
        for (MetricRefs.MetricRef r : refs) {
            if (!catalogNames.contains(r.name())) {
                out.add(r.source() + ": " + r.name() + " is not in cloudwatch-metrics.json");
            }
            if (!r.dimensionNames().equals(catalogDimensions)) {
                out.add(r.source() + ": " + r.name() + " has dimensions " + r.dimensionNames()
                        + ", published with " + catalogDimensions);
            }
        }
        return out;
    }
}
