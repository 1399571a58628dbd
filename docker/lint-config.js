// Checks docker/compose.yaml and the monitoring/ YAML without running them (no registry here to pull the
// images): YAML syntax, every bind-mounted file exists, ports bind 127.0.0.1 only, the service runs on the
// emulator, and the names that tie the stack together agree (scrape target, datasource URL and uid,
// dashboard folder). Run by lint.sh with NODE_PATH pointing at its js-yaml.
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

const dockerDir = __dirname;
const repo = path.dirname(dockerDir);
const problems = [];
const load = (file) => {
  try {
    return yaml.load(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`${path.relative(repo, file)}: ${e.message.split('\n')[0]}`);
    return {};
  }
};

const compose = load(path.join(dockerDir, 'compose.yaml'));
const services = compose.services || {};
for (const name of ['dynamodb', 'config-service', 'prometheus', 'grafana']) {
  if (!services[name]) problems.push(`compose.yaml: no service ${name}`);
}
const mounts = {}; // container path -> host path, per service
for (const [name, svc] of Object.entries(services)) {
  for (const p of svc.ports || []) {
    if (!String(p).startsWith('127.0.0.1:')) problems.push(`compose.yaml: ${name} publishes ${p} beyond 127.0.0.1`);
  }
  if (!svc.image || (!svc.build && !/:[\w.-]+$/.test(svc.image))) problems.push(`compose.yaml: ${name} image not pinned to a tag`);
  if (/^amazon\/dynamodb-local/.test(svc.image || '')) problems.push(`compose.yaml: ${name} uses amazon/dynamodb-local`);
  mounts[name] = {};
  for (const v of svc.volumes || []) {
    const [src, dst] = String(v).split(':');
    if (src.startsWith('.') || src.startsWith('/')) {
      const host = path.resolve(dockerDir, src);
      if (!fs.existsSync(host)) problems.push(`compose.yaml: ${name} mounts ${src}, which does not exist`);
      mounts[name][dst] = host;
    }
  }
}
const app = services['config-service'] || {};
const env = app.environment || {};
const build = app.build || {};
if (!fs.existsSync(path.resolve(dockerDir, build.context || '.', build.dockerfile || 'Dockerfile'))) {
  problems.push('compose.yaml: config-service build.context + dockerfile is not docker/Dockerfile');
}
for (const [k, v] of Object.entries({ STORE: 'dynamodb', CREATE_TABLE: 'true' })) {
  if (String(env[k]) !== v) problems.push(`compose.yaml: config-service ${k} must be ${v}`);
}
for (const k of ['DYNAMODB_ENDPOINT', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
  if (!env[k]) problems.push(`compose.yaml: config-service has no ${k}`);
}
const endpoint = /^https?:\/\/([\w-]+):(\d+)/.exec(env.DYNAMODB_ENDPOINT || '');
if (!endpoint || !services[endpoint[1]]) problems.push(`compose.yaml: DYNAMODB_ENDPOINT ${env.DYNAMODB_ENDPOINT} names no service`);
else if (!(services[endpoint[1]].command || []).includes(endpoint[2])) problems.push(`compose.yaml: the emulator does not listen on ${endpoint[2]}`);

// Prometheus scrapes the service by its compose name on the container port.
const promFile = (mounts.prometheus || {})['/etc/prometheus/prometheus.yml'];
const prom = promFile ? load(promFile) : {};
if (!promFile) problems.push('compose.yaml: prometheus does not mount monitoring/prometheus/prometheus.yml');
const targets = (prom.scrape_configs || []).flatMap((s) => (s.static_configs || []).flatMap((c) => c.targets || []));
if (!targets.includes('config-service:8080')) problems.push(`prometheus.yml: targets ${targets} do not include config-service:8080`);
if ((prom.scrape_configs || []).some((s) => s.job_name === 'config-service' && (s.metrics_path || '/metrics') !== '/metrics')) {
  problems.push('prometheus.yml: metrics_path is not /metrics');
}

// Grafana: datasource URL reaches the prometheus service; the dashboard provider reads the mounted folder.
const g = mounts.grafana || {};
const dsDir = g['/etc/grafana/provisioning/datasources'];
const dbDir = g['/etc/grafana/provisioning/dashboards'];
const dashDir = g['/var/lib/grafana/dashboards'];
if (!dsDir || !dbDir || !dashDir) problems.push('compose.yaml: grafana must mount datasources, dashboards provisioning and the dashboards folder');
const ds = dsDir ? load(path.join(dsDir, 'prometheus.yaml')) : {};
const prometheusDs = (ds.datasources || []).find((d) => d.type === 'prometheus') || {};
if (prometheusDs.url !== 'http://prometheus:9090') problems.push(`datasources/prometheus.yaml: url ${prometheusDs.url} is not the prometheus service`);
const providers = dbDir ? (load(path.join(dbDir, 'dashboards.yaml')).providers || []) : [];
if (!providers.some((p) => (p.options || {}).path === '/var/lib/grafana/dashboards')) {
  problems.push('dashboards.yaml: no provider reads /var/lib/grafana/dashboards');
}
if (dashDir) {
  for (const f of fs.readdirSync(dashDir).filter((f) => f.endsWith('.json'))) {
    try {
      const d = JSON.parse(fs.readFileSync(path.join(dashDir, f), 'utf8'));
      const uids = new Set(JSON.stringify(d).match(/"uid":"[^"]*"/g) || []);
      if (d.uid) uids.delete(`"uid":"${d.uid}"`);
      for (const u of uids) {
        if (u !== `"uid":"${prometheusDs.uid}"`) problems.push(`${f}: datasource ${u} is not the provisioned uid ${prometheusDs.uid}`);
      }
    } catch (e) {
      problems.push(`${f}: ${e.message}`);
    }
  }
}

for (const p of problems) console.error(`lint: ${p}`);
process.exit(problems.length ? 1 : 0);
