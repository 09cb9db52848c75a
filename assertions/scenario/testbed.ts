/**
 * The lifecycle a scenario run and the sampling experiments share: the stack, the
 * pipeline with fault injection on and a fresh token, the cache primed; then the run;
 * then everything stopped, whatever happened.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AdminClient } from '../../faults/admin/client.ts';
import type { StackConfig } from '../../stack/config.ts';
import { ExternalRunningStack } from '../../stack/external.ts';
import { stackProvider } from '../../stack/select.ts';
import { endpointsFor, type RunningStack, type StackProvider } from '../../stack/provider.ts';
import { launchPipeline, type PipelineServiceName, type RunningPipeline } from '../../stack/pipeline.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { HarnessError } from './errors.ts';
import { runK6Script, K6_THRESHOLDS_FAILED, type K6Target } from './k6.ts';
import { primePipeline } from './prime.ts';

/** The k6 script of the experiments: load only, the faults set by the harness. */
export const LOAD_SCRIPT = path.join(REPO_ROOT, 'scenarios/load-only.ts');

export interface Testbed {
  /** Which stack provider runs Tempo and the Collector. */
  kind: StackProvider['kind'];
  stack: RunningStack;
  pipeline: RunningPipeline;
  admin: AdminClient;
  token: string;
  logDir: string;
  /** Wall-clock time just before the stack started (the samplers count from there). */
  startedAt: number;
  /** stack_ready_ms, pipeline_ready_ms (both from the start, when they start together), prime_ms. */
  timings: Record<string, number>;
}

export interface StackExtras {
  /** Environment for one service only (e.g. its own OTLP endpoint). */
  serviceEnv?: Partial<Record<PipelineServiceName, Record<string, string>>>;
  /** Stopped after the pipeline (so its last spans are flushed through) and before the stack. */
  stop(): Promise<void>;
}

export interface TestbedOptions {
  stackConfig: StackConfig;
  /** Where the stack provider (STACK) is read from; default process.env. */
  providerEnv?: NodeJS.ProcessEnv;
  /** Environment for every pipeline service (ports...). */
  pipelineEnv?: Record<string, string>;
  /** Starts what the experiment adds to the stack (extra Collectors) before the pipeline. */
  beforePipeline?: (stack: RunningStack, logDir: string) => Promise<StackExtras>;
  entities: number;
  log?: (line: string) => void;
}

export interface RunningTestbed extends Testbed {
  /** Stops the pipeline, the extras, then the stack; safe to call twice. */
  stop(): Promise<void>;
}

export async function startTestbed(opts: TestbedOptions): Promise<RunningTestbed> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const logDir = path.join(opts.stackConfig.runDir, 'logs');
  let stack: RunningStack | undefined;
  let pipeline: RunningPipeline | undefined;
  let extras: StackExtras | undefined;
  const stop = async () => {
    await pipeline?.stop();
    await extras?.stop();
    await stack?.stop();
  };
  const timings: Record<string, number> = {};
  const startedAt = Date.now();
  let t = performance.now();
  const mark = (k: string) => {
    timings[k] = Math.round(performance.now() - t);
    t = performance.now();
  };
  try {
    const provider = stackProvider(opts.providerEnv);
    log(provider.kind === 'external'
      ? 'STACK=external: starting nothing; checking your Collector, Tempo and Prometheus before any load'
      : `starting Tempo, the Collector and Prometheus as ${provider.kind === 'local' ? 'local processes' : 'containers'} (run folder ${path.relative(REPO_ROOT, opts.stackConfig.runDir)})`);
    const token = randomBytes(18).toString('hex');
    const startPipeline = (otlpHttpUrl: string): Promise<RunningPipeline> => launchPipeline({
      env: { HARNESS_OTLP_HTTP_URL: otlpHttpUrl, FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: token, ...opts.pipelineEnv },
      serviceEnv: extras?.serviceEnv, logDir,
    });
    // A team's stack (STACK=external) is checked before anything of the run starts, and
    // its endpoints are its own: the pipeline starts after it, as with experiment extras.
    if (opts.beforePipeline || provider.kind === 'external') {
      stack = await provider.start(opts.stackConfig);
      if (stack instanceof ExternalRunningStack) for (const line of stack.preflight.checked) log(`  ok: ${line}`);
      mark('stack_ready_ms');
      extras = await opts.beforePipeline?.(stack, logDir);
      log('starting the pipeline');
      pipeline = await startPipeline(stack.endpoints.otlpHttpUrl);
      mark('pipeline_ready_ms');
    } else {
      // The pipeline needs nothing of the stack to start: the stack's endpoints follow from
      // the config, its spans come with the first request, after both are ready, and its
      // first metric export METRIC_EXPORT_INTERVAL_MS after it starts, when the stack has
      // long been up. Both start together, each timed from here. allSettled: a failed
      // start still waits for the other, so that stop() finds everything it has to stop.
      log('starting the pipeline beside them');
      const since = performance.now();
      const [s, p] = await Promise.allSettled([
        provider.start(opts.stackConfig).finally(() => (timings.stack_ready_ms = Math.round(performance.now() - since))),
        startPipeline(endpointsFor(opts.stackConfig).otlpHttpUrl).finally(() => (timings.pipeline_ready_ms = Math.round(performance.now() - since))),
      ]);
      if (s.status === 'fulfilled') stack = s.value;
      if (p.status === 'fulfilled') pipeline = p.value;
      if (s.status === 'rejected') throw s.reason;
      if (p.status === 'rejected') throw p.reason;
      stack = s.value;
      pipeline = p.value;
      t = performance.now();
    }
    const admin = new AdminClient(pipeline.adminUrl, token);
    await primePipeline(pipeline.gatewayUrl, opts.entities, pipeline.config.MODEL_NAME);
    await admin.reset();
    mark('prime_ms');
    return { kind: provider.kind, stack, pipeline, admin, token, logDir, startedAt, timings, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function withTestbed<T>(opts: TestbedOptions, body: (tb: Testbed) => Promise<T>): Promise<T> {
  const tb = await startTestbed(opts);
  try {
    return await body(tb);
  } finally {
    await tb.stop();
  }
}

/** Where k6 sends its load and its own metrics. */
export function k6Target(tb: Testbed): K6Target {
  return { gatewayUrl: tb.pipeline.gatewayUrl, adminUrl: tb.pipeline.adminUrl, token: tb.token, otlpHttpUrl: tb.stack.endpoints.otlpHttpUrl, runDir: tb.stack.config.runDir };
}

/** A k6 run that did not complete its load is a harness failure (thresholds are the verdict's business). */
export function assertK6Ran(k6: { exitCode: number | null; logFile: string }): void {
  if (k6.exitCode !== 0 && k6.exitCode !== K6_THRESHOLDS_FAILED) throw new HarnessError(`k6 failed (exit ${k6.exitCode}); see ${k6.logFile}`);
}

/** One k6 run of the load-only script at `rate` per second; `name` keeps its log apart. */
export async function runLoad(tb: Testbed, load: { rate: number; duration_s: number }, name: string): Promise<void> {
  assertK6Ran(await runK6Script(LOAD_SCRIPT, { RATE: String(load.rate), DURATION_S: String(load.duration_s) }, k6Target(tb), name));
}
