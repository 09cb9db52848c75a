/**
 * The shape every pipeline service shares: it is composed from components (the cache,
 * the model pool, the tokenizer...), an app is built over them, and the app is served.
 * Keeping the three steps apart is what lets a caller that is not the service itself
 * (a test, or whatever runs the service) inspect or replace a component before the
 * app is built, without the service knowing who did.
 */
import type { Server } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import { loadPipelineConfig, type PipelineConfig } from '../config.ts';
import type { PipelineServiceId } from '../services.ts';
import { telemetryFromEnv } from '../telemetry/env.ts';
import type { Telemetry } from '../telemetry/sdk.ts';
import { runService, type ServiceHandle } from './run.ts';

export interface ServiceDefinition<C extends object> {
  id: PipelineServiceId;
  /** The service.name resource attribute (semconv Services). */
  serviceName: string;
  port(cfg: PipelineConfig): number;
  /** Builds the components the service works with. */
  compose(cfg: PipelineConfig, telemetry: Telemetry): Promise<C>;
  /** The HTTP app over these components. */
  app(cfg: PipelineConfig, telemetry: Telemetry, components: C): Express;
  /** Releases what compose acquired (worker threads, the store's file). */
  close?(components: C): Promise<void> | void;
}

/** What the runner of a service may add around it. */
export interface ServeExtras {
  /** Run before the service's routes on every request. */
  middleware?: RequestHandler[];
  /** Closed with the service when it drains. */
  extraServers?: Server[];
  /** Runs at drain, before the service's own close. */
  onClose?: () => Promise<void> | void;
}

export function serve<C extends object>(
  def: ServiceDefinition<C>, cfg: PipelineConfig, telemetry: Telemetry, components: C, extras: ServeExtras = {},
): Promise<ServiceHandle> {
  let app = def.app(cfg, telemetry, components);
  if (extras.middleware?.length) {
    const outer = express();
    outer.use(...extras.middleware);
    outer.use(app);
    app = outer;
  }
  return runService({
    name: def.serviceName, app, host: cfg.PIPELINE_HOST, port: def.port(cfg), telemetry,
    graceMs: cfg.SHUTDOWN_GRACE_MS, extraServers: extras.extraServers,
    onClose: async () => {
      await extras.onClose?.();
      await def.close?.(components);
    },
  });
}

/** A service's own entry point: configuration from the environment, compose, serve. */
export async function runMain<C extends object>(def: ServiceDefinition<C>): Promise<void> {
  const cfg = loadPipelineConfig();
  const telemetry = telemetryFromEnv(def.serviceName);
  await serve(def, cfg, telemetry, await def.compose(cfg, telemetry));
}
