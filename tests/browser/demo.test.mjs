// What a newcomer's `cargo run` shows, in a real browser (the demo's history): on the clock's
// Tuesday in November, the director's pay page lists October's approved months with their
// amounts and September's payment run; worker01's pay page shows September paid and October
// due; the caregivers' tablet lists today's five children as expected. axe-core finds no
// serious or critical violation on any of them; no page error, no console error.
//
// Run: node --test tests/browser/demo.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { AXE, axeCheck, launchBrowser, pageAs, session, startServer } from './server.mjs';

test('the demo history fills the pay pages and the tablet', { timeout: 120_000 }, async (t) => {
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer({ KADO_DEMO_HISTORY: 'true' });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  browser = await launchBrowser();
  const desk = { width: 1280, height: 900 };

  const d = await pageAs(browser, base, await session(base, 'director@shiojiri.kado.example'), desk);
  await d.page.goto(`${base}/director/pay.html`);
  const rows = d.page.locator('#payments tbody tr');
  await rows.first().waitFor();
  assert.equal(await d.page.locator('#month-input').inputValue(), '2026-10');
  assert.ok((await rows.count()) >= 10, 'October lists the project workers');
  assert.match(await d.page.locator('#payments').innerText(), /¥|円/);
  await axeCheck(d.page, 'director pay, October');
  await d.page.locator('#month-input').fill('2026-09');
  await d.page.locator('#month-input').dispatchEvent('change');
  await d.page.getByText('2026-10-25').first().waitFor();
  await axeCheck(d.page, 'director pay, September paid');

  const w = await pageAs(browser, base, await session(base, 'worker01@kado.example'), { width: 390, height: 844 });
  await w.page.goto(`${base}/app/#/pay`);
  await w.page.locator('.statement[data-month="2026-10"]').getByText(/支払期日/).waitFor();
  await w.page.locator('#pay-month').fill('2026-09');
  await w.page.locator('#pay-month').dispatchEvent('change');
  await w.page.locator('.statement[data-month="2026-09"]').getByText(/に支払済み/).waitFor();
  await axeCheck(w.page, 'worker pay with statements');

  const c = await pageAs(browser, base, await session(base, 'caregiver@shiojiri.kado.example'), { width: 1024, height: 768 });
  await c.page.goto(`${base}/childcare/`);
  await c.page.locator('li[data-status="expected"]').first().waitFor();
  assert.equal(await c.page.locator('li[data-place][data-status="expected"]').count(), 5);
  await axeCheck(c.page, 'tablet with the day\u2019s children');

  assert.deepEqual([...d.problems, ...w.problems, ...c.problems], []);
});
