#!/usr/bin/env python3
"""Checks the Grafana dashboard against what the service really exposes.

Given a Prometheus text dump of the service's /metrics (a file, '-' for stdin, or an http:// URL), verifies
that every metric name used in the dashboard's PromQL (panel targets and template variable queries) is
present, and that every label the queries match on or group by exists on at least one metric of that query.
Also checks the dashboard's own shape: unique panel ids and every datasource uid provisioned.

  python3 monitoring/check-dashboard.py --metrics metrics.txt
  python3 monitoring/check-dashboard.py --metrics http://127.0.0.1:18090/metrics

Exit 0 when everything matches, 1 with one line per problem otherwise. Standard library only.
"""
import argparse
import json
import os
import re
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DASHBOARD = os.path.join(HERE, "grafana", "dashboards", "config-service.json")
DEFAULT_DATASOURCES = os.path.join(HERE, "grafana", "provisioning", "datasources", "prometheus.yaml")

# Series Prometheus itself attaches to every scrape; never in a /metrics dump.
SYNTHETIC_METRICS = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                     "scrape_samples_post_metric_relabeling", "scrape_series_added"}
# Labels Prometheus adds from the scrape target.
TARGET_LABELS = {"instance", "job", "service"}
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "offset", "inf", "nan", "atan2"}
NAME = r"[A-Za-z_:][A-Za-z0-9_:]*"


def _strip(expr):
    """The expression without strings, Grafana variables and range selectors."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    expr = re.sub(r"\$\{?\w+\}?", "", expr)
    return re.sub(r"\[[^\]]*\]", "", expr)


def labels_in(expr):
    """Label names used in matchers {l="v"} and in by/without/on/ignoring/group_x (...) clauses."""
    expr = _strip(expr)
    labels = set()
    for block in re.findall(r"\{([^}]*)\}", expr):
        labels.update(re.findall(r"(" + NAME + r")\s*(?:=~|!~|!=|=)", block))
    for group in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", expr):
        labels.update(x.strip() for x in group.split(",") if x.strip())
    return labels


def metrics_in(expr):
    """Metric names in a PromQL expression (or in a Grafana label_values(...) query)."""
    m = re.fullmatch(r"\s*label_values\(\s*(?:([^,]+),)?\s*(" + NAME + r")\s*\)\s*", expr)
    if m:
        return metrics_in(m.group(1)) if m.group(1) else set()
    expr = _strip(expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for m in re.finditer(r"(?<![\w.])(" + NAME + r")(\s*\()?", expr):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in KEYWORDS:
            continue  # a function or aggregation, or an operator keyword
        names.add(word)
    return names


def parse_exposition(text):
    """{sample or family name: set of label names seen on it} from Prometheus/OpenMetrics text."""
    series = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            m = re.match(r"#\s*(?:TYPE|HELP)\s+(" + NAME + r")", line)
            if m:
                series.setdefault(m.group(1), set())
            continue
        m = re.match(r"(" + NAME + r")(\{(.*)\})?\s", line)
        if not m:
            continue
        labels = set(re.findall(r"(" + NAME + r')\s*=\s*"', m.group(3) or ""))
        series.setdefault(m.group(1), set()).update(labels)
    return series


def dashboard_queries(dashboard):
    """(where, expression) for every panel target and templating query, nested rows included."""
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((f'panel {p.get("id")} "{p.get("title")}" {t.get("refId")}', t["expr"]))
            walk(p.get("panels", []))

    walk(dashboard.get("panels", []))
    for var in dashboard.get("templating", {}).get("list", []):
        q = var.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if var.get("type") == "query" and q:
            out.append((f'variable ${var.get("name")}', q))
    return out


def structure_problems(dashboard, datasources_yaml):
    problems = []
    uids = set(re.findall(r"^\s*uid:\s*['\"]?([\w-]+)", datasources_yaml, re.M))
    ids = []

    def walk(panels):
        for p in panels:
            ids.append(p.get("id"))
            ds = p.get("datasource")
            for d in [ds] + [t.get("datasource") for t in p.get("targets", [])]:
                if isinstance(d, dict) and d.get("uid") not in uids:
                    problems.append(f'panel {p.get("id")} "{p.get("title")}": datasource uid {d.get("uid")!r} is not provisioned ({sorted(uids)})')
            if p.get("type") != "row" and "gridPos" not in p:
                problems.append(f'panel {p.get("id")} "{p.get("title")}": no gridPos')
            walk(p.get("panels", []))

    walk(dashboard.get("panels", []))
    dupes = sorted({i for i in ids if ids.count(i) > 1}, key=str)
    if dupes:
        problems.append(f"duplicate panel ids: {dupes}")
    if not dashboard.get("uid"):
        problems.append("dashboard has no uid (provisioned dashboards need a stable one)")
    return problems


def check(dashboard, exposition, datasources_yaml=None):
    """All problems found; empty when the dashboard matches the exposition."""
    series = parse_exposition(exposition)
    problems = structure_problems(dashboard, datasources_yaml) if datasources_yaml is not None else []
    queries = dashboard_queries(dashboard)
    if not queries:
        problems.append("the dashboard has no queries")
    for where, expr in queries:
        names = metrics_in(expr)
        if not names:
            problems.append(f"{where}: no metric name found in {expr!r}")
        missing = sorted(n for n in names if n not in series and n not in SYNTHETIC_METRICS)
        for n in missing:
            problems.append(f"{where}: metric {n} is not in /metrics")
        present = [n for n in names if n in series]
        if missing or not present:
            continue
        have = set().union(*(series[n] for n in present))
        for label in sorted(labels_in(expr) - TARGET_LABELS - have):
            problems.append(f"{where}: label {label!r} is on none of {sorted(present)}")
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--metrics", required=True, help="/metrics dump: file, '-' for stdin, or http(s) URL")
    ap.add_argument("--dashboard", default=DEFAULT_DASHBOARD)
    ap.add_argument("--datasources", default=DEFAULT_DATASOURCES)
    args = ap.parse_args(argv)
    if args.metrics == "-":
        text = sys.stdin.read()
    elif re.match(r"https?://", args.metrics):
        with urllib.request.urlopen(args.metrics, timeout=10) as r:
            text = r.read().decode("utf-8")
    else:
        with open(args.metrics, encoding="utf-8") as f:
            text = f.read()
    with open(args.dashboard, encoding="utf-8") as f:
        dashboard = json.load(f)
    with open(args.datasources, encoding="utf-8") as f:
        datasources = f.read()
    problems = check(dashboard, text, datasources)
    for p in problems:
        print(f"check-dashboard: {p}", file=sys.stderr)
    n = len(dashboard_queries(dashboard))
    if problems:
        print(f"check-dashboard: {len(problems)} problem(s) in {n} queries", file=sys.stderr)
        return 1
    used = sorted(set().union(*(metrics_in(e) for _, e in dashboard_queries(dashboard))))
    print(f"check-dashboard: ok, {n} queries over {len(used)} metrics all present: {' '.join(used)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
