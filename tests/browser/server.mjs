// What every browser test file needs: the built service started on a fresh SQLite database of
// its own with the demo data and a fixed clock, on a free loopback port.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINARY = path.join(ROOT, 'target', 'debug', 'kado');
export const CHROMIUM = process.env.KADO_CHROMIUM || '/usr/bin/chromium';
export const CLOCK_START = '2026-11-24T09:00:00+09:00'; // Tuesday; Shiojiri is open 8:30-18:00
export const PASSWORD = 'kado-demo';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A person's session from node, to prepare data and to check what the pages did: answers
 * {cookie, send, call, get, qr}. `send` answers {status, body} whatever the status; `call`
 * asserts the status is one of `expect` and answers the body; `get` asserts 200.
 */
export async function session(base, email) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `login as ${email}: ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  assert.ok(cookie, `login as ${email} set no cookie`);
  const send = async (method, p, body) => {
    const r = await fetch(`${base}${p}`, {
      method,
      headers: { Cookie: cookie, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null, text };
  };
  const call = async (method, p, body, expect = [200, 201, 204]) => {
    const r = await send(method, p, body);
    assert.ok(expect.includes(r.status), `${method} ${p} as ${email}: ${r.status} ${r.text}`);
    return r.body;
  };
  const get = (p) => call('GET', p, undefined, [200]);
  return { cookie, send, call, get, qr: () => get('/api/v1/me/qr') };
}

/** Debian's chromium, headless, driven by playwright-core; a clear error when it is missing. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No browser at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk (or set KADO_CHROMIUM).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Puts a page's errors and console errors into `problems`, except the browser's note about a
 * 4xx answer (and, while `allowNetErrors()` says so, about a request the test cut).
 */
export function watchPage(page, problems, allowNetErrors = () => false) {
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack || err}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/^Failed to load resource: the server responded with a status of 4\d\d\b/.test(text)) return;
    if (allowNetErrors() && /^Failed to load resource: net::ERR_/.test(text)) return;
    problems.push(`console error: ${text} (${msg.location().url})`);
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
  const env = {
    PATH: process.env.PATH || '/usr/bin:/bin',
    HOME: process.env.HOME || dir,
    DATABASE_URL: `sqlite://${dir}/kado.db?mode=rwc`,
    // Port 0: the server takes a free port and names it in its banner, so no other process can
    // take the port between choosing and binding it.
    KADO_BIND: '127.0.0.1:0',
    KADO_DEMO: 'true',
    // The tests book and count on the base demo; demo.test.mjs turns the history on.
    KADO_DEMO_HISTORY: 'false',
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
  let base = null;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`The server exited (${JSON.stringify(exited)}) before it was ready:\n${output}`);
    }
    const listening = output.match(/\(listening on ([\d.]+:\d+)\)/);
    if (listening) base = `http://${listening[1]}`;
    try {
      if (base && (await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The server did not answer GET /readyz within 60 s:\n${output}`);
    }
    await sleep(100);
  }
  return { base, dir, stop, output: () => output };
}

/** Where the tests' axe-core is (npm ci --prefix tests/browser). */
export const AXE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', 'axe-core', 'axe.min.js');

/** Runs axe-core on the page; fails on any serious or critical violation. */
export async function axeCheck(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(await readFile(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe-core found serious or critical violations`);
}

/**
 * A page in a fresh context logged in as `who` (a session()), Japanese, Tokyo time; answers
 * {context, page, problems}: requests to another host and page errors are collected.
 */
export async function pageAs(browser, base, who, viewport) {
  const context = await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const problems = [];
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') problems.push(`request to another host: ${req.url()}`);
  });
  const [name, value] = who.cookie.split(';')[0].split('=');
  await context.addCookies([{ name, value, url: base }]);
  const page = await context.newPage();
  watchPage(page, problems);
  return { context, page, problems };
}
