// The KPI page in a real browser against the real server (issue 21).
//
// A director opens the KPI page, sees their city's table, trend charts (inline SVG, each
// with its table) and funnel; enters a negative order and reads the refusal next to the
// amount, then a right one, which the table counts, and edits it (a negative amount and
// another city refused next to their fields). An administrator sees the total and reads the
// page in English. A municipality viewer sees their city only, without names. axe-core
// finds no serious or critical violation; no page error, no other host.
//
// Run: node --test tests/browser/kpi.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { AXE, axeCheck, launchBrowser, pageAs, session, startServer } from './server.mjs';

test('directors, administrators and a city viewer read the KPIs', { timeout: 180_000 }, async (t) => {
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer();
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const director = await session(base, 'director@shiojiri.kado.example');
  const admin = await session(base, 'admin@kado.example');
  const year = new Date().getMonth() >= 3 ? new Date().getFullYear() : new Date().getFullYear() - 1;
  browser = await launchBrowser();

  const ordersOf = async () => (await director.get(`/api/v1/kpi/years/${year}`)).scopes[0].kpis.find((k) => k.key === 'orders_yen').actual;
  const before = await ordersOf();

  // The director: Shiojiri's table, charts and funnel.
  const d = await pageAs(browser, base, director, { width: 1280, height: 900 });
  await d.page.goto(`${base}/kpi/`);
  await d.page.locator('#tables table').first().waitFor();
  assert.equal(await d.page.locator('#tables table').count(), 1, 'one city for the director');
  assert.match(await d.page.locator('#tables caption').first().innerText(), /塩尻/);
  assert.equal(await d.page.locator('#trend svg[role="img"]').count(), 5);
  assert.equal(await d.page.locator('#funnel table').count(), 1);
  await axeCheck(d.page, 'the KPI page (director)');

  // A negative order: refused next to the amount.
  await d.page.locator('#order-ordered_on').fill(`${year}-05-01`);
  await d.page.locator('#order-amount').fill('-5');
  await d.page.getByRole('button', { name: '追加する' }).click();
  await d.page.locator('#order-amount-error:not([hidden])').waitFor();
  assert.equal(await d.page.locator('#order-amount').getAttribute('aria-invalid'), 'true');
  assert.match(await d.page.locator('#order-amount-error').innerText(), /0円以上/);
  await axeCheck(d.page, 'the KPI page with an error');
  // A right one: counted in the table.
  await d.page.locator('#order-amount').fill('123456');
  await d.page.getByRole('button', { name: '追加する' }).click();
  await d.page.locator('#entry-status.ok').waitFor();
  await d.page.locator('#orders td', { hasText: '123,456' }).first().waitFor();
  const after = await ordersOf();
  assert.equal(after, before + 123456);
  await d.page.locator('#tables td', { hasText: after.toLocaleString('ja-JP') }).first().waitFor();
  // Edit it: a negative amount, then another city (not the director's): each refused next
  // to its field; then a right amount, counted.
  await d.page.getByRole('button', { name: /123,456円を編集/ }).click();
  await d.page.locator('#edit-form').waitFor();
  assert.equal(await d.page.evaluate(() => document.activeElement.id), 'edit-ordered_on');
  await d.page.locator('#edit-amount').fill('-1');
  await d.page.locator('#edit-form').getByRole('button', { name: '保存する' }).click();
  await d.page.locator('#edit-amount-error:not([hidden])').waitFor();
  assert.equal(await d.page.locator('#edit-amount').getAttribute('aria-invalid'), 'true');
  await d.page.locator('#edit-amount').fill('654321');
  const omachiId = (await director.get('/api/v1/municipalities')).find((m) => m.name_en === 'Omachi').id;
  await d.page.locator('#edit-municipality_id').selectOption(String(omachiId));
  await d.page.locator('#edit-form').getByRole('button', { name: '保存する' }).click();
  await d.page.locator('#edit-municipality_id-error:not([hidden])').waitFor();
  assert.equal(await d.page.locator('#edit-amount').getAttribute('aria-invalid'), null);
  await axeCheck(d.page, 'the order edit form with an error');
  await d.page.locator('#edit-municipality_id').selectOption('');
  await d.page.locator('#edit-form').getByRole('button', { name: '保存する' }).click();
  await d.page.locator('#orders td', { hasText: '654,321' }).first().waitFor();
  assert.equal(await d.page.locator('#edit-form').count(), 0);
  assert.equal(await ordersOf(), before + 654321);
  // A chart's table alternative opens from the keyboard.
  const summary = d.page.locator('#trend details summary').first();
  await summary.focus();
  await d.page.keyboard.press('Enter');
  await d.page.locator('#trend details[open] table').first().waitFor();

  // The administrator: every city and the total, in English.
  const a = await pageAs(browser, base, admin, { width: 1280, height: 900 });
  await a.page.goto(`${base}/kpi/`);
  await a.page.locator('#tables table').first().waitFor();
  await a.page.locator('#lang-toggle').click();
  await a.page.locator('#tables caption', { hasText: 'Total' }).waitFor();
  assert.ok(await a.page.locator('#cost-form').isVisible());
  assert.ok(await a.page.locator('#target-form').isVisible());
  await axeCheck(a.page, 'the KPI page (administrator, English)');
  // The committee's single-year and cumulative targets are entered on the page too.
  await a.page.locator('#target-kpi').selectOption('earners');
  await a.page.locator('#target-year_target').fill('90');
  await a.page.locator('#target-cumulative_target').fill('140');
  await a.page.locator('#target-form button[type="submit"]').click();
  let saved = null;
  for (let i = 0; i < 50 && !saved; i += 1) {
    const targets = await admin.get(`/api/v1/kpi/years/${year}/targets`);
    saved = targets.find((x) => x.kpi === 'earners' && x.municipality_id === null && x.year_target === 90);
    if (!saved) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(saved, 'the targets were saved');
  assert.equal(saved.cumulative_target, 140);

  // A viewer of Omachi: one city, no names, no forms.
  const me = await session(base, 'worker30@kado.example');
  const viewerId = (await me.get('/api/v1/auth/me')).id;
  const omachi = (await admin.get('/api/v1/municipalities')).find((m) => m.name_en === 'Omachi');
  await admin.call('PUT', `/api/v1/kpi/viewers/${omachi.id}/${viewerId}`);
  const v = await pageAs(browser, base, me, { width: 390, height: 844 });
  await v.page.goto(`${base}/kpi/`);
  await v.page.locator('#tables table').first().waitFor();
  assert.equal(await v.page.locator('#tables table').count(), 1);
  assert.match(await v.page.locator('#tables caption').first().innerText(), /大町/);
  await v.page.locator('#funnel', { hasText: '個人名は表示されません' }).waitFor();
  assert.ok(await v.page.locator('#entry').isHidden());
  await axeCheck(v.page, 'the KPI page (municipality viewer, phone)');

  assert.deepEqual([...d.problems, ...a.problems, ...v.problems], []);
});
