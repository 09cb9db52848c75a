/**
 * What happens to a span that reaches the tail sampler after its trace was decided?
 *
 * Two samplers that differ only in the decision cache receive the same spans from one
 * extra Collector (docker/otelcol/experiments/late-spans.yaml), each into its own Tempo
 * tenant. A trace is kept (its root is an error), then one late span arrives while the
 * decided trace is still in the sampler's memory, and another after a few filler traces
 * pushed it out (num_traces is tiny, as a busy sampler's memory is small against its
 * traffic). Without a decision cache the second late span starts a new one-span "trace",
 * which no policy keeps: the stored trace is split. With the cache it follows the decision.
 *
 * Every trace id is chosen so the 3% probabilistic policy does not keep it (its hash is
 * reproduced in probabilistic.ts), so only the decision, or its absence, explains the outcome.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startCollector } from '../../stack/collector.ts';
import { freePort } from '../../stack/ports.ts';
import type { ManagedProcess } from '../../stack/process.ts';
import type { RunningStack } from '../../stack/provider.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { waitFor } from '../../stack/wait.ts';
import { spansOf, TempoClient } from '../tempo/client.ts';
import { newSpanId, pushSpans, type HandSpan } from '../tempo/otlp-push.ts';
import { decidedBy } from '../verdict/collector-metrics.ts';
import { scrape, sumOf } from '../verdict/prom-text.ts';
import { probabilisticKeeps } from './probabilistic.ts';

export const LATE_SPANS_CONFIG = path.join(REPO_ROOT, 'docker/otelcol/experiments/late-spans.yaml');
export const VARIANTS = ['no-cache', 'cache'] as const;
export type Variant = (typeof VARIANTS)[number];
const TENANT: Record<Variant, string> = { 'no-cache': 'late-no-cache', cache: 'late-cache' };
/** The probabilistic percentage of the experiment's samplers (its config file). */
const BASELINE_PERCENT = 3;
const WAIT_MS = 30_000;

/** The experiment's own span names: probe traces, not pipeline traces. */
export const PROBE = {
  service: 'late-span-probe',
  root: 'probe.request',
  child: 'probe.on-time-child',
  lateInMemory: 'probe.late-while-in-memory',
  lateAfterEviction: 'probe.late-after-eviction',
  filler: 'probe.filler',
} as const;

export interface LateSpanOptions {
  decisionWait?: string;
  /** The samplers' num_traces; the experiment sends this many filler traces plus a few. */
  numTraces?: number;
  logDir: string;
  readyTimeoutMs?: number;
}

export interface VariantOutcome {
  /** Span names of the kept trace as Tempo holds it. */
  stored: string[];
  /** Span names sent for the trace but missing from Tempo. */
  lost: string[];
  /** Late spans the sampler forwarded from its decision cache (its own counter). */
  released_from_cache: number;
}

export interface LateSpanResult {
  trace_id: string;
  decision_wait: string;
  num_traces: number;
  filler_traces: number;
  outcomes: Record<Variant, VariantOutcome>;
}

function unsampledTraceId(): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (!probabilisticKeeps(id, BASELINE_PERCENT)) return id;
  }
}

const sendSpans = (otlpHttpUrl: string, spans: HandSpan[]) => pushSpans(otlpHttpUrl, { service: PROBE.service, scope: 'harness.late-spans' }, spans);

