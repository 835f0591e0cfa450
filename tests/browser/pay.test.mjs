// My pay page in a real browser against the real server (issue 19).
//
// The job (every second here) sends worker01 the terms notice of their demo assignment; on
// the phone page "Pay" they read and acknowledge it, see a wrong bank code refused next to its
// field, and save their account with the holder in full-width kana, shown back in half-width
// kana. axe-core finds no serious or critical violation; no page error, no console error, no
// other host.
//
// Run: node --test tests/browser/pay.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AXE, axeCheck, launchBrowser, session, startServer, watchPage } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));


test('a worker acknowledges their terms and enters their bank account', { timeout: 120_000 }, async (t) => {
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer({ KADO_JOB_INTERVAL: '1' });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const w1 = await session(base, 'worker01@kado.example');
  let terms = [];
  for (let i = 0; i < 50 && terms.length === 0; i += 1) {
    terms = await w1.get('/api/v1/me/terms');
    if (terms.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(terms.length > 0, 'the job sent the demo assignment its terms');

  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const problems = [];
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') problems.push(`request to another host: ${req.url()}`);
  });
  const [name, value] = w1.cookie.split(';')[0].split('=');
  await context.addCookies([{ name, value, url: base }]);
  const page = await context.newPage();
  watchPage(page, problems);

  await page.goto(`${base}/app/#/pay`);
  const card = page.locator(`[data-terms="${terms[0].id}"]`);
  await card.waitFor();
  assert.match(await card.innerText(), /時給/);
  await axeCheck(page, 'my pay');
  await card.getByRole('button', { name: '確認しました' }).click();
  await card.locator('.hint').waitFor();
  const after = await w1.get('/api/v1/me/terms');
  assert.ok(after.find((x) => x.id === terms[0].id).acknowledged_at);

  // A wrong bank code: said next to the field.
  await page.locator('#bank-code').fill('12');
  await page.locator('#branch-code').fill('123');
  await page.locator('#account-number').fill('1234567');
  await page.locator('#account-holder').fill('ヤマダ タロウ');
  await page.getByRole('button', { name: '口座を保存する' }).click();
  await page.locator('#bank-code-error:not([hidden])').waitFor();
  assert.equal(await page.locator('#bank-code').getAttribute('aria-invalid'), 'true');
  await axeCheck(page, 'my pay with an error');
  await page.locator('#bank-code').fill('0001');
  await page.getByRole('button', { name: '口座を保存する' }).click();
  await page.locator('#pay-status.ok').waitFor();
  assert.equal(await page.locator('#account-holder').inputValue(), 'ﾔﾏﾀﾞ ﾀﾛｳ');
  const me = await w1.get('/api/v1/auth/me');
  const account = await w1.get(`/api/v1/people/${me.id}/bank-account`);
  assert.equal(account.bank_code, '0001');

  assert.deepEqual(problems, []);
});
