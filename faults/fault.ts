/**
 * The shape every fault shares: what it does (description, the pipeline service that
 * owns it, a mechanism bound to that service's real components by `create`), its knobs
 * (a schema with ranges, validated at the edge), and its counters (proof that it took
 * effect: a toggle that did nothing shows zeros).
 *
 * A fault declares the small interface it acts on (its target) and never imports the
 * component itself: the service's components satisfy it structurally.
 */
import type { z } from 'zod';
import type { PipelineServiceId } from '../target-pipeline/services.ts';
import type { FiredRecorder } from './fired.ts';
import { issueField } from '../target-pipeline/service/errors.ts';

export type FaultOwner = PipelineServiceId;
export type Counters = Record<string, number>;

export interface FaultStatus {
  name: string;
  owner: FaultOwner;
  description: string;
  enabled: boolean;
  knobs: Record<string, unknown> | null;
  counters: Counters;
  enabledAt: string | null;
}

export interface FaultRuntime<K, T> {
  /** Applies the mechanism with these (already validated) knobs, replacing earlier ones. */
  enable(knobs: K): void;
  /** Back to the clean baseline; counters keep what happened until now. */
  reset(): void;
  counters(): Counters;
  /**
   * Components the mechanism must see the calls of (to learn which request it acted
   * on, or to alter a result), as stand-ins built with decorate(); applied once, before
   * the service's app is built. With the fault off a stand-in only delegates.
   */
  wrap?(target: T): Partial<T>;
}

export interface FaultModule<K = any, T = any, N extends string = string> {
  name: N;
  owner: FaultOwner;
  description: string;
  /** Knob schema; its messages name the allowed range. Built per target (ranges can depend on configuration). */
  knobs(target: T): z.ZodType<K>;
  /** `record.fired()` is called for every request the mechanism really acted on. */
  create(target: T, record: FiredRecorder): FaultRuntime<K, T>;
}

/** Keeps a module's literal name in its type, so the registry can list the names. */
export function defineFault<K, T, N extends string>(m: FaultModule<K, T, N>): FaultModule<K, T, N> {
  return m;
}

/** A fault bound to its target, with its validated state; what the admin endpoints act on. */
export class BoundFault<K = unknown, T = unknown> {
  readonly module: FaultModule<K, T>;
  readonly runtime: FaultRuntime<K, T>;
  private readonly schema: z.ZodType<K>;
  private knobs: K | null = null;
  private enabledAt: Date | null = null;

  constructor(module: FaultModule<K, T>, target: T, record: FiredRecorder) {
    this.module = module;
    this.schema = module.knobs(target);
    this.runtime = module.create(target, record);
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
