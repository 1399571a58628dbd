package dev.configservice.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pulls every metric an alarm or the dashboard reads out of a synthesized template, the way CloudWatch will
 * see them: alarms by Namespace/MetricName/Dimensions (or their Metrics array for math alarms), the dashboard by
 * resolving its DashboardBody Fn::Join to JSON and reading each widget's metrics rows.
 */
final class MetricRefs {

    /** Stand-in for a CloudFormation reference inside the dashboard body; it only ever sits inside JSON strings. */
    static final String PLACEHOLDER = "__TOKEN__";

    record MetricRef(String source, String namespace, String name, Set<String> dimensionNames) {
    }

    private MetricRefs() {
    }

    @SuppressWarnings("unchecked")
    static List<MetricRef> fromAlarms(Map<String, Object> template) {
        List<MetricRef> refs = new ArrayList<>();
        resources(template, "AWS::CloudWatch::Alarm").forEach((id, res) -> {
            Map<String, Object> props = (Map<String, Object>) res.get("Properties");
            if (props.containsKey("MetricName")) {
                refs.add(new MetricRef("alarm " + id, (String) props.get("Namespace"), (String) props.get("MetricName"),
                        dimensionNames((List<Map<String, Object>>) props.get("Dimensions"))));
            }
            for (Map<String, Object> q : (List<Map<String, Object>>) props.getOrDefault("Metrics", List.of())) {
                Map<String, Object> stat = (Map<String, Object>) q.get("MetricStat");
                if (stat == null) {
                    continue; // an expression row; the metrics it uses are rows of their own
                }
                Map<String, Object> m = (Map<String, Object>) stat.get("Metric");
                refs.add(new MetricRef("alarm " + id + " (math " + q.get("Id") + ")", (String) m.get("Namespace"),
                        (String) m.get("MetricName"), dimensionNames((List<Map<String, Object>>) m.get("Dimensions"))));
            }
        });
        return refs;
    }

    @SuppressWarnings("unchecked")
    static List<MetricRef> fromDashboards(Map<String, Object> template) {
        List<MetricRef> refs = new ArrayList<>();
        resources(template, "AWS::CloudWatch::Dashboard").forEach((id, res) -> {
            Map<String, Object> props = (Map<String, Object>) res.get("Properties");
            Map<String, Object> body = parseJson(resolveToString(props.get("DashboardBody")));
            for (Map<String, Object> widget : (List<Map<String, Object>>) body.get("widgets")) {
                Map<String, Object> wp = (Map<String, Object>) widget.get("properties");
                List<List<Object>> rows = wp == null ? null : (List<List<Object>>) wp.get("metrics");
                if (rows == null) {
                    continue; // text widgets
                }
                List<Object> previous = List.of();
                for (List<Object> row : rows) {
                    List<Object> expanded = expandDots(row, previous);
                    previous = expanded;
                    if (expanded.isEmpty() || !(expanded.get(0) instanceof String)) {
                        continue; // [{expression: ...}]
                    }
                    List<String> parts = new ArrayList<>();
                    for (Object o : expanded) {
                        if (o instanceof String s) {
                            parts.add(s);
                        }
                    }
                    Set<String> dims = new LinkedHashSet<>();
                    for (int i = 2; i + 1 < parts.size(); i += 2) {
                        dims.add(parts.get(i));
                    }
                    refs.add(new MetricRef("dashboard " + id + " widget '" + wp.get("title") + "'", parts.get(0),
                            parts.get(1), dims));
                }
            }
        });
        return refs;
    }

    /** Dashboard rows may abbreviate a value repeated from the previous row as "." (CloudWatch's shorthand). */
    private static List<Object> expandDots(List<Object> row, List<Object> previous) {
        List<Object> out = new ArrayList<>(row);
        for (int i = 0; i < out.size(); i++) {
            if (".".equals(out.get(i)) && i < previous.size()) {
                out.set(i, previous.get(i));
            }
        }
        return out;
    }

    /** Concatenates an Fn::Join's literal parts, replacing references with a placeholder. */
    @SuppressWarnings("unchecked")
    static String resolveToString(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Map<?, ?> map && map.containsKey("Fn::Join")) {
            List<Object> join = (List<Object>) map.get("Fn::Join");
            String delimiter = (String) join.get(0);
            List<String> parts = new ArrayList<>();
            for (Object part : (List<Object>) join.get(1)) {
                parts.add(resolveToString(part));
            }
            return String.join(delimiter, parts);
        }
        return PLACEHOLDER;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> resources(Map<String, Object> template, String type) {
        Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
        ((Map<String, Map<String, Object>>) template.get("Resources")).forEach((id, res) -> {
            if (type.equals(res.get("Type"))) {
                out.put(id, res);
            }
        });
        return out;
    }

    private static Set<String> dimensionNames(List<Map<String, Object>> dims) {
        Set<String> names = new LinkedHashSet<>();
        if (dims != null) {
            dims.forEach(d -> names.add((String) d.get("Name")));
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseJson(String json) {
        try {
            return Synth.JSON.readValue(json, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard body is not JSON after resolving: " + json, e);
        }
    }
}
