"""Unit tests of check-dashboard.py: python3 -m unittest discover -s monitoring -p 'test_*.py'"""
import importlib.util
import json
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("check_dashboard", os.path.join(HERE, "check-dashboard.py"))
cd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cd)

EXPOSITION = """\
# HELP vertx_http_server_requests_total Number of processed requests
# TYPE vertx_http_server_requests_total counter
vertx_http_server_requests_total{code="200",method="GET",route="/config/*"} 3.0
# TYPE vertx_http_server_response_time_seconds histogram
vertx_http_server_response_time_seconds_bucket{code="200",method="GET",route="/config/*",le="0.001"} 2
vertx_http_server_response_time_seconds_bucket{code="200",method="GET",route="/config/*",le="+Inf"} 3
vertx_http_server_response_time_seconds_count{code="200",method="GET",route="/config/*"} 3
config_store_ready 1.0
config_cache_hits_total 5.0
"""
DATASOURCES = "datasources:\n  - name: Prometheus\n    uid: prometheus\n"


def dashboard(*exprs, uid="prometheus"):
    ds = {"type": "prometheus", "uid": uid}
    return {"uid": "d", "panels": [{"id": i + 1, "type": "timeseries", "title": f"p{i}", "datasource": ds,
                                    "gridPos": {"x": 0, "y": 0, "w": 8, "h": 8},
                                    "targets": [{"refId": "A", "expr": e, "datasource": ds}]}
                                   for i, e in enumerate(exprs)]}


class MetricNames(unittest.TestCase):
    def test_functions_keywords_labels_numbers_and_variables_are_not_metric_names(self):
        expr = ('histogram_quantile(0.99, sum by (le, route) (rate(vertx_http_server_response_time_seconds_bucket'
                '{instance=~"$instance", code=~"5.."}[$__rate_interval]))) / on(instance) group_left '
                'sum without (code) (config_cache_hits_total offset 5m) > 1e3 and up{job="x"}')
        self.assertEqual(cd.metrics_in(expr),
                         {"vertx_http_server_response_time_seconds_bucket", "config_cache_hits_total", "up"})
        self.assertEqual(cd.labels_in(expr), {"le", "route", "instance", "code", "job"})

    def test_label_values_query(self):
        self.assertEqual(cd.metrics_in("label_values(config_store_ready, instance)"), {"config_store_ready"})
        self.assertEqual(cd.metrics_in('label_values(config_store_ready{job="a"}, instance)'), {"config_store_ready"})

    def test_exposition_names_and_labels(self):
        series = cd.parse_exposition(EXPOSITION)
        self.assertIn("vertx_http_server_response_time_seconds_bucket", series)
        self.assertIn("le", series["vertx_http_server_response_time_seconds_bucket"])
        self.assertEqual(series["config_store_ready"], set())


class Check(unittest.TestCase):
    def test_matching_dashboard_passes(self):
        d = dashboard('sum by (route) (rate(vertx_http_server_requests_total{code=~"5.."}[5m]))',
                      "histogram_quantile(0.5, sum by (le) (rate(vertx_http_server_response_time_seconds_bucket[1m])))",
                      'sum(up{job="config-service"})')
        self.assertEqual(cd.check(d, EXPOSITION, DATASOURCES), [])

    def test_missing_metric_is_reported(self):
        problems = cd.check(dashboard("rate(config_cache_misses_total[1m])"), EXPOSITION, DATASOURCES)
        self.assertEqual(len(problems), 1)
        self.assertIn("config_cache_misses_total", problems[0])

    def test_missing_label_is_reported(self):
        problems = cd.check(dashboard("sum by (outcome) (rate(vertx_http_server_requests_total[1m]))"),
                            EXPOSITION, DATASOURCES)
        self.assertEqual(len(problems), 1)
        self.assertIn("'outcome'", problems[0])

    def test_unprovisioned_datasource_and_duplicate_ids_are_reported(self):
        d = dashboard("config_store_ready", "config_store_ready", uid="other")
        d["panels"][1]["id"] = 1
        problems = cd.check(d, EXPOSITION, DATASOURCES)
        self.assertTrue(any("not provisioned" in p for p in problems))
        self.assertTrue(any("duplicate panel ids" in p for p in problems))

    def test_shipped_dashboard_is_well_formed_and_queries_metrics(self):
        with open(cd.DEFAULT_DASHBOARD) as f:
            d = json.load(f)
        with open(cd.DEFAULT_DATASOURCES) as f:
            self.assertEqual(cd.structure_problems(d, f.read()), [])
        self.assertTrue(all(cd.metrics_in(e) for _, e in cd.dashboard_queries(d)))


if __name__ == "__main__":
    unittest.main()
