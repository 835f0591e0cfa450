// The entrance kiosk in a real browser against the real server.
//
// Starts target/debug/kado on a fresh SQLite database with the demo data and a fixed clock
// (KADO_CLOCK_START: a Tuesday morning when the Shiojiri site is open), pairs the kiosk page
// with the demo code, and checks, on Debian's chromium driven by playwright-core:
//   - a worker's QR code typed by a keyboard-wedge reader checks in (green screen, Japanese),
//     and, the service's clock moved 61 s on (KADO_TEST_CLOCK), in English, checks out (blue
//     screen);
//   - a scan that cannot reach the server is kept with its time, counted as waiting, and sent
//     when the server answers again (the worker is then checked in on the server);
//   - the camera path: frames are sent to /api/v1/kiosk/decode and the code read is scanned,
//     once, although it stays in front of the camera.
// The three run side by side (one kiosk device, three browser windows, three workers).
// Screenshots go to target/browser-artifacts/. Any page error, any console error other than
// the browser's note about a 4xx answer (or the request this test cuts on purpose), and any
// request to a host other than 127.0.0.1 fail the test.
//
// Run: node --test tests/browser/  (after cargo build; scripts/test does both)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { launchBrowser, ROOT, session, sleep, startServer, watchPage } from './server.mjs';

const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');
const PAIRING_CODE = '20262026';
const REPEAT_WAIT_S = 61; // a second scan within 60 s only shows the state

const GREEN = 'rgb(11, 107, 43)';
const BLUE = 'rgb(10, 74, 156)';
const RED = 'rgb(179, 22, 27)';

/**
 * A browser window on the kiosk, watched for page errors, console errors and requests to
 * other hosts. `allowNetErrors` lets the test cut requests on purpose.
 */
async function kioskPage(browser, base, { token = null, init = null } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    reducedMotion: 'reduce', // no colour transition: the result's colour is final at once
  });
  const problems = [];
  const watch = { allowNetErrors: false };
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') problems.push(`request to another host: ${req.method()} ${req.url()}`);
  });
  if (token) {
    await context.addInitScript((t) => window.localStorage.setItem('kado.kiosk.token', t), token);
  }
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  watchPage(page, problems, () => watch.allowNetErrors);
  await page.goto(`${base}/kiosk/`);
  return { context, page, problems, watch };
}

async function shot(page, name) {
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  return file;
}

/** Types like a keyboard-wedge reader: the characters, then Enter, into whatever has focus. */
async function wedgeScan(page, payload) {
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'scan-input',
    null, { timeout: 5000 });
  await page.keyboard.type(payload, { delay: 5 });
  await page.keyboard.press('Enter');
}

async function resultOf(page, outcome, timeout = 10_000) {
  const result = page.locator(`#scan-result[data-outcome="${outcome}"]`);
  try {
    await result.waitFor({ state: 'visible', timeout });
  } catch (err) {
    const now = await page.locator('#scan-result').evaluate((e) => `${e.dataset.outcome}: ${e.textContent}`);
    throw new Error(`expected the ${outcome} screen, the page shows ${JSON.stringify(now)}`, { cause: err });
  }
  return {
    text: await result.innerText(),
    background: await result.evaluate((e) => getComputedStyle(e).backgroundColor),
  };
}

// A camera for the page: a canvas stream showing whatever QR code the test puts on it.
// BarcodeDetector is removed so that the frames go to the server (Chromium on Linux has none).
function fakeCamera() {
  delete window.BarcodeDetector;
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 480;
  const ctx = canvas.getContext('2d');
  let code = null;
  setInterval(() => {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (code) ctx.drawImage(code, 170, 90, 300, 300);
  }, 100);
  window.__kadoShowCode = (svg) => new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      code = img;
      resolve();
    };
    img.onerror = reject;
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
  if (!navigator.mediaDevices) return;
  navigator.mediaDevices.enumerateDevices = async () => [
    { kind: 'videoinput', deviceId: 'fake', groupId: 'fake', label: 'Test camera' },
  ];
  navigator.mediaDevices.getUserMedia = async () => canvas.captureStream(10);
}

