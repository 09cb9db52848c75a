/**
 * Scale-out, measured: the pipeline's services send to two different front Collectors
 * (gateway and feature extractor to one, inference and post-processor to the other),
 * as services spread over hosts do. On the same traffic:
 *  - by trace id: the fronts' load-balancing exporter routes every span of a trace to
 *    the same one of two back Collectors, which tail-sample whole traces;
 *  - split: each front tail-samples what it sees, so each decides on half a trace.
 * For every faulted request of the ledger, the trace in each tenant is compared span by
 * span with tenant full: whole, partial (a fragment kept), or missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startCollector } from '../../stack/collector.ts';
import { freePort } from '../../stack/ports.ts';
import type { ManagedProcess } from '../../stack/process.ts';
import type { StackConfig } from '../../stack/config.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { waitFor } from '../../stack/wait.ts';
import type { PipelineServiceName } from '../../stack/pipeline.ts';
import { spansOf, sumSeries, TempoClient, type OtlpTrace, type TimeRange } from '../tempo/client.ts';
import { scrape, sumOf, type PromSample } from '../verdict/prom-text.ts';
import type { ScaleOutConfig } from './config.ts';
import { loadPolicyFile } from './lab/policy-file.ts';
import { runLoad, withTestbed } from '../scenario/testbed.ts';

const EXPERIMENTS = path.join(REPO_ROOT, 'docker/otelcol/experiments');
export const SAMPLER = 'tail_sampling/restated';
/**
 * The backs' policy set: the restated one, which keeps every trace its conditions select.
 * The question here is whether a topology stores traces whole, so the set must not drop
 * any faulted trace on its own; the bounded harness set's per-class budgets would (and
 * would spend each back's budget on half the traffic).
 */
export const SAMPLER_POLICIES = path.join(REPO_ROOT, 'docker/otelcol/policies/harness-restated.yaml');
export const TENANTS = { full: 'full', byTraceId: 'scaleout-by-trace-id', split: 'scaleout-split' } as const;
/** Which front each service sends to: the two halves of every trace part ways. */
export const FRONT_OF: Record<PipelineServiceName, 0 | 1> = { gateway: 0, 'feature-extractor': 0, inference: 1, 'post-processor': 1 };
const WAIT_MS = 90_000;

export interface Outcome { whole: number; partial: number; missing: number }
export interface ScaleOutResult {
  requests: number;
  faulted: number;
  /** Spans each front received: both must be busy for the split to mean anything. */
  spans_per_front: [number, number];
  /** Spans each back received from the load-balancing exporter. */
  spans_per_back: [number, number];
  /** Spans the backs received after their trace's decision, by what the decision cache said. */
  late_spans_at_backs: { sampled: number; not_sampled: number };
  by_trace_id: Outcome;
  split: Outcome;
  /** A faulted trace the split topology stored partly: span names in full vs kept. */
  split_example: { trace_id: string; faults: string[]; full: string[]; kept: string[] } | null;
}

/** A config of the experiment with the restated policy set in it. */
function renderConfig(template: string, runDir: string): string {
  const [set] = loadPolicyFile(SAMPLER_POLICIES);
  const doc = YAML.parse(fs.readFileSync(path.join(EXPERIMENTS, template), 'utf8'));
  doc.processors[SAMPLER] = set!.settings;
  const out = path.join(runDir, template);
  fs.writeFileSync(out, YAML.stringify(doc));
  return out;
}

interface Tier { procs: ManagedProcess[]; telemetry: string[] }

async function startTier(kind: 'front' | 'back', n: number, stackCfg: StackConfig, logDir: string, env: (i: number) => Record<string, string>): Promise<Tier & { ports: number[] }> {
  const host = stackCfg.host;
  const configFile = renderConfig(`scale-out-${kind}.yaml`, stackCfg.runDir);
  const tier: Tier & { ports: number[] } = { procs: [], telemetry: [], ports: [] };
  try {
    for (let i = 0; i < n; i++) {
      const [port, health, telemetry] = [await freePort(host), await freePort(host), await freePort(host)];
      tier.procs.push(await startCollector({
        name: `otelcol-${kind}-${'ab'[i]}`, configFile, logDir, readyTimeoutMs: stackCfg.readyTimeoutMs,
        healthUrl: `http://${host}:${health}/`,
        env: {
          SCALE_LISTEN_ADDR: host, SCALE_HEALTH_PORT: String(health), SCALE_TELEMETRY_PORT: String(telemetry),
          [kind === 'front' ? 'SCALE_OTLP_HTTP_PORT' : 'SCALE_OTLP_GRPC_PORT']: String(port),
          TEMPO_OTLP_ENDPOINT: `${host}:${stackCfg.ports.TEMPO_OTLP_GRPC_PORT}`,
          TAIL_DECISION_WAIT: stackCfg.decisionWait,
          ...env(i),
        },
      }));
      tier.ports.push(port);
      tier.telemetry.push(`http://${host}:${telemetry}/metrics`);
    }
  } catch (err) {
    for (const p of tier.procs) await p.stop();
    throw err;
  }
  return tier;
}

const undecided = (s: PromSample[]) =>
  sumOf(s, 'otelcol_processor_tail_sampling_new_trace_id_received') - sumOf(s, 'otelcol_processor_tail_sampling_global_count_traces_sampled');
const accepted = (s: PromSample[]) => sumOf(s, 'otelcol_receiver_accepted_spans');
const sent = (s: PromSample[], exporter: string) => sumOf(s, 'otelcol_exporter_sent_spans', { exporter });

async function spanCount(c: TempoClient, range: TimeRange): Promise<number> {
  return sumSeries(await c.metricsQuery('{ } | count_over_time()', range));
}

