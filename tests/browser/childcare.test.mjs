// The childcare room's tablet (/childcare/) in a real browser against the real server.
//
// Starts target/debug/kado on its own fresh SQLite database with the demo data and a fixed
// clock (KADO_CLOCK_START: Tuesday 2026-11-24 09:00 in Shiojiri; both caregivers on duty),
// and checks on Debian's chromium at 1024x768 (a tablet, touch), driven by playwright-core:
//   - worker15 books a place for a one-year-old; the director sets nap checks to every minute
//     so that moving the service clock a minute (KADO_TEST_CLOCK) makes a check late;
//   - the caregiver taps the child to receive them (drop-off), starts a nap, waits past the
//     check's due time: the child's card turns red; two checks (on back, then on side) are
//     tapped, and the nap ends;
//   - the caregiver hands the child to the guardian, chosen by name;
//   - the day's record lists the drop-off, the nap with its two checks and the pick-up;
//   - the guardian's phone (#/today) shows dropped off, the nap and collected.
// Every page is checked with axe-core (no "serious" or "critical" violations); touch targets
// of the tablet are at least 48 px; screenshots go to target/browser-artifacts/childcare-*.png.
// Any page error, console error other than the browser's note about a 4xx answer, and any
// request to a host other than 127.0.0.1 fail the test.
//
// Run: node --test tests/browser/childcare.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, ROOT, session, startServer, watchPage } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');
const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const TODAY = '2026-11-24';
const SITE = 1;
const CHILD = '鈴木 結衣';

/** A browser context logged in with a session's cookie. */
async function contextFor(browser, base, who, viewport, mobile = false) {
  const context = await browser.newContext({
    viewport,
    isMobile: mobile,
    hasTouch: true,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    reducedMotion: 'reduce',
  });
  const problems = [];
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') problems.push(`request to another host: ${req.method()} ${req.url()}`);
  });
  await context.addCookies(who.cookie.split('; ').map((pair) => {
    const i = pair.indexOf('=');
    return { name: pair.slice(0, i), value: pair.slice(i + 1), url: base };
  }));
  const page = await context.newPage();
  watchPage(page, problems);
  return { context, page, problems };
}

