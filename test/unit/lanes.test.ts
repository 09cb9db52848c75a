import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE, DIGEST_MAX_CHARS, DIGEST_TAIL_LINES, failureDigest, integrationFiles, laneProblems, LANES, LEAD_ALONE, splitLead } from '../lanes.ts';
import { testPorts } from '../integration/helpers/scenario-command.ts';
import { RELAY_SLOTS } from '../integration/helpers/scenario-suite.ts';
import { SLOT_PORT_STRIDE, WORKER_PORT_STRIDE } from '../integration/helpers/stack.ts';

/** The first port of the kernel's ephemeral range (Linux default 32768-60999). */
const EPHEMERAL_FROM = 32_768;
/** HARNESS_TEST_WORKERS=2 is the most a lane is run with. */
const MAX_WORKERS = 2;

describe('integration lanes', () => {
  it('should run the scenario file first and alone in the first lane, the rest of it after, on the same ports and priority', () => {
    const { lead, follow } = splitLead(LANES[0]!);
    expect(lead.files).toEqual([LEAD_ALONE]);
    expect(follow.files).toEqual(LANES[0]!.files.filter((f) => f !== LEAD_ALONE));
    expect([lead.portOffset, follow.portOffset, lead.nice, follow.nice]).toEqual([LANES[0]!.portOffset, LANES[0]!.portOffset, LANES[0]!.nice, LANES[0]!.nice]);
    expect(() => splitLead({ name: 'x', files: ['faults'], nice: 0, portOffset: 0 })).toThrow(`lane x has no ${LEAD_ALONE} file to run first`);
  });

  it('should put every integration file in exactly one lane, and name no file that is not there', () => {
    expect(laneProblems()).toEqual([]);
    expect(integrationFiles().length).toBeGreaterThan(0);
  });

  it('should name a file in no lane, in two, and one that does not exist', () => {
    const lanes = [
      { name: 'a', files: ['x', 'y'], nice: 0, portOffset: 0 },
      { name: 'b', files: ['y', 'ghost'], nice: BACKGROUND_NICE, portOffset: 1 },
    ];
    expect(laneProblems(lanes, ['x', 'y', 'z'])).toEqual([
      'test/integration/y.test.ts is in lanes a and b',
      'test/integration/z.test.ts is in no lane',
      'lane b names ghost, which has no test/integration/ghost.test.ts',
    ]);
  });

  it('should give each lane its own ports and run the load-sensitive lane at normal priority', () => {
    expect(new Set(LANES.map((l) => l.portOffset)).size).toBe(LANES.length);
    expect(LANES[0]!.nice).toBe(0);
  });

  it('should give no two slots, workers or lanes a port in common, none a default port, and keep all below the ephemeral range', () => {
    const owners = new Map<number, string>([...testPorts(0)].map((p) => [p, 'the defaults'] as const));
    const clashes: string[] = [];
    for (const lane of LANES) for (let w = 0; w < MAX_WORKERS; w++) for (let slot = 0; slot < RELAY_SLOTS; slot++) {
      const who = `lane ${lane.name}, worker ${w + 1}, slot ${slot}`;
      for (const p of testPorts(lane.portOffset + w * WORKER_PORT_STRIDE + slot * SLOT_PORT_STRIDE)) {
        if (owners.has(p)) clashes.push(`${p}: ${owners.get(p)} and ${who}`);
        if (p >= EPHEMERAL_FROM) clashes.push(`${p} (${who}) is in the ephemeral range`);
        owners.set(p, who);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('should print a failed job\'s vitest failure sections without colours, and the last lines of a log that has none', () => {
    const log = [
      '\x1b[32m✓\x1b[39m test/integration/a.test.ts (3 tests)',
      '⎯⎯⎯⎯⎯⎯⎯ \x1b[31mFailed Tests 1\x1b[39m ⎯⎯⎯⎯⎯⎯⎯',
      ' FAIL  test/integration/b.test.ts > b > should hold',
      'AssertionError: expected 0.98 to be 1',
      '',
      ' Test Files  1 failed | 1 passed (2)',
      '      Tests  1 failed | 3 passed (4)',
    ].join('\n');
    expect(failureDigest(log)).toBe('⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯\n FAIL  test/integration/b.test.ts > b > should hold\nAssertionError: expected 0.98 to be 1');
    const crash = Array.from({ length: DIGEST_TAIL_LINES + 5 }, (_, i) => `line ${i}`).join('\n');
    expect(failureDigest(crash).split('\n')).toEqual(Array.from({ length: DIGEST_TAIL_LINES }, (_, i) => `line ${i + 5}`));
    const long = `⎯⎯⎯ Failed Tests 9 ⎯⎯⎯\n${'x'.repeat(DIGEST_MAX_CHARS * 2)}`;
    expect(failureDigest(long)).toMatch(new RegExp(`^⎯⎯⎯ Failed Tests 9 ⎯⎯⎯\\nx+\\n\\[\\.\\.\\. cut at ${DIGEST_MAX_CHARS} characters\\]$`));
  });
});
