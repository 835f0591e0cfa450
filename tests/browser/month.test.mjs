// A worker's month and its approval in a real browser against the real server (issue 18).
//
// Worker01 checks in at the kiosk at 09:00 and out at 12:00 (the service clock moves on). On
// the phone page "My month" they allocate 09:00-11:30 to their project, see an overlapping
// remote entry refused next to its field, enter remote hours of the 20th, and once the month is
// over (the clock moves to December) submit it. The director opens the month review, opens the
// worker's month and approves it. axe-core finds no serious or critical violation on either
// page; no page error, no console error, no other host.
//
// Run: node --test tests/browser/month.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AXE, axeCheck, launchBrowser, pageAs, session, startServer, watchPage } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));



test('a worker allocates and submits a month, a director approves it', { timeout: 180_000 }, async (t) => {
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer({ KADO_TEST_CLOCK: 'true' });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const advance = async (seconds) => {
    const r = await fetch(`${base}/test/clock/advance?seconds=${seconds}`, { method: 'POST' });
    assert.equal(r.status, 200, 'the test clock hook is served');
  };
  const w1 = await session(base, 'worker01@kado.example');
  const director = await session(base, 'director@shiojiri.kado.example');
  const w1id = (await w1.get('/api/v1/auth/me')).id;

  // At the kiosk: in at 09:00, out at 12:00.
  const paired = await fetch(`${base}/api/v1/kiosk/pair`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: '20262026' }),
  });
  const token = (await paired.json()).token;
  const scan = async () => {
    const r = await fetch(`${base}/api/v1/kiosk/scan`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ credential: (await w1.qr()).payload }),
    });
    assert.equal(r.status, 200, await r.text());
  };
  await w1.call('POST', '/api/v1/bookings', { site_id: 1, date: '2026-11-24', start: '09:00', end: '13:00', attributes: [] });
  await scan();
  await advance(3 * 3600);
  await scan();

  browser = await launchBrowser();
  const phone = await pageAs(browser, base, w1, { width: 390, height: 844 });
  await phone.page.goto(`${base}/app/#/month`);
  await phone.page.locator('#entry-form').waitFor();
  assert.match(await phone.page.locator('#total-center').innerText(), /3時間0分/);
  await axeCheck(phone.page, 'my month');

  // Allocate the morning to the project.
  await phone.page.locator('#entry-kind').selectOption('center');
  await phone.page.locator('#entry-date').fill('2026-11-24');
  await phone.page.locator('#entry-start').fill('09:00');
  await phone.page.locator('#entry-end').fill('11:30');
  await phone.page.locator('#entry-save').click();
  await phone.page.locator('#entry-list li').first().waitFor();
  assert.match(await phone.page.locator('#total-unallocated').innerText(), /0時間30分/);

  // Remote hours over the time at the center: refused, said next to the start field.
  await phone.page.locator('#entry-kind').selectOption('remote');
  await phone.page.locator('#entry-date').fill('2026-11-24');
  await phone.page.locator('#entry-start').fill('11:40');
  await phone.page.locator('#entry-end').fill('11:50');
  await phone.page.locator('#entry-note').fill('データ入力');
  await phone.page.locator('#entry-save').click();
  await phone.page.locator('#entry-start-error:not([hidden])').waitFor();
  assert.match(await phone.page.locator('#entry-start-error').innerText(), /センターにいた時間\(11\/24 09:00-12:00\)/);
  assert.equal(await phone.page.locator('#entry-start').getAttribute('aria-invalid'), 'true');

  // Remote hours of Friday evening.
  await phone.page.locator('#entry-date').fill('2026-11-20');
  await phone.page.locator('#entry-start').fill('19:00');
  await phone.page.locator('#entry-end').fill('21:00');
  await phone.page.locator('#entry-save').click();
  await phone.page.locator('#entry-list li').nth(1).waitFor();
  assert.match(await phone.page.locator('#total-all').innerText(), /5時間0分/);

  // December: November is over and can be submitted.
  await advance(7 * 86400);
  await phone.page.goto(`${base}/app/#/month?m=2026-11`);
  await phone.page.reload();
  await phone.page.locator('#month-submit').click();
  await phone.page.locator('#month-state[data-status="submitted"]').waitFor();
  assert.match(await phone.page.locator('#history-list').innerText(), /提出/);
  await axeCheck(phone.page, 'my month submitted');

  // The director approves.
  const desk = await pageAs(browser, base, director, { width: 1280, height: 800 });
  await desk.page.goto(`${base}/director/`);
  await desk.page.locator(`#open-${w1id}`).click();
  await desk.page.locator('#do-approve').waitFor();
  await axeCheck(desk.page, 'director month review');
  await desk.page.locator('#do-approve').click();
  await desk.page.locator('#detail-state[data-status="approved"]').waitFor();
  await desk.page.locator(`#status-${w1id}[data-status="approved"]`).waitFor();
  const month = await w1.get('/api/v1/me/months/2026-11?site_id=1');
  assert.equal(month.status, 'approved');
  assert.equal(month.total_minutes, 300);

  assert.deepEqual(phone.problems, []);
  assert.deepEqual(desk.problems, []);
});
