/**
 * The lifecycle the sampling experiments share with a scenario run: the stack, the
 * pipeline with fault injection on and a fresh token, the cache primed; then the
 * experiment; then everything stopped, whatever happened.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AdminClient } from '../../faults/admin/client.ts';
import type { StackConfig } from '../../stack/config.ts';
import { stackProvider } from '../../stack/select.ts';
import type { RunningStack } from '../../stack/provider.ts';
import { launchPipeline, type PipelineServiceName, type RunningPipeline } from '../../target-pipeline/launch.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { runK6Script, K6_THRESHOLDS_FAILED } from '../scenario/k6.ts';
import { primePipeline } from '../scenario/prime.ts';
import { HarnessError } from '../scenario/run.ts';

/** The k6 script of the experiments: load only, the faults set by the harness. */
export const LOAD_SCRIPT = path.join(REPO_ROOT, 'scenarios/load-only.ts');

export interface Testbed {
  stack: RunningStack;
  pipeline: RunningPipeline;
  admin: AdminClient;
  token: string;
  logDir: string;
}

export interface StackExtras {
  /** Environment for one service only (e.g. its own OTLP endpoint). */
  serviceEnv?: Partial<Record<PipelineServiceName, Record<string, string>>>;
  /** Stopped after the pipeline (so its last spans are flushed through) and before the stack. */
  stop(): Promise<void>;
}

export interface TestbedOptions {
  stackConfig: StackConfig;
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
  try {
    log('starting Tempo and the Collector');
    stack = await stackProvider().start(opts.stackConfig);
    const token = randomBytes(18).toString('hex');
    extras = await opts.beforePipeline?.(stack, logDir);
    log('starting the pipeline');
    pipeline = await launchPipeline({
      env: { HARNESS_OTLP_HTTP_URL: stack.endpoints.otlpHttpUrl, FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: token, ...opts.pipelineEnv },
      serviceEnv: extras?.serviceEnv, logDir,
    });
    const admin = new AdminClient(pipeline.adminUrl, token);
    await primePipeline(pipeline.gatewayUrl, opts.entities, pipeline.config.MODEL_NAME);
    await admin.reset();
    return { stack, pipeline, admin, token, logDir, stop };
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

/** One k6 run of the load-only script at `rate` per second; `name` keeps its log apart. */
export async function runLoad(tb: Testbed, load: { rate: number; duration_s: number }, name: string): Promise<void> {
  const k6 = await runK6Script(LOAD_SCRIPT, { RATE: String(load.rate), DURATION_S: String(load.duration_s) }, {
    gatewayUrl: tb.pipeline.gatewayUrl, adminUrl: tb.pipeline.adminUrl, token: tb.token, otlpHttpUrl: tb.stack.endpoints.otlpHttpUrl, runDir: tb.stack.config.runDir,
  }, name);
  if (k6.exitCode !== 0 && k6.exitCode !== K6_THRESHOLDS_FAILED) throw new HarnessError(`k6 failed (exit ${k6.exitCode}); see ${k6.logFile}`);
}
