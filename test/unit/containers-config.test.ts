/**
 * What compose users and the containers provider are handed, checked without an engine:
 * compose.yaml, the Grafana provisioning and dashboard, the STACK setting, and the
 * workshop's lessons. Names are checked against the pipeline's own semconv, so a renamed
 * metric or span breaks this test instead of a workshop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { patternNames } from '../../assertions/scenario/config.ts';
import { TENANTS } from '../../assertions/scenario/run.ts';
import { ConfigError } from '../../stack/config.ts';
import { containerConfigEnv, imageTags } from '../../stack/containers.ts';
import { loadStackConfig } from '../../stack/config.ts';
import { stackKind, stackProvider } from '../../stack/select.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { Attr, Metrics, ResourceAttr, Spans } from '../../target-pipeline/semconv.ts';
import { lessonCommands, lessons } from '../helpers/workshop.ts';

const DOCKER = path.join(REPO_ROOT, 'docker');
const compose = YAML.parse(fs.readFileSync(path.join(DOCKER, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image: string; ports?: string[]; volumes?: string[]; network_mode?: string; environment?: Record<string, string> }>;
};
const datasources = YAML.parse(fs.readFileSync(path.join(DOCKER, 'grafana/provisioning/datasources/datasources.yaml'), 'utf8')) as {
  datasources: { uid: string; type: string; url: string; jsonData?: Record<string, string>; secureJsonData?: Record<string, string> }[];
};
const dashboardFiles = fs.readdirSync(path.join(DOCKER, 'grafana/dashboards')).filter((f) => f.endsWith('.json'));
type Target = { datasource: { uid: string }; expr?: string; query?: string };
type Panel = { title: string; targets: Target[] };
const panels: Panel[] = dashboardFiles.flatMap((f) => (JSON.parse(fs.readFileSync(path.join(DOCKER, 'grafana/dashboards', f), 'utf8')) as { panels: Panel[] }).panels);

/** Prometheus names of the pipeline's instruments (dots to underscores, as the exporter writes them). */
const PROM_METRICS = new Set(Object.values(Metrics).map((m) => m.replace(/\./g, '_')));

describe('compose.yaml', () => {
  it('should bring up Tempo, the Collector, the four services, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(
      ['tempo', 'otelcol', 'gateway', 'feature-extractor', 'inference', 'post-processor', 'prometheus', 'grafana']));
  });

  it('should use the images the harness builds, at the pinned versions', () => {
    const tags = imageTags();
    const resolve = (image: string) => image.replace(/\$\{[A-Z0-9_]+:-([^}]+)\}/g, '$1');
    expect(resolve(compose.services.tempo!.image)).toBe(tags.tempo);
    expect(resolve(compose.services.otelcol!.image)).toBe(tags.otelcol);
  });

  it('should publish every port on loopback only', () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(5);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('should mount the same Tempo and Collector configs as the stack providers, and only files that exist', () => {
    expect(compose.services.tempo!.volumes).toContain('./tempo/tempo.yaml:/etc/tempo/tempo.yaml:ro');
    expect(compose.services.otelcol!.volumes).toContain('./otelcol/config.yaml:/etc/otelcol/config.yaml:ro');
    for (const v of Object.values(compose.services).flatMap((s) => s.volumes ?? [])) {
      expect(fs.existsSync(path.resolve(DOCKER, v.split(':')[0]!)), v).toBe(true);
    }
  });

  it('should run each pipeline service as its own container in the gateway\'s network namespace', () => {
    for (const s of ['feature-extractor', 'inference', 'post-processor']) expect(compose.services[s]!.network_mode).toBe('service:gateway');
    expect(compose.services.gateway!.environment!.HARNESS_OTLP_HTTP_URL).toBe('http://otelcol:4318');
  });
});

