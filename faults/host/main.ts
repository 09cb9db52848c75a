/**
 * Runs one pipeline service with its faults: `node faults/host/main.ts <service>`.
 * The service is composed exactly as its own main.ts composes it; then each fault the
 * registry gives this service is bound to the components, and the few that must see a
 * component's calls put their stand-ins in place before the app is built. The service
 * code is the same either way and knows nothing of this.
 */
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';
import { loadPipelineConfig } from '../../target-pipeline/config.ts';
import { serve } from '../../target-pipeline/service/definition.ts';
import { PIPELINE_SERVICE_IDS, type PipelineServiceId } from '../../target-pipeline/services.ts';
import { telemetryFromEnv } from '../../target-pipeline/telemetry/env.ts';
import { startFaultServer } from '../admin/fault-server.ts';
import { startFrontDoor } from '../admin/front-door.ts';
import { loadFaultConfig } from '../config.ts';
import { loadFaults } from '../extra-faults.ts';
import { BoundFault } from '../fault.ts';
import { FiredLog } from '../fired.ts';
import { Ledger } from '../ledger.ts';
import { faultsOwnedBy } from '../registry.ts';
import { requestLog } from './request-log.ts';
import { SERVICE_DEFINITIONS } from './services.ts';

const id = process.argv[2] as PipelineServiceId;
if (!(PIPELINE_SERVICE_IDS as readonly string[]).includes(id)) {
  console.error(`usage: node faults/host/main.ts <${PIPELINE_SERVICE_IDS.join('|')}> (got '${process.argv[2] ?? ''}')`);
  process.exit(2);
}
const def = SERVICE_DEFINITIONS[id];
const cfg = loadPipelineConfig();
const faultCfg = loadFaultConfig();
const all = await loadFaults(faultCfg.HARNESS_EXTRA_FAULTS);
const telemetry = telemetryFromEnv(def.serviceName);
const components = await def.compose(cfg, telemetry);

const servers: Server[] = [];
const middleware: RequestHandler[] = [];
let bound: BoundFault<any, any>[] = [];
if (faultCfg.FAULT_INJECTION === 'on') {
  const fired = new FiredLog();
  bound = faultsOwnedBy(id, all).map((m) => new BoundFault(m, components, fired.recorderFor(m.name)));
  // Each wrap sees the components as the faults before it left them (a snapshot, so a
  // stand-in never ends up delegating to itself).
  for (const f of bound) Object.assign(components, f.runtime.wrap?.({ ...components }));
  servers.push(await startFaultServer({
    service: id, host: faultCfg.ADMIN_HOST, port: faultCfg.endpointPorts[id], token: faultCfg.FAULT_ADMIN_TOKEN!, faults: bound, fired,
  }));
}
if (id === 'gateway') {
  // The front door answers 403 when injection is off, so a refusal is explicit.
  const ledger = new Ledger();
  servers.push(await startFrontDoor(faultCfg, ledger, all));
  if (faultCfg.FAULT_INJECTION === 'on') middleware.push(requestLog(ledger));
}
await serve(def, cfg, telemetry, components, {
  middleware, extraServers: servers,
  onClose: () => bound.forEach((f) => f.reset()),
});
