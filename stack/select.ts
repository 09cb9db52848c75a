/**
 * The one place that picks the stack provider, from the STACK setting:
 *   STACK=local       Tempo and the Collector as local processes (default)
 *   STACK=containers  the same two as containers (testcontainers, Docker or podman)
 * The stack CLI, the scenario runner and the tests all come through here.
 */
import { z } from 'zod';
import { ConfigError } from './config.ts';
import { ContainersStackProvider } from './containers.ts';
import { LocalStackProvider, type LocalStackOptions } from './local.ts';
import type { StackProvider } from './provider.ts';

export const STACK_KINDS = ['local', 'containers'] as const;
export type StackKind = (typeof STACK_KINDS)[number];

const schema = z.object({ STACK: z.enum(STACK_KINDS).default('local') });

export function stackKind(env: NodeJS.ProcessEnv = process.env): StackKind {
  const parsed = schema.safeParse({ STACK: env.STACK === '' ? undefined : env.STACK });
  if (!parsed.success) {
    throw new ConfigError(`invalid stack settings in the environment:\n  STACK=${JSON.stringify(env.STACK)}: one of ${STACK_KINDS.join(', ')} (default local)`);
  }
  return parsed.data.STACK;
}

/** `detached`: leave the stack running after this process exits (make stack-up). */
export function stackProvider(env: NodeJS.ProcessEnv = process.env, opts: LocalStackOptions = {}): StackProvider {
  return stackKind(env) === 'containers' ? new ContainersStackProvider(opts) : new LocalStackProvider(opts);
}