describe('Grafana provisioning', () => {
  it('should give each Tempo tenant its own datasource, selected by X-Scope-OrgID', () => {
    const tempo = datasources.datasources.filter((d) => d.type === 'tempo');
    expect(tempo.map((d) => d.secureJsonData?.httpHeaderValue1).sort()).toEqual(Object.values(TENANTS).sort());
    for (const d of tempo) {
      expect(d.jsonData?.httpHeaderName1).toBe('X-Scope-OrgID');
      expect(d.url).toBe('http://tempo:3200');
    }
  });

  it('should point every panel query at a provisioned datasource', () => {
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    for (const p of panels) for (const t of p.targets) expect(uids.has(t.datasource.uid), `${p.title}: ${t.datasource.uid}`).toBe(true);
  });

  it('should have the panels the workshop uses', () => {
    const titles = panels.map((p) => p.title.toLowerCase());
    for (const want of ['latency breakdown by stage', 'cold start', 'token count against forward-pass time', 'batch efficiency', 'validation attempts over time']) {
      expect(titles.some((t) => t.includes(want)), want).toBe(true);
    }
    expect(panels.find((p) => /latency breakdown/i.test(p.title))!.targets[0]!.expr).toContain('by (stage)');
  });

  it('should query only metrics the pipeline exports', () => {
    const used = panels.flatMap((p) => p.targets.flatMap((t) => t.expr?.match(/\bml_[a-z_]+/g) ?? []));
    expect(used.length).toBeGreaterThan(5);
    // Label names come from span attributes recorded on the instruments (ml_batch_size) and
    // from resource attributes (ml_pipeline_name, which span metrics carry as a dimension).
    const labels = new Set([...Object.values(Attr), ...Object.values(ResourceAttr)].map((a) => a.replace(/\./g, '_')));
    for (const m of used) expect(PROM_METRICS.has(m.replace(/_(bucket|sum|count|total)$/, '')) || labels.has(m), m).toBe(true);
  });

  it('should query only span names and attributes of the span contract in TraceQL', () => {
    const queries = panels.flatMap((p) => p.targets.flatMap((t) => (t.query ? [t.query] : [])));
    expect(queries.length).toBeGreaterThan(3);
    const spanNames = new Set<string>(Object.values(Spans));
    const attrs = new Set<string>(Object.values(Attr));
    for (const q of queries) {
      for (const [, name] of q.matchAll(/name = "([^"]+)"/g)) expect(spanNames.has(name!), `${q}: span ${name}`).toBe(true);
      for (const [, attr] of q.matchAll(/span\.([a-z_.]+[a-z_])/g)) expect(attrs.has(attr!), `${q}: attribute ${attr}`).toBe(true);
    }
  });
});

describe('STACK setting', () => {
  it('should default to the local provider when STACK is unset', () => {
    expect(stackKind({})).toBe('local');
    expect(stackProvider({}).kind).toBe('local');
  });

  it('should pick the containers provider when STACK=containers', () => {
    expect(stackProvider({ STACK: 'containers' }).kind).toBe('containers');
  });

  it('should fail with the variable and the allowed values when STACK is unknown', () => {
    expect(() => stackKind({ STACK: 'docker' })).toThrow(ConfigError);
    expect(() => stackKind({ STACK: 'docker' })).toThrow(/STACK="docker": one of local, containers/);
  });

  it('should make the containers listen on every interface and keep the same ports', () => {
    const cfg = loadStackConfig({ HARNESS_PORT_OFFSET: '100', HARNESS_RUN_DIR: '/tmp/x' });
    const env = containerConfigEnv(cfg);
    expect(env).toMatchObject({ TEMPO_LISTEN_ADDR: '0.0.0.0', COLLECTOR_LISTEN_ADDR: '0.0.0.0', TEMPO_HTTP_PORT: '3300', TEMPO_OTLP_ENDPOINT: '127.0.0.1:4517' });
  });
});

describe('workshop', () => {
  it('should have one lesson per scenario pattern', () => {
    expect(lessons().map((l) => l.name).sort()).toEqual(patternNames().sort());
  });

  it('should give each lesson exactly one command, the scenario it teaches', () => {
    for (const l of lessonCommands()) expect(l.command).toBe(`make scenario-${l.name}`);
  });

  it('should give each lesson the symptom, the trace, the command, the waterfall and an exercise', () => {
    for (const l of lessons()) {
      for (const h of [/^## The symptom on the dashboard$/m, /^## The same .* traces?$/m, /^## Reproduce it$/m, /^## What to look for in the report/m, /^## Exercise/m]) {
        expect(l.text, `${l.file}: ${h}`).toMatch(h);
      }
    }
  });
});
