/**
 * The shape every fault shares: what it does (description, owner, mechanism bound to
 * a real component by `create`), its knobs (a schema with ranges, validated at the
 * edge), and its counters (proof that it took effect: a toggle that did nothing shows
 * zeros).
 */
import type { z } from 'zod';
import { issueField } from '../target-pipeline/service/errors.ts';
import type { FaultName } from './wire.ts';

export type FaultOwner = 'feature-extractor' | 'inference';
export type Counters = Record<string, number>;

export interface FaultStatus {
  name: FaultName;
  owner: FaultOwner;
  description: string;
  enabled: boolean;
  knobs: Record<string, unknown> | null;
  counters: Counters;
  enabledAt: string | null;
}

export interface FaultRuntime<K> {
  /** Applies the mechanism with these (already validated) knobs, replacing earlier ones. */
  enable(knobs: K): void;
  /** Back to the clean baseline; counters keep what happened until now. */
  reset(): void;
  counters(): Counters;
}

export interface FaultModule<K, Target> {
  name: FaultName;
  owner: FaultOwner;
  description: string;
  /** Knob schema; its messages name the allowed range. Built per target (ranges can depend on configuration). */
  knobs(target: Target): z.ZodType<K>;
  create(target: Target): FaultRuntime<K>;
}

/** A fault bound to its target, with its validated state; what the admin endpoints act on. */
export class BoundFault<K = unknown, Target = unknown> {
  readonly module: FaultModule<K, Target>;
  readonly runtime: FaultRuntime<K>;
  private readonly schema: z.ZodType<K>;
  private knobs: K | null = null;
  private enabledAt: Date | null = null;

  constructor(module: FaultModule<K, Target>, target: Target) {
    this.module = module;
    this.schema = module.knobs(target);
    this.runtime = module.create(target);
  }

  /** Validates and applies; a bad knob gives a message naming the field and its range. */
  enable(raw: unknown): { ok: true } | { ok: false; field: string; message: string } {
    const parsed = this.schema.safeParse(raw ?? {});
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      const field = issueField(i, '(knobs)');
      return { ok: false, field, message: `${this.module.name}: ${field}: ${i.message}` };
    }
    this.runtime.enable(parsed.data);
    this.knobs = parsed.data;
    this.enabledAt = new Date();
    return { ok: true };
  }

  reset(): void {
    this.runtime.reset();
    this.knobs = null;
    this.enabledAt = null;
  }

  status(): FaultStatus {
    return {
      name: this.module.name,
      owner: this.module.owner,
      description: this.module.description,
      enabled: this.knobs !== null,
      knobs: this.knobs as Record<string, unknown> | null,
      counters: this.runtime.counters(),
      enabledAt: this.enabledAt?.toISOString() ?? null,
    };
  }
}

/** A seeded PRNG, so a run with a given seed injects the same faults (the pipeline's mulberry32). */
export { mulberry32 as seededRandom } from '../target-pipeline/model/prng.ts';