export async function runLateSpanExperiment(stack: RunningStack, opts: LateSpanOptions): Promise<LateSpanResult> {
  const host = stack.config.host;
  const decisionWait = opts.decisionWait ?? '1s';
  const numTraces = opts.numTraces ?? 20;
  const [otlpPort, healthPort, telemetryPort] = [await freePort(host), await freePort(host), await freePort(host)];
  const telemetryUrl = `http://${host}:${telemetryPort}/metrics`;
  const otlpUrl = `http://${host}:${otlpPort}`;
  let collector: ManagedProcess | undefined;
  try {
    collector = await startCollector({
      name: 'otelcol-late-spans', configFile: LATE_SPANS_CONFIG, logDir: opts.logDir,
      healthUrl: `http://${host}:${healthPort}/`, readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
      env: {
        LATE_LISTEN_ADDR: host, LATE_OTLP_HTTP_PORT: String(otlpPort), LATE_HEALTH_PORT: String(healthPort),
        LATE_TELEMETRY_PORT: String(telemetryPort), LATE_DECISION_WAIT: decisionWait, LATE_NUM_TRACES: String(numTraces),
        TEMPO_OTLP_ENDPOINT: `${host}:${stack.config.ports.TEMPO_OTLP_GRPC_PORT}`,
      },
    });
    const tempo = Object.fromEntries(VARIANTS.map((v) => [v, new TempoClient(stack.endpoints.tempoUrl, TENANT[v])])) as Record<Variant, TempoClient>;
    const storedNames = async (v: Variant, traceId: string): Promise<string[]> => {
      const t = await tempo[v].traceById(traceId);
      return t ? spansOf(t).map((s) => s.name).sort() : [];
    };
    const waitStored = (traceId: string, count: number, variants: readonly Variant[], what: string) =>
      waitFor(async () => {
        for (const v of variants) {
          const n = (await storedNames(v, traceId)).length;
          if (n < count) throw new Error(`tenant ${TENANT[v]} holds ${n} of ${count} spans`);
        }
        return true;
      }, { what, timeoutMs: WAIT_MS });
    const waitDecided = (want: number, what: string) =>
      waitFor(async () => {
        const samples = await scrape(telemetryUrl);
        for (const v of VARIANTS) {
          const d = decidedBy(samples, `${v}`, 'baseline');
          if (d.sampled + d.notSampled < want) throw new Error(`${v}: ${d.sampled + d.notSampled} of ${want} traces decided`);
        }
        return samples;
      }, { what, timeoutMs: WAIT_MS });

    const traceId = unsampledTraceId();
    const rootId = newSpanId();
    const sent: HandSpan[] = [
      { traceId, spanId: rootId, name: PROBE.root, error: true },
      { traceId, spanId: newSpanId(), parentSpanId: rootId, name: PROBE.child },
    ];
    await sendSpans(otlpUrl, sent);
    await waitDecided(1, 'both samplers to decide the probe trace');
    await waitStored(traceId, 2, VARIANTS, 'the kept probe trace in both tenants');

    const lateInMemory = { traceId, spanId: newSpanId(), parentSpanId: rootId, name: PROBE.lateInMemory };
    await sendSpans(otlpUrl, [lateInMemory]);
    sent.push(lateInMemory);
    await waitStored(traceId, 3, VARIANTS, 'the span that came late, while the trace was still in memory');

    // In chunks that fit beside the decided traces, so that only decided traces are
    // evicted (an undecided one pushed out is dropped without a decision), oldest first.
    const fillers = numTraces + 5;
    for (let sentFillers = 0; sentFillers < fillers;) {
      const chunk = Math.min(numTraces - 1, fillers - sentFillers);
      for (let i = 0; i < chunk; i++) {
        await sendSpans(otlpUrl, [{ traceId: unsampledTraceId(), spanId: newSpanId(), name: PROBE.filler }]);
      }
      sentFillers += chunk;
      await waitDecided(1 + sentFillers, 'both samplers to decide the filler traces');
    }

    const lateAfterEviction = { traceId, spanId: newSpanId(), parentSpanId: rootId, name: PROBE.lateAfterEviction };
    await sendSpans(otlpUrl, [lateAfterEviction]);
    sent.push(lateAfterEviction);
    // The cached sampler forwards it at once; the other one makes a fresh decision on it.
    await waitStored(traceId, 4, ['cache'], 'the cached sampler to forward the span that came after eviction');
    const samples = await waitFor(async () => {
      const s = await scrape(telemetryUrl);
      const d = decidedBy(s, 'no-cache', 'baseline');
      if (d.sampled + d.notSampled < 2 + fillers) throw new Error('the uncached sampler has not decided the late span yet');
      return s;
    }, { what: 'the uncached sampler to decide the span that came after eviction', timeoutMs: WAIT_MS });

    const outcomes = {} as Record<Variant, VariantOutcome>;
    for (const v of VARIANTS) {
      const stored = await storedNames(v, traceId);
      outcomes[v] = {
        stored,
        lost: sent.map((s) => s.name).filter((n) => !stored.includes(n)),
        released_from_cache: sumOf(samples, 'otelcol_processor_tail_sampling_early_releases_from_cache_decision', { sampled: 'true' }),
      };
    }
    // The counter has no processor label; only the cached sampler can release from a cache.
    outcomes['no-cache'].released_from_cache = 0;
    return { trace_id: traceId, decision_wait: decisionWait, num_traces: numTraces, filler_traces: fillers, outcomes };
  } finally {
    await collector?.stop();
  }
}
