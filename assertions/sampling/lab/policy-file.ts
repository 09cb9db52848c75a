/**
 * A tail-sampling policy set from a user's file, in any of the shapes a team keeps one:
 *  - a whole Collector configuration: each `tail_sampling` processor in it is a set;
 *  - a processor block: `tail_sampling:` (or `tail_sampling/<name>:`) with its settings;
 *  - the processor's settings alone: an object with `policies:` (and decision_wait...);
 *  - a bare list of policies.
 * The file is taken as written: only the processor's settings are lifted out, so the real
 * Collector judges them (validate.ts), and whatever else a whole configuration holds
 * (receivers, exporters) is left behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { HarnessError } from '../../scenario/errors.ts';

export class PolicyFileError extends HarnessError {
  override name = 'PolicyFileError';
}

export interface PolicySet {
  /** The set's name: the file's, plus the processor's own name when a file holds several. Tenant and pipeline names derive from it. */
  name: string;
  /** Where it came from, for every message about it. */
  source: string;
  /** The tail_sampling processor's settings, exactly as the file gave them. */
  settings: Record<string, unknown>;
}

const PROCESSOR = /^tail_sampling(\/.+)?$/;
/** What a set's name may hold: it becomes part of a Collector component id and a Tempo tenant. */
const NAME_CHARS = /[^a-z0-9-]+/g;

export function setName(file: string, processor?: string): string {
  const base = path.basename(file).replace(/\.(ya?ml|json)$/i, '');
  const suffix = processor?.includes('/') ? `-${processor.split('/')[1]}` : '';
  const name = `${base}${suffix}`.toLowerCase().replace(NAME_CHARS, '-').replace(/^-+|-+$/g, '');
  return name || 'policies';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every policy set the file holds; a PolicyFileError naming the file when it holds none or does not parse. */
export function loadPolicyFile(file: string): PolicySet[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyFileError(`policy file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new PolicyFileError(`policy file ${file}: not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return policySets(doc, file);
}

export function policySets(doc: unknown, file: string): PolicySet[] {
  const one = (settings: Record<string, unknown>, processor?: string): PolicySet => ({ name: setName(file, processor), source: file, settings });
  if (Array.isArray(doc)) return [one({ policies: doc })];
  if (!isObject(doc)) throw new PolicyFileError(`policy file ${file}: expected a Collector configuration, a tail_sampling block, its settings or a list of policies; got ${doc === null ? 'an empty file' : typeof doc}`);
  // A whole configuration: its tail_sampling processors.
  if (isObject(doc.processors) || 'service' in doc || 'receivers' in doc) {
    const procs = Object.entries(isObject(doc.processors) ? doc.processors : {}).filter(([k]) => PROCESSOR.test(k));
    if (procs.length === 0) throw new PolicyFileError(`policy file ${file}: a Collector configuration without a tail_sampling processor (processors: ${Object.keys(isObject(doc.processors) ? doc.processors : {}).join(', ') || 'none'})`);
    return procs.map(([k, v]) => {
      if (!isObject(v)) throw new PolicyFileError(`policy file ${file}: processors.${k} is not a mapping`);
      return one(v, procs.length > 1 ? k : undefined);
    });
  }
  // A processor block.
  const blocks = Object.entries(doc).filter(([k]) => PROCESSOR.test(k));
  if (blocks.length > 0) {
    const other = Object.keys(doc).filter((k) => !PROCESSOR.test(k));
    if (other.length) throw new PolicyFileError(`policy file ${file}: beside ${blocks.map(([k]) => k).join(', ')} it has ${other.join(', ')}, which a tail_sampling block does not`);
    return blocks.map(([k, v]) => {
      if (!isObject(v)) throw new PolicyFileError(`policy file ${file}: ${k} is not a mapping`);
      return one(v, blocks.length > 1 ? k : undefined);
    });
  }
  // The processor's settings (a bare `policies:` list is the same thing).
  if ('policies' in doc) {
    if (!Array.isArray(doc.policies)) throw new PolicyFileError(`policy file ${file}: policies must be a list`);
    return [one(doc)];
  }
  throw new PolicyFileError(`policy file ${file}: no policies found (top-level keys: ${Object.keys(doc).join(', ') || 'none'}); expected a Collector configuration, a tail_sampling block, its settings or a list of policies`);
}

/** The sets of several files, their names made unique (two files of the same name get -2, -3...). */
export function loadPolicyFiles(files: string[]): PolicySet[] {
  const seen = new Map<string, number>();
  return files.flatMap((f) => loadPolicyFile(f)).map((s) => {
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    return n === 1 ? s : { ...s, name: `${s.name}-${n}` };
  });
}

/** The files of a POLICIES value (comma-separated, relative to the working directory); none when unset or empty. */
export function policyFileList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => path.resolve(f));
}
