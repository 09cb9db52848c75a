import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TempoClient } from '../../../assertions/tempo/client.ts';
import { AdminClient } from '../../../faults/admin/client.ts';
import type { LocalRunningStack } from '../../../stack/local.ts';
import { launchPipeline, pipelinePorts, type RunningPipeline } from '../../../stack/pipeline.ts';
import type { RunningStack } from '../../../stack/provider.ts';
import { REPO_ROOT } from '../../../stack/tools.ts';
import { startTestStack, TEST_PORT_OFFSET } from './stack.ts';

export const TEST_ADMIN_TOKEN = 'integration-test-token-0123456789';

/** Pipeline ports for tests, shifted like the stack's. */
export function testPipelinePorts(): Record<string, string> {
  return pipelinePorts(TEST_PORT_OFFSET);
}

export function testPipelineEnv(stack: RunningStack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HARNESS_OTLP_HTTP_URL: stack.endpoints.otlpHttpUrl,
    ...testPipelinePorts(),
    // Shared across test files: the store is built once and reused.
    FEATURE_DB_PATH: path.join(REPO_ROOT, '.runs/feature-store.sqlite'),
    FAULT_INJECTION: 'on',
    FAULT_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...extra,
  };
}

export function startTestPipeline(stack: RunningStack, extra: Record<string, string> = {}): Promise<RunningPipeline> {
  return launchPipeline({ env: testPipelineEnv(stack, extra), logDir: path.join(stack.config.runDir, 'logs') });
}

export interface PredictBody {
  model?: string;
  input?: string;
  feature_ids?: string[];
  client_id?: string;
  [k: string]: unknown;
}

export function predictBody(over: PredictBody = {}): PredictBody {
  return {
    model: 'intent-encoder',
    input: 'my card was charged twice for the same order, please refund one of them',
    feature_ids: ['user-000001', 'user-000002'],
    client_id: 'it-client',
    ...over,
  };
}

export async function admin(p: RunningPipeline, method: string, pathName: string, body?: unknown, token = TEST_ADMIN_TOKEN): Promise<{ status: number; json: any }> {
  const res = await fetch(`${p.adminUrl}${pathName}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** What a test file that drives the whole pipeline works with; set once its beforeAll ran. */
export interface TestRig {
  stack: LocalRunningStack;
  pipeline: RunningPipeline;
  /** Tempo, tenant full (every span the pipeline emitted). */
  full: TempoClient;
  admin: AdminClient;
}

/**
 * Registers the file's beforeAll (stack, then pipeline, with `pipelineEnv` on top of the
 * test environment) and afterAll (pipeline, then stack, whatever happened) and returns
 * the rig they fill in.
 */
export function useTestRig(pipelineEnv: Record<string, string> = {}): TestRig {
  const rig = {} as TestRig;
  beforeAll(async () => {
    rig.stack = await startTestStack();
    rig.pipeline = await startTestPipeline(rig.stack, pipelineEnv);
    rig.full = new TempoClient(rig.stack.endpoints.tempoUrl, 'full');
    rig.admin = new AdminClient(rig.pipeline.adminUrl, TEST_ADMIN_TOKEN);
  });
  afterAll(async () => {
    await rig.pipeline?.stop();
    await rig.stack?.stop();
  });
  return rig;
}
