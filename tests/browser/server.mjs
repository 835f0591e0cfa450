// What every browser test file needs: the built service started on a fresh SQLite database of
// its own with the demo data and a fixed clock, on a free loopback port.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINARY = path.join(ROOT, 'target', 'debug', 'kado');
export const CHROMIUM = process.env.KADO_CHROMIUM || '/usr/bin/chromium';
export const CLOCK_START = '2026-11-24T09:00:00+09:00'; // Tuesday; Shiojiri is open 8:30-18:00
export const PASSWORD = 'kado-demo';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port nobody listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server on a database of its own, with `extraEnv` added to its settings; answers
 * {base, dir, stop(), output()} once GET /readyz answers.
 */
export async function startServer(extraEnv = {}) {
  if (!existsSync(BINARY)) {
    throw new Error(`The server binary ${BINARY} is missing: run \`cargo build\` in ${ROOT} first.`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kado-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH || '/usr/bin:/bin',
    HOME: process.env.HOME || dir,
    DATABASE_URL: `sqlite://${dir}/kado.db?mode=rwc`,
    KADO_BIND: `127.0.0.1:${port}`,
    KADO_DEMO: 'true',
    KADO_CLOCK_START: CLOCK_START,
    MAIL_DIR: path.join(dir, 'mail'),
    RUST_LOG: 'warn',
    ...extraEnv,
  };
  const child = spawn(BINARY, [], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve();
  }));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`The server exited (${JSON.stringify(exited)}) before it was ready:\n${output}`);
    }
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The server did not answer GET /readyz within 60 s:\n${output}`);
    }
    await sleep(100);
  }
  return { base, dir, stop, output: () => output };
}
