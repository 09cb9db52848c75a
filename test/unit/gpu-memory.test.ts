import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GpuMemorySampler, parseComputeApps } from '../../target-pipeline/inference/gpu-memory.ts';

// What `nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits` prints.
const OUTPUT = '4242, 1024\n777, 300\n4242, 512\n';

describe('GPU memory from the driver', () => {
  it('should sum this process\'s lines and convert MiB to MB', () => {
    expect(parseComputeApps(OUTPUT, 4242)).toEqual({ allocatedMb: 1610.6, reservedMb: 1610.6 });
  });

  it('should say nothing for a process the driver does not list (no zero)', () => {
    expect(parseComputeApps(OUTPUT, 1)).toBeUndefined();
    expect(parseComputeApps('', 4242)).toBeUndefined();
  });

  it('should skip lines it cannot read, such as [N/A] under some drivers', () => {
    expect(parseComputeApps('4242, [N/A]\n4242, 100\n', 4242)).toEqual({ allocatedMb: 104.9, reservedMb: 104.9 });
  });
});

describe('GpuMemorySampler', () => {
  // No GPU here: a stand-in nvidia-smi on PATH prints what the driver would, so the
  // sampler's process call, parsing and refresh run for real.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-smi-'));
  const pid = 4242;
  fs.writeFileSync(path.join(dir, 'nvidia-smi'), `#!/bin/sh\n[ "$1" = "--query-compute-apps=pid,used_memory" ] || exit 9\necho "${pid}, 2048"\n`, { mode: 0o755 });
  const savedPath = process.env.PATH;
  afterAll(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('should report the driver\'s figure for its process once nvidia-smi answers', async () => {
    process.env.PATH = `${dir}${path.delimiter}${savedPath}`;
    const sampler = new GpuMemorySampler(pid).start();
    try {
      await vi.waitFor(() => expect(sampler.latest()).toEqual({ allocatedMb: 2147.5, reservedMb: 2147.5 }), { timeout: 5_000, interval: 20 });
    } finally {
      sampler.stop();
    }
  });

  it('should report nothing, and warn once, when nvidia-smi cannot run', async () => {
    process.env.PATH = path.join(dir, 'empty');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sampler = new GpuMemorySampler(pid).start();
    try {
      await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1), { timeout: 5_000, interval: 20 });
      expect(sampler.latest()).toBeUndefined();
    } finally {
      sampler.stop();
      warn.mockRestore();
    }
  });
});
