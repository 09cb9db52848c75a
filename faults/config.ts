/**
 * The fault side's settings, read by whatever runs a pipeline service with its faults
 * (faults/host/): whether injection is on, the token, and where the admin endpoints
 * listen. The pipeline's own configuration knows none of these.
 */
import { z } from 'zod';
import { PIPELINE_SERVICES, type PipelineServiceId } from '../target-pipeline/services.ts';

export const FAULT_DEFAULTS = {
  ADMIN_HOST: '127.0.0.1',
  /** The front door (GET/PUT/DELETE /faults, GET /ledger); each service's own fault endpoint follows it. */
  ADMIN_PORT: 9180,
  FAULT_INJECTION: 'off',
} as const;

/** `FEATURE_EXTRACTOR_ADMIN_PORT` for 'feature-extractor', and so on for every service. */
export function endpointPortSetting(id: PipelineServiceId): string {
  return `${id.toUpperCase().replaceAll('-', '_')}_ADMIN_PORT`;
}

/** Every admin port setting: the front door, then one per service in start order. */
export const ADMIN_PORT_SETTINGS = ['ADMIN_PORT', ...PIPELINE_SERVICES.map((s) => endpointPortSetting(s.id))] as const;

const port = z.coerce.number().int().min(1).max(65535);
const files = z.string().default('').transform((s) => s.split(',').map((f) => f.trim()).filter(Boolean));

const schema = z.object({
  ADMIN_HOST: z.string().default(FAULT_DEFAULTS.ADMIN_HOST),
  ADMIN_PORT: port.default(FAULT_DEFAULTS.ADMIN_PORT),
  FAULT_INJECTION: z.enum(['on', 'off']).default(FAULT_DEFAULTS.FAULT_INJECTION),
  FAULT_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  HARNESS_EXTRA_FAULTS: files,
}).superRefine((c, ctx) => {
  if (c.FAULT_INJECTION === 'on' && !c.FAULT_ADMIN_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['FAULT_ADMIN_TOKEN'], message: 'required when FAULT_INJECTION=on' });
  }
});

export interface FaultConfig extends z.infer<typeof schema> {
  /** Each service's own fault endpoint port. */
  endpointPorts: Record<PipelineServiceId, number>;
}

export class FaultConfigError extends Error {
  override name = 'FaultConfigError';
}

export function loadFaultConfig(env: NodeJS.ProcessEnv = process.env): FaultConfig {
  const parsed = schema.safeParse(env);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ key: String(i.path[0] ?? ''), message: i.message }));
  const base = parsed.success ? parsed.data.ADMIN_PORT : FAULT_DEFAULTS.ADMIN_PORT;
  const endpointPorts = {} as Record<PipelineServiceId, number>;
  PIPELINE_SERVICES.forEach((s, i) => {
    const key = endpointPortSetting(s.id);
    const p = port.default(base + 1 + i).safeParse(env[key]);
    if (p.success) endpointPorts[s.id] = p.data;
    else issues.push({ key, message: p.error.issues[0]!.message });
  });
  if (!parsed.success || issues.length) {
    const lines = issues.map(({ key, message }) => `  ${key}${key in env ? ` (got ${JSON.stringify(env[key])})` : ''}: ${message}`);
    throw new FaultConfigError(`invalid fault injection configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, endpointPorts };
}

/** Every admin port setting at its default plus `offset`, as environment variables. */
export function adminPorts(offset: number): Record<string, string> {
  return Object.fromEntries(ADMIN_PORT_SETTINGS.map((k, i) => [k, String(FAULT_DEFAULTS.ADMIN_PORT + i + offset)]));
}
