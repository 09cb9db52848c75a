/**
 * This process's GPU memory as the driver sees it, for ml.gpu.memory_allocated_mb and
 * ml.gpu.memory_reserved_mb. onnxruntime-node exposes no allocator statistics to
 * JavaScript (there is no torch.cuda.memory_allocated()), so both come from the driver's
 * per-process figure (nvidia-smi, over NVML): what the process holds on the device,
 * ORT's arena and the CUDA context included. `reserved` is that figure; `allocated` is
 * the same figure, an upper bound on what tensors really use, since the driver cannot
 * see inside the arena. On the CPU provider there is no sampler and the attributes are
 * absent, never zero.
 */
import { execFile } from 'node:child_process';

/** How often the driver is asked: nvidia-smi takes tens of milliseconds, far too slow per request. */
export const GPU_MEMORY_REFRESH_MS = 1_000;
const NVIDIA_SMI = 'nvidia-smi';
const QUERY = ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'];
/** nvidia-smi reports MiB; the seed's attributes are in MB (10^6 bytes). */
const MB_PER_MIB = 1.048576;

export interface GpuMemory {
  allocatedMb: number;
  reservedMb: number;
}

/** This pid's line of `nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits`. */
export function parseComputeApps(text: string, pid: number): GpuMemory | undefined {
  let mib = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const [p, used] = line.split(',').map((s) => s.trim());
    if (Number(p) !== pid || used === undefined || !/^\d+(\.\d+)?$/.test(used)) continue;
    mib += Number(used);
    seen = true;
  }
  if (!seen) return undefined;
  const mb = Math.round(mib * MB_PER_MIB * 10) / 10;
  return { allocatedMb: mb, reservedMb: mb };
}

/** Reads the driver's figure in the background; `latest()` is what the last read said. */
export class GpuMemorySampler {
  private last: GpuMemory | undefined;
  private timer: NodeJS.Timeout | undefined;
  private warned = false;
  private readonly pid: number;

  constructor(pid: number = process.pid) {
    this.pid = pid;
  }

  start(): this {
    const read = () => execFile(NVIDIA_SMI, QUERY, { timeout: GPU_MEMORY_REFRESH_MS }, (err, stdout) => {
      if (err) {
        this.last = undefined;
        if (!this.warned) console.warn(`inference: cannot read GPU memory with ${NVIDIA_SMI} (${err.message}); ml.gpu.memory_* left out`);
        this.warned = true;
        return;
      }
      this.last = parseComputeApps(stdout, this.pid);
    });
    read();
    this.timer = setInterval(read, GPU_MEMORY_REFRESH_MS).unref();
    return this;
  }

  latest(): GpuMemory | undefined {
    return this.last;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
