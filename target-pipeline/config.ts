/**
 * The pipeline's configuration: environment variables, validated once at start-up
 * with a message naming each bad setting. Defaults are named here and nowhere else.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PRETRAINED_ASSETS_DIR } from './model/asset-dirs.ts';
import { breakPointsSchema } from './telemetry/break.ts';

/** The checkout this pipeline runs from (its assets and run data live below it by default). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const PIPELINE_DEFAULTS = {
  PIPELINE_HOST: '127.0.0.1',
  GATEWAY_PORT: 8080,
  FEATURE_EXTRACTOR_PORT: 8081,
  INFERENCE_PORT: 8082,
  POST_PROCESSOR_PORT: 8083,
  MODEL_NAME: 'intent-encoder',
  /**
   * all-MiniLM-L6-v2 with its intent-prototype head (target-pipeline/model/pretrained/,
   * built by `make model-pretrained`). The random-weight model in assets/generated stays
   * for the unit tests that need speed, which name it.
   */
  ASSETS_DIR: PRETRAINED_ASSETS_DIR,
  FEATURE_DB_PATH: path.join(ROOT, '.runs/feature-store.sqlite'),
  FEATURE_ENTITIES: 2000,
  /** Long enough that a warmed cache stays warm for a whole scenario. */
  FEATURE_CACHE_TTL_MS: 600_000,
  FEATURE_CACHE_MAX_ENTRIES: 10_000,
  MAX_BODY_BYTES: 64 * 1024,
  MAX_INPUT_CHARS: 4_000,
  MAX_FEATURE_IDS: 32,
  MAX_SEQ_LEN: 128,
  BATCH_MAX_SIZE: 8,
  BATCH_MAX_WAIT_MS: 5,
  /** Device slots: how many batches may run on the device at once. */
  DEVICE_SLOTS: 2,
  INFERENCE_WORKERS: 2,
  INTRA_OP_THREADS: 1,
  EXECUTION_PROVIDERS: 'cuda,webgpu,cpu',
  MAX_VALIDATION_ATTEMPTS: 3,
  UPSTREAM_TIMEOUT_MS: 30_000,
  SHUTDOWN_GRACE_MS: 15_000,
} as const;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
const providers = z.string().transform((s, ctx) => {
  const list = s.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
  const allowed = ['cuda', 'webgpu', 'cpu'];
  const bad = list.filter((p) => !allowed.includes(p));
  if (list.length === 0 || bad.length) {
    ctx.addIssue({ code: 'custom', message: `a comma-separated list of ${allowed.join(', ')}; got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return list as ('cuda' | 'webgpu' | 'cpu')[];
});

const D = PIPELINE_DEFAULTS;
export const pipelineSchema = z.object({
  PIPELINE_HOST: z.enum(['127.0.0.1', 'localhost', '0.0.0.0', '::1']).default(D.PIPELINE_HOST),
  GATEWAY_PORT: port.default(D.GATEWAY_PORT),
  FEATURE_EXTRACTOR_PORT: port.default(D.FEATURE_EXTRACTOR_PORT),
  INFERENCE_PORT: port.default(D.INFERENCE_PORT),
  POST_PROCESSOR_PORT: port.default(D.POST_PROCESSOR_PORT),
  MODEL_NAME: z.string().min(1).default(D.MODEL_NAME),
  ASSETS_DIR: z.string().min(1).default(D.ASSETS_DIR),
  FEATURE_DB_PATH: z.string().min(1).default(D.FEATURE_DB_PATH),
  FEATURE_ENTITIES: positiveInt(1_000_000).default(D.FEATURE_ENTITIES),
  FEATURE_CACHE_TTL_MS: positiveInt(86_400_000).default(D.FEATURE_CACHE_TTL_MS),
  FEATURE_CACHE_MAX_ENTRIES: positiveInt(10_000_000).default(D.FEATURE_CACHE_MAX_ENTRIES),
  MAX_BODY_BYTES: positiveInt(10 * 1024 * 1024).default(D.MAX_BODY_BYTES),
  MAX_INPUT_CHARS: positiveInt(1_000_000).default(D.MAX_INPUT_CHARS),
  MAX_FEATURE_IDS: positiveInt(1024).default(D.MAX_FEATURE_IDS),
  MAX_SEQ_LEN: positiveInt(256).default(D.MAX_SEQ_LEN),
  BATCH_MAX_SIZE: positiveInt(256).default(D.BATCH_MAX_SIZE),
  BATCH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(D.BATCH_MAX_WAIT_MS),
  DEVICE_SLOTS: positiveInt(64).default(D.DEVICE_SLOTS),
  INFERENCE_WORKERS: positiveInt(64).default(D.INFERENCE_WORKERS),
  INTRA_OP_THREADS: positiveInt(64).default(D.INTRA_OP_THREADS),
  EXECUTION_PROVIDERS: providers.default(['cuda', 'webgpu', 'cpu']),
  MAX_VALIDATION_ATTEMPTS: positiveInt(10).default(D.MAX_VALIDATION_ATTEMPTS),
  UPSTREAM_TIMEOUT_MS: positiveInt(600_000).default(D.UPSTREAM_TIMEOUT_MS),
  SHUTDOWN_GRACE_MS: positiveInt(600_000).default(D.SHUTDOWN_GRACE_MS),
  /** CI self-test only (see telemetry/break.ts): instrumentation points to leave out. */
  HARNESS_BREAK_INSTRUMENTATION: breakPointsSchema,
}).superRefine((c, ctx) => {
  if (c.INFERENCE_WORKERS < c.DEVICE_SLOTS) {
    ctx.addIssue({ code: 'custom', path: ['INFERENCE_WORKERS'], message: `must be >= DEVICE_SLOTS (${c.DEVICE_SLOTS}): each slot runs on its own worker` });
  }
});

export type PipelineConfig = z.infer<typeof pipelineSchema>;

export class PipelineConfigError extends Error {
  override name = 'PipelineConfigError';
}

export function loadPipelineConfig(env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  const parsed = pipelineSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const got = key in env ? ` (got ${JSON.stringify(env[key])})` : '';
      return `  ${key}${got}: ${i.message}`;
    });
    throw new PipelineConfigError(`invalid pipeline configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Every port setting of the pipeline at its default plus `offset`, as environment variables. */
export const PIPELINE_PORT_SETTINGS = [
  'GATEWAY_PORT', 'FEATURE_EXTRACTOR_PORT', 'INFERENCE_PORT', 'POST_PROCESSOR_PORT',
] as const;

export function pipelinePorts(offset: number): Record<(typeof PIPELINE_PORT_SETTINGS)[number], string> {
  return Object.fromEntries(PIPELINE_PORT_SETTINGS.map((k) => [k, String(PIPELINE_DEFAULTS[k] + offset)])) as Record<(typeof PIPELINE_PORT_SETTINGS)[number], string>;
}

export function serviceUrl(cfg: PipelineConfig, port: number): string {
  const host = cfg.PIPELINE_HOST === '0.0.0.0' ? '127.0.0.1' : cfg.PIPELINE_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
