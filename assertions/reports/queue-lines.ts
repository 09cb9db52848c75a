/** The queue-wait lines of the terminal table and of report.html. */
import { SEED_QUEUE_POLICY_MS, type QueueDistribution } from '../verdict/queue-ratio.ts';

const quants = (r: Record<string, number>): string => Object.entries(r).map(([k, x]) => `${k} ${x}`).join(', ');

/** The queue against the forward pass, and what the seed's query could and could not see. */
export function queueLines(q: QueueDistribution, measured: boolean): string[] {
  return [
    `  queued requests (${q.measured} measured): queue_wait_ms ${quants(q.queue_wait_ms)}; forward_pass_ms ${quants(q.forward_pass_ms)}; ratio ${quants(q.ratio)}`,
    `  waits no longer than their own forward pass (the seed's query cannot see them): ${q.not_longer_than_forward} of ${q.measured}; ` +
      `waits >= ${SEED_QUEUE_POLICY_MS} ms (the seed's queue policy): ${q.over_seed_queue_policy}` +
      (measured ? '; recall is reported as it is for this pattern, not judged' : ''),
  ];
}
