/**
 * The container engine behind the containers provider: a Docker-API socket that
 * testcontainers talks to. DOCKER_HOST is used when set; otherwise, when podman is
 * installed, the harness starts its own `podman system service` on a socket in a
 * temporary folder and stops it afterwards (no engine is left running on the machine).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess } from './process.ts';
import { REPO_ROOT } from './tools.ts';
import { waitFor } from './wait.ts';

/** The committed podman settings: runc, cgroupfs, ulimits inside a CI machine's hard limits. */
export const PODMAN_CONF = path.join(REPO_ROOT, 'docker/podman/containers.conf');
export const ENGINE_READY_TIMEOUT_MS = 30_000;

/** No engine can run here; the message says why and what to install. */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

export interface ContainerEngine {
  /** The CLI that builds images into this engine's storage (podman or docker). */
  readonly cli: 'podman' | 'docker';
  /** unix:///... or tcp://... as testcontainers reads it from DOCKER_HOST. */
  readonly dockerHost: string;
  /** Environment for the CLI (CONTAINERS_CONF for podman). */
  readonly cliEnv: NodeJS.ProcessEnv;
  /** Stops the engine service when the harness started it; otherwise does nothing. */
  stop(): Promise<void>;
}

export function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** GET /_ping on the socket; true when the engine answers OK. */
function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/**
 * Finds or starts an engine. Sets the process-wide variables testcontainers reads once,
 * on first use: DOCKER_HOST, no Ryuk (its image cannot be pulled; the provider removes
 * its own containers), and loopback as the host of every published port.
 */
export async function startEngine(logDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ContainerEngine> {
  // Absolute: podman's helper processes do not run in this process's working folder.
  const podmanConf = path.resolve(env.CONTAINERS_CONF ?? PODMAN_CONF);
  // DOCKER_HOST as the user set it, not as an earlier start in this process set it.
  const userHost = env.DOCKER_HOST && env.DOCKER_HOST !== ownSocketUrl() ? env.DOCKER_HOST : undefined;
  let engine: ContainerEngine;
  if (userHost) {
    const cli = onPath('docker') ? 'docker' : 'podman';
    engine = { cli, dockerHost: userHost, cliEnv: { ...env, CONTAINERS_CONF: podmanConf }, stop: async () => {} };
  } else if (onPath('podman')) {
    engine = await startPodmanService(logDir, { ...env, CONTAINERS_CONF: podmanConf });
  } else {
    throw new EngineUnavailableError(
      'no container engine: DOCKER_HOST is not set and podman is not installed (Debian: apt-get install -y podman runc)',
    );
  }
  process.env.DOCKER_HOST = engine.dockerHost;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  return engine;
}

/**
 * The socket of the podman service this process starts. One path per process:
 * testcontainers keeps the DOCKER_HOST it first saw for the life of the process, so a
 * later stack in the same process (a second test) must find its service at the same place.
 * Under the temporary folder, because a unix socket path must stay under ~108 bytes.
 */
function ownSocketDir(): string {
  return path.join(os.tmpdir(), `harness-podman-${process.pid}`);
}
function ownSocketUrl(): string {
  return `unix://${path.join(ownSocketDir(), 'podman.sock')}`;
}

async function startPodmanService(logDir: string, env: NodeJS.ProcessEnv): Promise<ContainerEngine> {
  const dir = ownSocketDir();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socket = path.join(dir, 'podman.sock');
  const proc = ManagedProcess.start({
    name: 'podman-service', command: 'podman', args: ['system', 'service', '--time=0', `unix://${socket}`],
    env, logDir, stopGraceMs: 5_000,
  });
  try {
    await waitFor(async () => ((await ping(socket)) ? true : undefined), {
      what: `podman system service to answer on ${socket}`, timeoutMs: ENGINE_READY_TIMEOUT_MS, abortIf: () => proc.deathReason(),
    });
  } catch (err) {
    await proc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw new EngineUnavailableError(`podman is installed but its API service did not start: ${(err as Error).message}`);
  }
  // The socket folder goes with this process even when stop() is never reached (Ctrl-C, stack-up).
  const removeDir = (): void => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  return {
    cli: 'podman',
    dockerHost: `unix://${socket}`,
    cliEnv: env,
    stop: async () => {
      await proc.stop();
      removeDir();
      process.removeListener('exit', removeDir);
    },
  };
}

/**
 * Whether an engine answers here (`podman info`, or `docker info` for a DOCKER_HOST):
 * tests use it to report themselves skipped, with the reason. An engine that answers but
 * cannot start a container is not skipped: that fails the test, with the engine's error.
 * Returns undefined when an engine answers, or the reason none does.
 */
export function engineProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!env.DOCKER_HOST && !onPath('podman')) {
    return 'no container engine (DOCKER_HOST unset, podman not installed)';
  }
  const cli = env.DOCKER_HOST && onPath('docker') ? 'docker' : 'podman';
  const r = spawnSync(cli, ['info'], { env: { ...env, CONTAINERS_CONF: path.resolve(env.CONTAINERS_CONF ?? PODMAN_CONF) }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return `${cli} info failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]}`;
  return undefined;
}