test('entrance kiosk in a browser', { timeout: 240_000, concurrency: true }, async (t) => {
  const started = Date.now();
  await mkdir(ARTIFACTS, { recursive: true });
  const server = await startServer({ KADO_TEST_CLOCK: 'true' });
  let browser = null;
  const windows = [];
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
    t.diagnostic(`browser test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  browser = await launchBrowser();

  // Pair the kiosk with the demo code.
  const main = await kioskPage(browser, server.base);
  windows.push(main);
  const { page } = main;
  await page.locator('#pair-code').fill(PAIRING_CODE);
  await page.locator('#pair-button').click();
  await page.locator('#kiosk-screen').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.getElementById('today').textContent.includes('開館'));
  assert.match(await page.locator('#clock').innerText(), /^09:0\d$/, 'the clock shows the site time from the server');
  await shot(page, '01-paired.png');
  const token = await page.evaluate(() => window.localStorage.getItem('kado.kiosk.token'));
  assert.ok(token, 'the device token is kept in localStorage');

  await Promise.all([
    t.test('a wedge-reader scan checks in, and 61 s later checks out (ja, then en)', async () => {
      const worker = await session(server.base, 'worker01@kado.example');
      await wedgeScan(page, (await worker.qr()).payload);
      const checkedIn = await resultOf(page, 'checked_in');
      assert.match(checkedIn.text, /チェックイン/);
      assert.equal(checkedIn.background, GREEN);
      assert.equal(await page.locator('#scan-result').getAttribute('data-sound'), 'ok', 'the success beep played');
      await shot(page, '02-checked-in.png');

      // Back to the idle screen after about 5 s, the scan field still focused.
      await page.locator('#scan-result').waitFor({ state: 'hidden', timeout: 8000 });
      await page.locator('#lang-toggle').click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      assert.match(await page.locator('label[for="scan-input"]').innerText(), /Hold your card/);

      // The service's clock moves on instead of the test waiting a minute of real time.
      const moved = await fetch(`${server.base}/test/clock/advance?seconds=${REPEAT_WAIT_S}`, { method: 'POST' });
      assert.equal(moved.status, 200, 'the test clock hook is served (KADO_TEST_CLOCK)');
      await wedgeScan(page, (await worker.qr()).payload);
      const checkedOut = await resultOf(page, 'checked_out');
      assert.match(checkedOut.text, /Checked out/);
      assert.equal(checkedOut.background, BLUE);
      await shot(page, '03-checked-out.png');
    }),

    t.test('a scan made while the server cannot be reached is kept and sent later', async () => {
      const w = await kioskPage(browser, server.base, { token });
      windows.push(w);
      await w.page.locator('#kiosk-screen').waitFor({ state: 'visible' });
      await w.page.waitForFunction(() => document.getElementById('today').textContent.includes('開館'));
      // The network is down for the scan API (retries included) until the route is removed.
      let cut = 0;
      const offline = (route) => {
        cut += 1;
        return route.abort('internetdisconnected');
      };
      w.watch.allowNetErrors = true;
      await w.page.route('**/api/v1/kiosk/scan', offline);

      const worker = await session(server.base, 'worker03@kado.example');
      await wedgeScan(w.page, (await worker.qr()).payload);
      const kept = await resultOf(w.page, 'kept');
      assert.match(kept.text, /サーバーに接続できません/);
      assert.match(kept.text, /保存/);
      const pending = w.page.locator('#pending-count');
      await pending.waitFor({ state: 'visible' });
      assert.equal(await pending.getAttribute('data-count'), '1');
      assert.match(await pending.innerText(), /1/);
      assert.deepEqual(
        await w.page.evaluate(() => JSON.parse(window.localStorage.getItem('kado.kiosk.kept')).length), 1);
      await shot(w.page, '04-offline-kept.png');
      // Back on the idle screen: the waiting scan is counted, the banner says why.
      await w.page.locator('#scan-result').waitFor({ state: 'hidden', timeout: 8000 });
      assert.equal(await pending.getAttribute('data-count'), '1');
      assert.match(await w.page.locator('#offline-banner').innerText(), /サーバーに接続できません/);
      await shot(w.page, '05-offline-waiting.png');

      await w.page.unroute('**/api/v1/kiosk/scan', offline);
      assert.ok(cut >= 1);
      await w.page.waitForSelector('#pending-count[data-count="0"]', { state: 'attached', timeout: 25_000 });
      assert.equal(await pending.isHidden(), true);
      // The kept scan reached the server with its time: the worker is checked in.
      const bookings = await worker.get('/api/v1/bookings');
      assert.ok(bookings.some((b) => b.status === 'checked_in'),
        `worker03 should be checked in after the kept scan was sent: ${JSON.stringify(bookings)}`);
    }),

    t.test('the camera reads a QR code through /api/v1/kiosk/decode, once', async () => {
      const w = await kioskPage(browser, server.base, { token, init: fakeCamera });
      windows.push(w);
      const decodes = [];
      const scans = [];
      w.page.on('request', (req) => {
        if (req.url().endsWith('/api/v1/kiosk/decode')) decodes.push(req.headers()['content-type']);
        if (req.url().endsWith('/api/v1/kiosk/scan')) scans.push(req.postData());
      });
      await w.page.locator('#kiosk-screen').waitFor({ state: 'visible' });
      const button = w.page.locator('#camera-button');
      await button.waitFor({ state: 'visible' });

      const worker = await session(server.base, 'worker02@kado.example');
      const qr = await worker.qr();
      await w.page.evaluate((svg) => window.__kadoShowCode(svg), qr.svg);
      await button.click();
      await w.page.waitForSelector('#camera-button[aria-expanded="true"]');
      assert.ok(await w.page.locator('#camera-panel').isVisible(), 'the camera picture is shown');
      const checkedIn = await resultOf(w.page, 'checked_in', 15_000);
      assert.match(checkedIn.text, /チェックイン/);
      assert.ok(decodes.length >= 1 && decodes.every((c) => c === 'image/jpeg'), `decode requests: ${decodes}`);
      await shot(w.page, '06-camera-checked-in.png');

      // The code stays in front of the camera: it is not scanned again.
      await w.page.locator('#scan-result').waitFor({ state: 'hidden', timeout: 8000 });
      await shot(w.page, '07-camera-idle.png');
      await sleep(2000);
      assert.equal(scans.length, 1, `one scan for a code held in view, got ${scans.length}`);
      assert.equal(JSON.parse(scans[0]).credential, qr.payload);
      await button.click();
      await w.page.locator('#camera-panel').waitFor({ state: 'hidden' });
    }),

    t.test('a refusal is red, a wrong PIN too; children to hand over are listed', async () => {
      const w = await kioskPage(browser, server.base, { token });
      windows.push(w);
      await w.page.locator('#kiosk-screen').waitFor({ state: 'visible' });
      // A code the server does not know: its real 404 answer.
      await wedgeScan(w.page, 'KADO1.999.1.r1.00000000000000000000');
      const refused = await resultOf(w.page, 'error');
      assert.match(refused.text, /登録されていません/);
      assert.equal(refused.background, RED);
      assert.equal(await w.page.locator('#scan-result').getAttribute('data-sound'), 'refused', 'the refusal beep played');
      await shot(w.page, '08-refused.png');

      // A wrong PIN on the PIN pad: refused in red, and the kiosk stays paired (a 401 that is
      // not kiosk.unpaired).
      await w.page.locator('#pin-button').click();
      await w.page.locator('#pin-dialog').waitFor({ state: 'visible' });
      // Before the PIN: the member number the service understood ("4" is K-0004), or that
      // nobody has it.
      const key = (k) => w.page.locator(`#keypad button[data-key="${k}"]`).click();
      await key('9');
      await key('9');
      await w.page.locator('#pin-understood.unknown').waitFor({ state: 'visible' });
      assert.match(await w.page.locator('#pin-understood').innerText(), /見つかりません/);
      await key('clear');
      await key('4');
      await w.page.locator('#pin-pin').focus(); // moving on looks it up at once
      await w.page.locator('#pin-understood[data-member="K-0004"]').waitFor({ state: 'visible' });
      assert.match(await w.page.locator('#pin-understood').innerText(), /会員番号 K-0004/);
      await shot(w.page, '08b-member-understood.png');
      await key('clear'); // (the PIN field is active: nothing in it yet)
      await w.page.locator('#pin-member').fill('');
      await w.page.locator('#pin-member').focus();
      await w.page.keyboard.type('K-0004');
      await w.page.locator('#pin-pin').focus();
      for (const key of '9090') await w.page.locator(`#keypad button[data-key="${key}"]`).click();
      const sent = w.page.waitForRequest('**/api/v1/kiosk/scan');
      await w.page.locator('#pin-submit').click();
      assert.equal(JSON.parse((await sent).postData()).credential, 'PIN:K-0004:9090');
      const wrongPin = await resultOf(w.page, 'error');
      assert.match(wrongPin.text, /PIN/);
      assert.ok(await w.page.locator('#kiosk-screen').isVisible(), 'still paired after a wrong PIN');
      assert.equal(await w.page.locator('#pin-pin').inputValue(), '', 'no PIN left in the page');

      // The children list, from a scan answer shaped as the API documents it.
      const answer = {
        outcome: 'checked_in',
        message: '佐藤 花子さん、チェックインしました。席: D-03。佐藤 陽翔、佐藤 結衣を保育士にお預けください。',
        person_name: '佐藤 花子',
        space: 'D-03',
        children: ['佐藤 陽翔', '佐藤 結衣'],
        minutes_today: null,
        delayed: false,
      };
      await w.page.route('**/api/v1/kiosk/scan', (route) => route.fulfill({ status: 200, json: answer }));
      await wedgeScan(w.page, 'A1B2C3D4E5F6');
      await resultOf(w.page, 'checked_in');
      assert.deepEqual(await w.page.locator('#scan-result li').allInnerTexts(), answer.children);
      const shown = await w.page.locator('#scan-result').innerText();
      assert.equal(shown.split('保育士にお預けください').length - 1, 1, `the hand-over is said once: ${shown}`);
      await shot(w.page, '09-children.png');
      await w.page.unrouteAll();
    }),
  ]);

  for (const w of windows) assert.deepEqual(w.problems, [], 'no page errors, console errors or outside requests');
});
