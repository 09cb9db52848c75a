/**
 * The third stack provider: a team's own Collector and Tempo (their staging), started by
 * nobody here. start() checks every endpoint (external-preflight.ts) and hands back where
 * they answer and how Tempo is to be called; stop() has nothing to stop. The pipeline and
 * k6 are still the harness's, and export to the team's Collector.
 */
import type { StackConfig } from './config.ts';
import { ConfigError } from './config.ts';
import { preflight, type PreflightReport } from './external-preflight.ts';
import { authHeaders, type ExternalSettings } from './external-settings.ts';
import type { RunningStack, StackEndpoints, StackProvider, TempoAccess } from './provider.ts';

export class ExternalStackProvider implements StackProvider {
  readonly kind = 'external' as const;
  readonly settings: ExternalSettings;

  constructor(settings: ExternalSettings) {
    this.settings = settings;
  }

  async start(cfg: StackConfig): Promise<ExternalRunningStack> {
    if (cfg.collectorLayers?.files.length) {
      // Policy sets become pipelines of the harness's own Collector; a team's is not ours to reconfigure.
      throw new ConfigError('POLICIES needs a Collector the harness starts (its sets are added as pipelines of it); STACK=external uses yours as it is: run the lab on STACK=local');
    }
    const t0 = performance.now();
    const headers = authHeaders(this.settings.auth);
    const report = await preflight(this.settings, headers);
    const s = this.settings;
    const endpoints: StackEndpoints = { tempoUrl: s.tempoUrl, otlpHttpUrl: s.otlpHttpUrl, ...(s.prometheusUrl ? { prometheusUrl: s.prometheusUrl } : {}) };
    return new ExternalRunningStack(endpoints, cfg, { tenants: s.tenants, headers }, s.samplingWaitMs, report, Math.round(performance.now() - t0));
  }
}

export class ExternalRunningStack implements RunningStack {
  readonly kind = 'external' as const;
  readonly endpoints: StackEndpoints;
  readonly config: StackConfig;
  readonly tempo: TempoAccess;
  /** The longest the team's Collector takes to store a tail-sampling decision (HARNESS_EXTERNAL_SAMPLING_WAIT). */
  readonly samplingWaitMs: number;
  readonly preflight: PreflightReport;
  /** Here: how long the preflight took. */
  readonly readyMs: number;

  constructor(endpoints: StackEndpoints, config: StackConfig, tempo: TempoAccess, samplingWaitMs: number, report: PreflightReport, readyMs: number) {
    this.endpoints = endpoints;
    this.config = config;
    this.tempo = tempo;
    this.samplingWaitMs = samplingWaitMs;
    this.preflight = report;
    this.readyMs = readyMs;
  }

  /** Nothing was started. */
  async stop(): Promise<void> {}
}