/** axe-core on the page as it is: no serious or critical violations. Answers the rest. */
async function axeCheck(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(await readFile(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe-core found serious or critical violations`);
  return violations.map((v) => `${name}: ${v.impact} ${v.id} (${v.nodes.join(', ')})`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

/** Every visible button and text field of the page is at least 48 px high and wide. */
async function touchTargets(page, name) {
  const small = await page.evaluate(() => [...document.querySelectorAll('main button, main input, main select')]
    .filter((el) => el.offsetParent !== null)
    .map((el) => ({ el: el.textContent || el.id, r: el.getBoundingClientRect() }))
    .filter(({ r }) => r.height < 48 || r.width < 48)
    .map(({ el, r }) => `${el} ${Math.round(r.width)}x${Math.round(r.height)}`));
  assert.deepEqual(small, [], `${name}: touch targets under 48 px`);
}

test('childcare tablet in a browser', { timeout: 300_000 }, async (t) => {
  const started = Date.now();
  const minor = [];
  await mkdir(ARTIFACTS, { recursive: true });
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer({ KADO_TEST_CLOCK: 'true' });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
    t.diagnostic(`childcare browser test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const m of minor) t.diagnostic(`axe (minor/moderate): ${m}`);
  });
  const { base } = server;
  const director = await session(base, 'director@shiojiri.kado.example');
  const caregiver = await session(base, 'caregiver@shiojiri.kado.example');
  const parent = await session(base, 'worker15@kado.example');
  const me = await parent.get('/api/v1/auth/me');
  const child = await parent.call('POST', '/api/v1/children', { name: CHILD, name_kana: 'スズキ ユイ', birth_date: '2025-08-01', allergies: '卵' });
  const made = await parent.call('POST', '/api/v1/childcare/bookings', {
    site_id: SITE, date: TODAY, start: '09:15', end: '13:00', child_ids: [child.id], desk: { attributes: [] },
  });
  const place = made.places[0].id;
  // A second child, received by the director at another screen while the tablet is open.
  const other = await session(base, 'worker16@kado.example');
  const otherChild = await other.call('POST', '/api/v1/children', { name: '小林 葵', name_kana: 'コバヤシ アオイ', birth_date: '2024-02-14' });
  const otherPlace = (await other.call('POST', '/api/v1/childcare/bookings', {
    site_id: SITE, date: TODAY, start: '09:00', end: '12:00', child_ids: [otherChild.id], desk: { attributes: [] },
  })).places[0].id;
  const settings = await director.get(`/api/v1/sites/${SITE}/childcare-settings`);
  await director.call('PUT', `/api/v1/sites/${SITE}/childcare-settings`, { ...settings, nap_check_minutes: [1, 1, 1] });

  browser = await launchBrowser();
  const tab = await contextFor(browser, base, caregiver, { width: 1024, height: 768 });
  const { page } = tab;
  const streamed = page.waitForRequest((r) => r.url().endsWith(`/api/v1/sites/${SITE}/live/stream`));
  await page.goto(`${base}/childcare/`);
  const card = page.locator(`li[data-place="${place}"]`);
  await card.waitFor({ state: 'visible' });
  assert.equal(await card.getAttribute('data-status'), 'expected');
  assert.match(await card.textContent(), /卵/, 'allergies on the card');
  assert.equal(await page.locator('#brand').innerText(), 'KADO 塩尻市テレワークセンター', 'the header names the site');
  minor.push(...await axeCheck(page, 'tablet'));
  await touchTargets(page, 'tablet');
  await shot(page, 'childcare-tablet.png');

  // The tablet follows the site's event stream, not a timer: a hand-over recorded elsewhere
  // shows at once, without a reload.
  await streamed;
  await page.locator(`li[data-place="${otherPlace}"][data-status="expected"]`).waitFor();
  await director.call('POST', `/api/v1/childcare/bookings/${otherPlace}/drop-off`);
  await page.locator(`li[data-place="${otherPlace}"][data-status="here"]`).waitFor({ timeout: 10_000 });

  // Drop-off: one tap on the child.
  await card.getByRole('button', { name: `${CHILD}さんを受け入れる` }).tap();
  await page.locator(`li[data-place="${place}"][data-status="here"]`).waitFor();
  minor.push(...await axeCheck(page, 'tablet-here'));

  // A nap: started, then late once its minute has passed, then two checks.
  await card.getByRole('button', { name: '午睡を始める' }).tap();
  await card.getByRole('button', { name: '呼吸よし・あおむけ' }).waitFor();
  assert.equal(await card.evaluate((el) => el.classList.contains('late')), false);
  // The service's clock moves on a minute instead of the test waiting for it.
  const moved = await fetch(`${base}/test/clock/advance?seconds=62`, { method: 'POST' });
  assert.equal(moved.status, 200, 'the test clock hook is served (KADO_TEST_CLOCK)');
  await page.reload();
  await page.locator(`li[data-place="${place}"].late`).waitFor();
  assert.match(await page.locator('#alerts').textContent(), /午睡チェックが遅れています/);
  const red = await card.evaluate((el) => getComputedStyle(el).borderTopColor);
  assert.equal(red, 'rgb(164, 22, 26)', 'a late check turns the card red');
  minor.push(...await axeCheck(page, 'tablet-late'));
  await shot(page, 'childcare-late.png');
  await card.getByRole('button', { name: '呼吸よし・あおむけ' }).tap();
  await card.getByText(/前回 \d\d:\d\d・あおむけ/).waitFor();
  assert.equal(await card.evaluate((el) => el.classList.contains('late')), false, 'checked: no longer late');
  await card.getByRole('button', { name: '呼吸よし・横向き' }).tap();
  await card.getByText(/前回 \d\d:\d\d・横向き/).waitFor();
  await card.getByRole('button', { name: '起床(午睡終了)' }).tap();
  await card.getByRole('button', { name: '午睡を始める' }).waitFor();

  // A note, then the pick-up to the guardian chosen by name.
  await card.getByLabel('内容').fill('よく眠りました');
  await card.getByRole('button', { name: '記録する' }).tap();
  await card.getByText('よく眠りました').waitFor();
  await card.getByRole('button', { name: `${me.name}さん(保護者)に渡す` }).tap();
  await page.locator(`li[data-place="${place}"][data-status="collected"]`).waitFor();
  minor.push(...await axeCheck(page, 'tablet-collected'));
  await shot(page, 'childcare-collected.png');

  // English, one tap.
  await page.locator('#lang-toggle').tap();
  await page.getByRole('heading', { name: "Today's children" }).waitFor();
  assert.equal(await page.locator('#brand').innerText(), 'KADO Shiojiri Telework Center');
  minor.push(...await axeCheck(page, 'tablet-en'));
  await page.locator('#lang-toggle').tap();

  const record = await caregiver.get(`/api/v1/sites/${SITE}/childcare/record?date=${TODAY}`);
  const entry = record.children.find((c) => c.place.id === place);
  assert.equal(entry.naps.length, 1);
  assert.deepEqual(entry.naps[0].checks.map((c) => c.position), ['back', 'side']);
  assert.equal(entry.handover.collected_by, me.name);

  // The printable record.
  await page.goto(`${base}/childcare/record.html?site=${SITE}&date=${TODAY}`);
  const row = page.locator('table.record tbody tr', { hasText: CHILD });
  await row.waitFor();
  assert.match(await row.textContent(), /あおむけ.*横向き/);
  assert.match(await row.textContent(), new RegExp(me.name));
  assert.equal(await page.locator('#brand').innerText(), 'KADO 塩尻市テレワークセンター');
  minor.push(...await axeCheck(page, 'record'));
  await shot(page, 'childcare-record.png');

  // The guardian's phone.
  const phone = await contextFor(browser, base, parent, { width: 360, height: 740 }, true);
  await phone.page.goto(`${base}/app/#/today`);
  await phone.page.getByRole('heading', { name: CHILD }).waitFor();
  const text = await phone.page.locator('main').textContent();
  assert.match(text, /お預かり 09:\d\d/);
  assert.match(text, /よく眠りました/);
  assert.match(text, /お迎え \d\d:\d\d/);
  minor.push(...await axeCheck(phone.page, 'guardian-today'));
  await shot(phone.page, 'childcare-guardian.png');

  assert.deepEqual(tab.problems, [], 'tablet page problems');
  assert.deepEqual(phone.problems, [], 'phone page problems');
});