export async function runScaleOut(stackConfig: StackConfig, cfg: ScaleOutConfig, opts: {
  pipelineEnv?: Record<string, string>; entities: number; log?: (l: string) => void;
}): Promise<ScaleOutResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const fronts: Tier[] = [];
  const backs: Tier[] = [];
  const lifeStart = Math.floor(Date.now() / 1000) - 5;
  return withTestbed({
    stackConfig: { ...stackConfig, decisionWait: cfg.decision_wait }, pipelineEnv: opts.pipelineEnv, entities: opts.entities, log,
    beforePipeline: async (stack, logDir) => {
      const host = stack.config.host;
      log('[scale-out] starting two back Collectors (tail sampling) and two front Collectors (load balancing by trace id)');
      const back = await startTier('back', 2, stack.config, logDir, () => ({}));
      backs.push(back);
      const mainOtlp = stack.endpoints.otlpHttpUrl;
      const front = await startTier('front', 2, stack.config, logDir, () => ({
        SCALE_BACK_A: `${host}:${back.ports[0]}`, SCALE_BACK_B: `${host}:${back.ports[1]}`, SCALE_MAIN_OTLP_HTTP: mainOtlp,
      }));
      fronts.push(front);
      const serviceEnv = Object.fromEntries(Object.entries(FRONT_OF).map(([svc, i]) => [svc, { HARNESS_OTLP_HTTP_URL: `http://${host}:${front.ports[i]}` }]));
      return {
        serviceEnv,
        stop: async () => {
          for (const p of [...front.procs, ...back.procs]) await p.stop();
        },
      };
    },
  }, async (tb) => {
    for (const [fault, knobs] of Object.entries(cfg.faults)) await tb.admin.enable(fault, knobs);
    const cursor = await tb.admin.ledgerHead();
    log(`[scale-out] k6: ${cfg.rate}/s for ${cfg.duration_s} s with ${Object.keys(cfg.faults).join(', ')}`);
    await runLoad(tb, cfg, 'k6-scale-out');
    await tb.admin.reset();
    const entries = await tb.admin.ledgerAll(cursor);
    // Stopping the pipeline flushes every span it still holds: from here on the fronts
    // have received everything, and the waits below are exact.
    await tb.pipeline.stop();

    const full = new TempoClient(tb.stack.endpoints.tempoUrl, TENANTS.full);
    const byTrace = full.forTenant(TENANTS.byTraceId);
    const split = full.forTenant(TENANTS.split);
    const [front, back] = [fronts[0]!, backs[0]!];
    log(`[scale-out] waiting for every sampler to decide and Tempo to hold what each kept`);
    const counts = await waitFor(async () => {
      const fs_ = await Promise.all(front.telemetry.map(scrape));
      const bs = await Promise.all(back.telemetry.map(scrape));
      const all = [...fs_, ...bs];
      const u = all.reduce((a, s) => a + undecided(s), 0);
      if (u > 0) throw new Error(`${u} traces not decided yet`);
      const [fa, ba] = [fs_.reduce((a, s) => a + accepted(s), 0), bs.reduce((a, s) => a + accepted(s), 0)];
      if (ba < fa) throw new Error(`the backs received ${ba} of the ${fa} spans the fronts did`);
      const range = { start: lifeStart, end: Math.ceil(Date.now() / 1000) + 5 };
      const want = { full: fa, byTrace: bs.reduce((a, s) => a + sent(s, 'otlp_grpc/by-trace'), 0), split: fs_.reduce((a, s) => a + sent(s, 'otlp_grpc/split'), 0) };
      const held = { full: await spanCount(full, range), byTrace: await spanCount(byTrace, range), split: await spanCount(split, range) };
      for (const k of ['full', 'byTrace', 'split'] as const) {
        if (held[k] < want[k]) throw new Error(`Tempo holds ${held[k]} of ${want[k]} spans in the ${k} tenant`);
      }
      const late = (sampled: string) => bs.reduce((a, x) => a + sumOf(x, 'otelcol_processor_tail_sampling_early_releases_from_cache_decision', { sampled }), 0);
      return { perFront: fs_.map(accepted) as [number, number], perBack: bs.map(accepted) as [number, number], late: { sampled: late('true'), not_sampled: late('false') } };
    }, { what: 'the scale-out samplers to decide every trace and Tempo to hold every span they kept', timeoutMs: WAIT_MS });

    const faulted = entries.filter((e) => e.faults.length > 0);
    const outcome = (): Outcome => ({ whole: 0, partial: 0, missing: 0 });
    const result: ScaleOutResult = {
      requests: entries.length, faulted: faulted.length, spans_per_front: counts.perFront, spans_per_back: counts.perBack, late_spans_at_backs: counts.late,
      by_trace_id: outcome(), split: outcome(), split_example: null,
    };
    const ids = faulted.map((e) => e.trace_id);
    const [inFull, inByTrace, inSplit] = await Promise.all([full.tracesById(ids), byTrace.tracesById(ids), split.tracesById(ids)]);
    const names = (t: OtlpTrace | undefined) => (t ? spansOf(t).map((s) => s.name).sort() : []);
    const classify = (o: Outcome, n: number, of: number) => {
      if (n === 0) o.missing++;
      else if (n < of) o.partial++;
      else o.whole++;
    };
    for (const e of faulted) {
      const [f, t, s] = [names(inFull.get(e.trace_id)), names(inByTrace.get(e.trace_id)), names(inSplit.get(e.trace_id))];
      classify(result.by_trace_id, t.length, f.length);
      classify(result.split, s.length, f.length);
      if (!result.split_example && s.length > 0 && s.length < f.length) result.split_example = { trace_id: e.trace_id, faults: e.faults, full: f, kept: s };
    }
    return result;
  });
}
