/**
 * Each policy set judged by the real Collector before anything runs. `otelcol validate`
 * is not enough: a policy of an unknown type passes it and fails only when the processor
 * starts. So each set starts once in a Collector of its own (OTLP on a free port, its
 * tail_sampling processor, a debug exporter, no telemetry port), until the Collector says
 * every pipeline runs or exits; a refusal names the file and quotes the Collector.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { COLLECTOR_READY_LINE } from '../../../stack/collector.ts';
import { requireTool } from '../../../stack/tools.ts';
import { LAB_FEATURE_GATES } from './layer.ts';
import { PolicyFileError, type PolicySet } from './policy-file.ts';

export const VALIDATE_TIMEOUT_MS = 30_000;

/** A Collector that runs only this set's processor, on no fixed port. */
export function dryRunConfig(s: PolicySet): Record<string, unknown> {
  const id = `tail_sampling/lab-${s.name}`;
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0' } } } },
    processors: { [id]: s.settings },
    exporters: { debug: { verbosity: 'basic' } },
    service: {
      telemetry: { metrics: { level: 'none' }, logs: { level: 'info' } },
      pipelines: { traces: { receivers: ['otlp'], processors: [id], exporters: ['debug'] } },
    },
  };
}

/** The Collector's reason for stopping: its final "Error:" message, else its first error log line. */
export function collectorRefusal(out: string): string {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Error:'));
  // The message goes on over the next lines (each decoding error on its own).
  if (at >= 0) return lines.slice(at).join(' ').slice('Error:'.length).replace(/\s+/g, ' ').trim().slice(0, 1200);
  const logged = lines.find((l) => /\terror\t/.test(l));
  return (logged ?? lines.filter(Boolean).slice(-3).join(' / ')).slice(0, 1200);
}

function dryRun(configFile: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const child = spawn(requireTool('otelcol'), [`--config=${configFile}`, `--feature-gates=${LAB_FEATURE_GATES.join(',')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (r: { ok: true } | { ok: false; reason: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `neither started nor refused within ${VALIDATE_TIMEOUT_MS} ms: ${collectorRefusal(out)}` }), VALIDATE_TIMEOUT_MS);
    const take = (b: Buffer) => {
      out += b.toString();
      if (COLLECTOR_READY_LINE.test(out)) finish({ ok: true });
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => finish({ ok: false, reason: err.message }));
    child.on('exit', (code) => finish(code === 0 && COLLECTOR_READY_LINE.test(out) ? { ok: true } : { ok: false, reason: collectorRefusal(out) || `exit ${code}` }));
  });
}

/** Throws a PolicyFileError naming the set's file and quoting the Collector when the Collector refuses the set. */
export async function validatePolicySets(sets: PolicySet[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-sets-'));
  try {
    for (const s of sets) {
      const file = path.join(dir, `${s.name}.yaml`);
      fs.writeFileSync(file, stringify(dryRunConfig(s)));
      const r = await dryRun(file);
      if (!r.ok) throw new PolicyFileError(`policy file ${s.source}: the Collector refused it: ${r.reason}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
