/**
 * Tail sampling scaled out (a short version of what make scenario-sampling runs): two
 * front Collectors routing by trace id to two tail-sampling Collectors keep every
 * faulted trace whole; the same fronts each sampling what they see store some split.
 */
import { describe, expect, it } from 'vitest';
import { loadSamplingConfig } from '../../assertions/sampling/config.ts';
import { runScaleOut } from '../../assertions/sampling/scale-out.ts';
import { loadScenario } from '../../assertions/scenario/config.ts';
import { testPipelinePorts } from './helpers/pipeline.ts';
import { testStackConfig } from './helpers/stack.ts';

const cfg = loadSamplingConfig({ short: true });
const base = loadScenario('baseline', { short: true, env: {} });
const quiet = () => {};

describe('scale-out', () => {
  it('should keep every faulted trace whole when the fronts route by trace id, and store some split when each front samples alone', async () => {
    const r = await runScaleOut(testStackConfig(), cfg.scale_out, { pipelineEnv: testPipelinePorts(), entities: base.entities, log: quiet });
    console.log(`scale-out: ${r.faulted} faulted of ${r.requests}; by trace id ${r.by_trace_id.whole} whole / ${r.by_trace_id.partial} partial / ${r.by_trace_id.missing} missing; split ${r.split.whole} / ${r.split.partial} / ${r.split.missing}; spans per front ${r.spans_per_front.join('/')}, per back ${r.spans_per_back.join('/')}; late spans at the backs: ${r.late_spans_at_backs.sampled} after a keep, ${r.late_spans_at_backs.not_sampled} after a drop`);
    expect(r.faulted).toBeGreaterThan(10);
    expect(r.spans_per_front.every((n) => n > 0) && r.spans_per_back.every((n) => n > 0)).toBe(true);
    expect(r.by_trace_id).toEqual({ whole: r.faulted, partial: 0, missing: 0 });
    expect(r.split.partial).toBeGreaterThan(0);
  });
});
