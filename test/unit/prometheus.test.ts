/**
 * Prometheus's side of the stack without a server: the config template and its checks by
 * the real promtool, the compose copy kept equal to it, the alert table read from ALERTS
 * series, the seed queries' answers as lines, and the PromQL the dashboard and rules ship.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { comparedQuantity, dashboardExpressions, ruleExpressions } from '../../assertions/prometheus/expressions.ts';
import { describeVector } from '../../assertions/sampling/seed-queries.ts';
import { loadSamplingConfig } from '../../assertions/sampling/config.ts';
import { rampAlerts } from '../../assertions/sampling/ramp.ts';
import { rampClaims, rampMarkdown } from '../../assertions/sampling/ramp-report.ts';
import { alertsFrom, dashboardLines, phaseOf, whatTheDashboardSaid, type RunPhases } from '../../assertions/verdict/dashboard.ts';
import { PrometheusClient, PrometheusError } from '../../assertions/prometheus/client.ts';
import { HarnessError } from '../../assertions/scenario/errors.ts';
import { freePort } from '../../stack/ports.ts';
import { configEnv, loadStackConfig } from '../../stack/config.ts';
import { PROMETHEUS_DIR, PROMETHEUS_RULES, PROMETHEUS_TEMPLATE, preparePrometheusConfig, PrometheusConfigError, renderTemplate } from '../../stack/prometheus.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the Prometheus config template', () => {
  it('should replace every placeholder, and name the file and the variable when one has no value', () => {
    expect(renderTemplate('a ${env:X}:${env:Y}', { X: 'h', Y: '1' }, 'f.yml')).toBe('a h:1');
    expect(() => renderTemplate('${env:MISSING}', { X: 'h' }, 'docker/prometheus/prometheus.yml'))
      .toThrow(/docker\/prometheus\/prometheus\.yml: \$\{env:MISSING\} has no value/);
  });

  it('should render, with the stack\'s own ports, a config that the real promtool accepts with its rules', () => {
    const cfg = loadStackConfig({ HARNESS_RUN_DIR: path.join(tmp, 'ok'), HARNESS_PORT_OFFSET: '7' });
    const out = preparePrometheusConfig(cfg.runDir, configEnv(cfg, ''));
    const text = fs.readFileSync(out.configFile, 'utf8');
    expect(text).not.toContain('${env:');
    expect(text).toContain(`127.0.0.1:${8889 + 7}`);
    expect(fs.readFileSync(path.join(out.dir, 'rules.yml'), 'utf8')).toBe(fs.readFileSync(PROMETHEUS_RULES, 'utf8'));
  });

  it('should stop with promtool\'s own message and the file when a rule does not parse', () => {
    const cfg = loadStackConfig({ HARNESS_RUN_DIR: path.join(tmp, 'bad') });
    const rules = path.join(tmp, 'bad-rules.yml');
    fs.writeFileSync(rules, 'groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m]) > \n');
    let err: Error | undefined;
    try {
      preparePrometheusConfig(cfg.runDir, configEnv(cfg, ''), { rules });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(PrometheusConfigError);
    expect(err!.message).toContain('bad-rules.yml');
    expect(err!.message).toMatch(/promtool rejected/);
    expect(err!.message).toMatch(/parse error|unclosed|unexpected/i);
  });

  it('should keep docker compose\'s copy equal to the template, but for the scrape targets', () => {
    const strip = (doc: { scrape_configs: { static_configs?: unknown }[] }) => ({ ...doc, scrape_configs: doc.scrape_configs.map(({ static_configs: _t, ...rest }) => rest) });
    const harness = parse(fs.readFileSync(PROMETHEUS_TEMPLATE, 'utf8'));
    const compose = parse(fs.readFileSync(path.join(PROMETHEUS_DIR, 'compose.yml'), 'utf8'));
    expect(strip(compose)).toEqual(strip(harness));
  });

  it('should carry the seed\'s revalidation alert with the seed\'s expression', () => {
    const rules = parse(fs.readFileSync(PROMETHEUS_RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const seed = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'RevalidationRising')!;
    expect(seed.expr.replace(/\s+/g, ' ').trim()).toBe(
      'sum(rate(ml_post_processing_validation_attempts_sum[10m])) / sum(rate(ml_post_processing_validation_attempts_count[10m])) > 1.3');
  });
});

describe('the harness\'s revalidation rule', () => {
  it('should alert at the dose-response\'s early level, so that the two say the same', () => {
    const rules = parse(fs.readFileSync(PROMETHEUS_RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const early = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'RevalidationEarly')!;
    expect(Number(/>\s*([\d.]+)\s*$/.exec(early.expr)![1])).toBe(loadSamplingConfig().dose_response.early_level);
  });
});

describe('the ramp\'s alert table', () => {
  const steps = [
    { corruption_rate: 0.05, start: 1000, end: 1030, requests: 450, http_5xx: 0, outputs_corrupted: 20 },
    { corruption_rate: 0.2, start: 1031, end: 1061, requests: 450, http_5xx: 3, outputs_corrupted: 90 },
  ];
  const phases: RunPhases = { warmup_start: 940, fault_start: 1000, fault_end: 1061, read_at: 1080 };
  const firing = (alertname: string, ts: number[]) => ({ metric: { alertname, alertstate: 'firing' }, values: ts.map((t) => [t, '1'] as [number, string]) });

  it('should give each rule its lead time from the ramp\'s start, the step it fired in, and its false alarms before the ramp', () => {
    const seen = alertsFrom([firing('RevalidationEarly', [1012, 1014]), firing('HTTP5xxRatioHigh', [950, 1040])], phases);
    const a = rampAlerts([{ name: 'RevalidationRising', source: 'seed' }, { name: 'RevalidationEarly', source: 'harness' }, { name: 'HTTP5xxRatioHigh', source: 'classic' }], seen, { steps, ramp_start: 1000, calm_start: 940 });
    expect(a).toEqual([
      { alert: 'RevalidationRising', source: 'seed', calm_firing: 0, lead_s: null, at_corruption: null },
      { alert: 'RevalidationEarly', source: 'harness', calm_firing: 0, lead_s: 12, at_corruption: 0.05 },
      { alert: 'HTTP5xxRatioHigh', source: 'classic', calm_firing: 1, lead_s: 40, at_corruption: 0.2 },
    ]);
  });

  it('should fail its claims when the harness\'s rule raised a false alarm, or never fired', () => {
    const base = { calm_s: 60, step_s: 30, rate: 15, steps, calm_start: 940, ramp_start: 1000, ramp_end: 1061, calm_evaluations: 30, first_5xx_at_corruption: 0.2 };
    const ok = rampClaims({ ...base, alerts: [{ alert: 'RevalidationEarly', source: 'harness', calm_firing: 0, lead_s: 12, at_corruption: 0.05 }] });
    expect(ok.every((c) => c.holds)).toBe(true);
    const noisy = rampClaims({ ...base, alerts: [{ alert: 'RevalidationEarly', source: 'harness', calm_firing: 2, lead_s: 0, at_corruption: 0.05 }] });
    expect(noisy.filter((c) => !c.holds).map((c) => c.claim)).toEqual(['the harness\'s rules raised no false alarm in the no-fault phase']);
    const silent = rampClaims({ ...base, alerts: [{ alert: 'RevalidationEarly', source: 'harness', calm_firing: 0, lead_s: null, at_corruption: null }] });
    expect(silent.filter((c) => !c.holds).map((c) => c.claim)).toEqual(['the harness\'s rules fired during the ramp']);
    expect(rampMarkdown({ ...base, alerts: [] }, silent, true)).toContain('**FAILS**');
  });
});

describe('what the dashboard said', () => {
  const phases: RunPhases = { warmup_start: 100, fault_start: 110, fault_end: 140, read_at: 160 };
  const firing = (alertname: string, ts: number[], extra: Record<string, string> = {}) =>
    ({ metric: { __name__: 'ALERTS', alertname, alertstate: 'firing', severity: 'warning', ...extra }, values: ts.map((t) => [t, '1'] as [number, string]) });

  it('should place each evaluation in its phase', () => {
    expect([100, 109, 110, 140, 141].map((t) => phaseOf(t, phases))).toEqual(['warm-up', 'warm-up', 'fault', 'fault', 'after']);
  });

  it('should say when each alert series first fired, relative to the fault phase, and count its evaluations per phase', () => {
    const a = alertsFrom([firing('StageP95High', [124, 126, 150], { stage: 'inference' }), firing('HTTP5xxRatioHigh', [104, 112])], phases);
    expect(a.map((x) => [x.alert, x.first_firing_s, x.first_phase])).toEqual([['HTTP5xxRatioHigh', -6, 'warm-up'], ['StageP95High', 14, 'fault']]);
    expect(a[1]!.labels).toEqual({ stage: 'inference' });
    expect(a[1]!.firing_evaluations).toEqual({ 'warm-up': 0, fault: 2, after: 1 });
  });

  it('should list every rule in the table, those that never fired included', () => {
    const d = { prometheus_url: 'http://p', rules: ['RevalidationRising', 'StageP95High'], phases, alerts: alertsFrom([firing('StageP95High', [124], { stage: 'inference' })], phases), fired_in_fault_phase: ['StageP95High'], fired_in_warmup: [] };
    const text = dashboardLines(d, [{ fault: 'gpu-starvation', faulted: 200, matched: 198 }]).join('\n');
    expect(text).toMatch(/RevalidationRising\s+did not fire/);
    expect(text).toMatch(/StageP95High\{stage=inference\}\s+first fired at \+14 s \(fault\)/);
    expect(text).toContain('gpu-starvation detection query found 198 traces for 200 faulted requests');
  });
});

describe('a PromQL answer as a line', () => {
  it('should name the labels that tell the series apart, and say so when the result is empty', () => {
    expect(describeVector([])).toBe('empty result (no series)');
    expect(describeVector([
      { metric: { service_name: 'a', job: 'x' }, value: [1, '12.5'] },
      { metric: { service_name: 'b', job: 'x' }, value: [1, 'NaN'] },
    ])).toBe('service_name=a: 12.500; service_name=b: NaN');
    expect(describeVector([{ metric: {}, value: [1, '1.4'] }])).toBe('all: 1.400');
  });
});

describe('the PromQL the project ships', () => {
  const dashboard = path.join(PROMETHEUS_DIR, '../grafana/dashboards/ml-pipeline.json');

  it('should find every Prometheus panel of the dashboard, with Grafana\'s variables given values', () => {
    const exprs = dashboardExpressions(dashboard);
    expect(exprs.length).toBeGreaterThanOrEqual(12);
    for (const e of exprs) expect(e.expr, e.where).not.toContain('$__');
    // The seed's overview query is a panel, verbatim.
    expect(exprs.map((e) => e.expr)).toContain('topk(5, histogram_quantile(0.95, sum by (service_name, le) (rate(duration_ms_bucket{ml_pipeline_name="recommendation"}[5m]))))');
    expect(exprs.filter((e) => e.may_be_empty).map((e) => e.expr)).toEqual(['ALERTS{alertstate="firing"}']);
  });

  it('should check each alert by the quantity it compares, since a calm run fires none', () => {
    expect(comparedQuantity('sum(rate(a[1m])) / sum(rate(b[1m]))\n> 1.3\n')).toBe('sum(rate(a[1m])) / sum(rate(b[1m]))');
    expect(comparedQuantity('histogram_quantile(0.99, x) >= 800')).toBe('histogram_quantile(0.99, x)');
    expect(comparedQuantity('up')).toBe('up');
    const rules = ruleExpressions(PROMETHEUS_RULES);
    expect(rules.map((r) => r.where)).toEqual(['rules.yml: RevalidationRising', 'rules.yml: RevalidationEarly', 'rules.yml: HTTP5xxRatioHigh', 'rules.yml: PipelineP99OverBudget', 'rules.yml: StageP95High']);
    for (const r of rules) expect(r.expr, r.where).not.toMatch(/[<>]=?\s*[\d.]+\s*$/);
  });
});

describe('an unreachable or refusing Prometheus', () => {
  it('should be a harness failure naming the URL, never an empty answer', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const err = await whatTheDashboardSaid(url, { warmup_start: 1, fault_start: 2, fault_end: 3 }, 1_000).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as Error).message).toContain(`Prometheus is not reachable at ${url}`);
  });

  it('should quote the query Prometheus rejected, with its error', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const err = await new PrometheusClient(url).query('sum(rate(x[5m])').catch((e: Error) => e);
    server.close();
    expect((err as Error).message).toBe(`Prometheus /api/v1/query at ${url} answered 400 for "sum(rate(x[5m])": bad_data invalid parameter "query": 1:5: parse error`);
  });
});
