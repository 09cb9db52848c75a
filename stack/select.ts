/**
 * The one place that picks the stack provider, from the STACK setting:
 *   STACK=local       Tempo, the Collector and Prometheus as local processes (default)
 *   STACK=containers  the same three as containers (testcontainers, Docker or podman)
 *   STACK=external    nothing started: a team's own Collector and Tempo (HARNESS_EXTERNAL_*,
 *                     stack/external-settings.ts), checked before any load
 * The stack CLI, the scenario runner and the tests all come through here.
 */
import { z } from 'zod';
import { ConfigError } from './config.ts';
import { ContainersStackProvider } from './containers.ts';
import { ExternalStackProvider } from './external.ts';
import { loadExternalSettings } from './external-settings.ts';
import { LocalStackProvider, type LocalStackOptions } from './local.ts';
import type { StackKind, StackProvider } from './provider.ts';

export type { StackKind };
export const STACK_KINDS = ['local', 'containers', 'external'] as const satisfies readonly StackKind[];

const schema = z.object({ STACK: z.enum(STACK_KINDS).default('local') });

export function stackKind(env: NodeJS.ProcessEnv = process.env): StackKind {
  const parsed = schema.safeParse({ STACK: env.STACK === '' ? undefined : env.STACK });
  if (!parsed.success) {
    throw new ConfigError(`invalid stack settings in the environment:\n  STACK=${JSON.stringify(env.STACK)}: one of ${STACK_KINDS.join(', ')} (default local)`);
  }
  return parsed.data.STACK;
}

/**
 * For the runs that add to or read the inside of the harness's own stack (its Collector's
 * extra pipelines and counters, extra Collectors): STACK=external has none of that.
 */
export function requireOwnStack(what: string, env: NodeJS.ProcessEnv = process.env): void {
  if (stackKind(env) === 'external') {
    throw new ConfigError(`${what} needs a stack the harness starts (its own Collector's pipelines and counters), and STACK=external starts none: run it with STACK=local or containers; with STACK=external, run make scenario-<pattern>`);
  }
}

/** `detached`: leave the stack running after this process exits (make stack-up). */
export function stackProvider(env: NodeJS.ProcessEnv = process.env, opts: LocalStackOptions = {}): StackProvider {
  const kind = stackKind(env);
  // Its settings are read here, at the edge: a bad one stops the run before anything is contacted.
  if (kind === 'external') return new ExternalStackProvider(loadExternalSettings(env));
  return kind === 'containers' ? new ContainersStackProvider(opts) : new LocalStackProvider(opts);
}
