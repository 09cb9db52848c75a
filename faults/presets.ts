import fs from 'node:fs';
import { z } from 'zod';
import { FAULT_NAMES, type FaultName } from './registry.ts';

export const PRESETS_FILE = new URL('./presets.json', import.meta.url);

const flag = z.object({
  description: z.string().min(1),
  defaultVariant: z.literal('off'),
  variants: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()),
}).strict();
const schema = z.object({ $comment: z.string().optional(), flags: z.record(z.enum(FAULT_NAMES), flag) }).strict();
export type Presets = z.infer<typeof schema>;

export function loadPresets(file: URL | string = PRESETS_FILE): Presets {
  const parsed = schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`fault presets ${String(file)}: ${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

/** The knobs of a variant (null for 'off'), or an error listing what exists. */
export function variantKnobs(p: Presets, fault: string, variant: string): Record<string, unknown> | null {
  const f = p.flags[fault as FaultName];
  if (!f) throw new Error(`unknown fault '${fault}'; known: ${Object.keys(p.flags).join(', ')}`);
  if (!(variant in f.variants)) throw new Error(`fault '${fault}' has no variant '${variant}'; variants: ${Object.keys(f.variants).join(', ')}`);
  return f.variants[variant] ?? null;
}
