import { describe, expect, it } from 'vitest';
import { parseComputeApps } from '../../target-pipeline/inference/gpu-memory.ts';

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
