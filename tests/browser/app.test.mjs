// The worker's phone pages (/app/) in a real browser against the real server.
//
// Starts target/debug/kado on its own fresh SQLite database with the demo data and a fixed
// clock (KADO_CLOCK_START: Tuesday 2026-11-24 09:00 in Shiojiri; both caregivers on duty
// whenever the site opens in the four weeks after), and checks on Debian's chromium at
// 360x740 (a phone, touch), driven by playwright-core:
//   - worker01 logs in and books "a desk with a monitor + childcare for 佐藤 春翔" from the
//     home screen; then, with the remembered preferences, books tomorrow 9:00-13:00 again in
//     at most 6 interactions (taps and fields filled are counted), and gets the e-mail;
//   - the day at a glance shows the desk just taken;
//   - a recurring booking (Tuesdays) skips a day the director closed, says why, and one day
//     and then the rest of the series are cancelled;
//   - with a caregiver's shift removed the room is full: the refusal is shown in Japanese
//     next to the childcare field with everything typed kept; the worker joins the waitlist
//     and sees number 1, and is promoted when the shift comes back;
//   - My QR shows a code the kiosk API accepts, and renews it (worker02, side by side);
//   - children: an adult allowed to pick up gets a code shown once, and is withdrawn;
//   - settings: a PIN typed with the keyboard alone, a wrong current password shown next to
//     its field, and one-tap English saved to the account.
// Every page is checked with axe-core (no "serious" or "critical" violations) and for
// horizontal overflow at 360 px; screenshots go to target/browser-artifacts/app-*.png. Any
// page error, console error other than the browser's note about a 4xx answer, and any request
// to a host other than 127.0.0.1 fail the test.
//
// Run: node --test tests/browser/  (after cargo build; scripts/test does both)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, PASSWORD, ROOT, session, sleep, startServer, watchPage } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');
const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const TODAY = '2026-11-24';
const TOMORROW = '2026-11-25';
const PAIRING_CODE = '20262026';
const SITE = 1; // Shiojiri in the demo data
const MAX_INTERACTIONS = 6;

/** A phone: 360x740, touch, Japanese, watched for page errors and outside requests. */
async function phone(browser) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
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
  const newPage = async () => {
    const page = await context.newPage();
    watchPage(page, problems);
    return page;
  };
  return { context, page: await newPage(), newPage, problems };
}

/** Presses Tab until the element with this id (or matching the test) has focus. */
async function tabTo(page, want, max = 60) {
  const test = typeof want === 'string' ? (id) => id === want : want;
  for (let i = 0; i < max; i++) {
    const id = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (test(id)) return id;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${want}`);
}

/** Counts what a person does: each tap, each field filled, each option chosen. */
class Hands {
  constructor(page) {
    this.page = page;
    this.count = 0;
  }

  async tap(locator) {
    this.count += 1;
    await locator.tap();
  }

  async fill(locator, value) {
    this.count += 1;
    await locator.fill(value);
  }

  async choose(locator, value) {
    this.count += 1;
    await locator.selectOption(value);
  }
}

async function shot(page, name, { full = false } = {}) {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: full });
}

/** axe-core on the page as it is: no serious or critical violations. Answers the rest. */
async function axeCheck(page, name) {
  // Evaluated through the DevTools protocol: a <script> tag added to the page would be refused
  // by the page's Content-Security-Policy, as it should be.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(await readFile(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe-core found serious or critical violations`);
  return violations.map((v) => `${name}: ${v.impact} ${v.id} (${v.nodes.join(', ')})`);
}

async function noOverflow(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${name} is ${width} px wide on a 360 px screen`);
}

async function view(page, hash, ready) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.locator(ready).first().waitFor({ state: 'visible' });
}

async function logIn(page, base, email) {
  await page.goto(`${base}/`);
  await page.locator('#login-section').waitFor({ state: 'visible' });
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#login-button').tap();
  await page.waitForURL(`${base}/app/`);
  await page.locator('#book-form .chips').waitFor({ state: 'visible' });
}

/** The .eml files written for one address. */
async function mailsTo(dir, email) {
  let names = [];
  try {
    names = await readdir(path.join(dir, 'mail'));
  } catch {
    return [];
  }
  const out = [];
  for (const n of names.filter((x) => x.endsWith('.eml'))) {
    const text = await readFile(path.join(dir, 'mail', n), 'utf8');
    if (text.split(/\r?\n/).some((line) => /^To:/i.test(line) && line.includes(email))) out.push(text);
  }
  return out;
}

test('worker phone pages in a browser', { timeout: 300_000 }, async (t) => {
  const started = Date.now();
  const timings = {};
  const minor = [];
  await mkdir(ARTIFACTS, { recursive: true });
  if (!existsSync(AXE)) {
    throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  }
  const server = await startServer({ KADO_JOB_INTERVAL: '1' });
  let browser = null;
  const phones = [];
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
    t.diagnostic(`app browser test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  browser = await launchBrowser();
  const { base } = server;
  const director = await session(base, 'director@shiojiri.kado.example');
  const worker = await session(base, 'worker01@kado.example');
  const haruto = (await worker.get('/api/v1/children')).find((c) => c.name === '佐藤 春翔');
  assert.ok(haruto, 'worker01 has the child 佐藤 春翔');
  const paired = await fetch(`${base}/api/v1/kiosk/pair`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: PAIRING_CODE }),
  });
  assert.equal(paired.status, 200, 'the demo kiosk pairs');
  const kioskToken = (await paired.json()).token;
  const scan = async (credential) => {
    const r = await fetch(`${base}/api/v1/kiosk/scan`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${kioskToken}` },
      body: JSON.stringify({ credential }),
    });
    return { status: r.status, body: await r.json() };
  };

  await Promise.all([
    t.test('worker01: book, glance, recur, waitlist, children, settings', async () => {
      const p = await phone(browser);
      phones.push(p);
      const { page } = p;

      // ---- log in on the phone: workers land on /app/
      await page.goto(`${base}/`);
      await page.locator('#login-section').waitFor({ state: 'visible' });
      minor.push(...await axeCheck(page, 'login'));
      await shot(page, 'app-00-login.png');
      let t0 = Date.now();
      await logIn(page, base, 'worker01@kado.example');
      timings.login = Date.now() - t0;
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
      assert.equal(await page.locator(`#date-${TOMORROW}`).isChecked(), true, 'tomorrow is chosen by default');
      // The skip link is the first stop of the keyboard and lands on the content.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'skip-link');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
      await noOverflow(page, 'home');
      minor.push(...await axeCheck(page, 'home'));
      await shot(page, 'app-01-home.png');

      // ---- the first booking: everything chosen by hand (this sets the preferences)
      const first = new Hands(page);
      t0 = Date.now();
      await first.tap(page.locator('label[for="date-2026-11-26"]'));
      await first.choose(page.locator('#book-start'), '09:00');
      await first.choose(page.locator('#book-end'), '13:00');
      await first.tap(page.locator('#book-attr-monitor'));
      await first.tap(page.locator(`#book-child-${haruto.id}`));
      await first.tap(page.locator('#book-submit'));
      await page.locator('#book-result[data-outcome="booked"]').waitFor({ state: 'visible' });
      timings.firstBooking = Date.now() - t0;
      timings.firstInteractions = first.count;
      assert.match(await page.locator('#book-result').innerText(), /11月26日/);

      // ---- the next visit: the form remembers; tomorrow 9:00-13:00, monitor, Haruto
      await page.goto(`${base}/app/`);
      await page.locator('#book-form .chips').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#book-start').inputValue(), '09:00');
      assert.equal(await page.locator('#book-end').inputValue(), '13:00');
      assert.equal(await page.locator('#book-attr-monitor').isChecked(), true);
      assert.equal(await page.locator(`#book-child-${haruto.id}`).isChecked(), true);
      const hands = new Hands(page);
      t0 = Date.now();
      await hands.tap(page.locator(`label[for="date-${TOMORROW}"]`));
      await hands.tap(page.locator('#book-submit'));
      const result = page.locator('#book-result[data-outcome="booked"]');
      await result.waitFor({ state: 'visible' });
      timings.rememberedBooking = Date.now() - t0;
      timings.rememberedInteractions = hands.count;
      assert.ok(hands.count <= MAX_INTERACTIONS,
        `the combined booking took ${hands.count} interactions (at most ${MAX_INTERACTIONS})`);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'result-heading', 'focus moves to the result');
      const text = await result.innerText();
      assert.match(text, /予約しました/);
      assert.match(text, /11月25日/);
      assert.match(text, /佐藤 春翔/);
      // On the server: a desk with a monitor and a childcare place tied to it.
      const desk = (await worker.get(`/api/v1/bookings?from=${TOMORROW}&to=${TOMORROW}`))
        .find((b) => b.status === 'active' && b.start === '09:00' && b.end === '13:00');
      assert.ok(desk, 'a desk is booked for tomorrow 9:00-13:00');
      const space = await worker.get(`/api/v1/spaces/${desk.space_id}`);
      assert.ok(space.attributes.includes('monitor'), `the desk ${space.name} has a monitor`);
      const places = await worker.get('/api/v1/childcare/bookings');
      assert.ok(places.some((x) => x.child_id === haruto.id && x.date === TOMORROW && x.status === 'booked'
        && x.desk_booking_id === desk.id), 'Haruto has a place tied to the desk');
      await noOverflow(page, 'home after booking');
      minor.push(...await axeCheck(page, 'home-booked'));
      await shot(page, 'app-02-home-booked.png');
      // The confirmation e-mails (one a booking) leave the outbox.
      const mailDeadline = Date.now() + 20_000;
      while ((await mailsTo(server.dir, 'worker01@kado.example')).length < 2 && Date.now() < mailDeadline) await sleep(250);
      assert.ok((await mailsTo(server.dir, 'worker01@kado.example')).length >= 2, 'the confirmation e-mails were sent');

      // ---- the day at a glance: tomorrow, monitor desks, one taken from 9:00 to 13:00
      t0 = Date.now();
      await page.locator('a[href^="#/day"]').tap();
      await page.locator('#day-table').waitFor({ state: 'visible' });
      timings.dayView = Date.now() - t0;
      assert.equal(await page.locator('#day-attr-monitor').isChecked(), true, 'the remembered desk wishes filter the day');
      const freeAt = (hour) => page.locator('#day-table tbody tr', { hasText: `${hour}:00–` }).locator('td[data-free]').getAttribute('data-free');
      assert.equal(await freeAt(9), '19', 'one of the 20 monitor desks is taken at 9:00');
      assert.equal(await freeAt(14), '20', 'all 20 are free at 14:00');
      // Childcare per hour, from the room's availability for the worker's own child.
      const careAt = (hour) => page.locator('#day-table tbody tr', { hasText: `${hour}:00–` }).locator('td').nth(1).innerText();
      assert.match(await page.locator('#day-table thead').innerText(), /託児/);
      assert.equal(await careAt(9), '空き', "Haruto's own place counts as his");
      assert.match(await page.locator('#day-status').innerText(), /8:30–18:00/);
      await noOverflow(page, 'day');
      minor.push(...await axeCheck(page, 'day'));
      await page.locator('#day-status').evaluate((e) => e.scrollIntoView());
      await shot(page, 'app-03-day.png');

      // ---- recurring: Tuesdays 1-22 December; the director closes the 8th
      await director.call('PUT', `/api/v1/sites/${SITE}/exceptions/2026-12-08`, { open: false, note: '設備点検 / Maintenance' });
      await view(page, '#/series', '#series-form');
      t0 = Date.now();
      await page.locator('#series-wd-tue').tap();
      await page.locator('#series-from').fill('2026-12-01');
      await page.locator('#series-until').fill('2026-12-22');
      await page.locator('#series-submit').tap();
      await page.locator('#series-result').waitFor({ state: 'visible' });
      timings.series = Date.now() - t0;
      assert.equal(await page.evaluate(() => document.activeElement.id), 'series-result-heading');
      assert.deepEqual(await page.locator('#series-booked li').evaluateAll((els) => els.map((e) => e.dataset.date)),
        ['2026-12-01', '2026-12-15', '2026-12-22']);
      const skipped = page.locator('#series-skipped li[data-date="2026-12-08"]');
      assert.match(await skipped.innerText(), /12月8日.*臨時休館.*設備点検/);
      await noOverflow(page, 'series');
      minor.push(...await axeCheck(page, 'series'));
      await page.locator('#series-result').scrollIntoViewIfNeeded();
      await shot(page, 'app-04-series.png');

      // Cancel one date, then the rest of the series, from my bookings (the series is one card).
      await view(page, '#/bookings', '#bookings-list');
      await page.locator('section.series-card summary').tap();
      const dec1 = page.locator('li.booking[data-date="2026-12-01"]');
      await dec1.getByRole('button', { name: '席を取り消す', exact: true }).tap();
      await dec1.locator('.confirm-box').waitFor({ state: 'visible' });
      await dec1.locator('.confirm-box .btn.danger').tap();
      await page.waitForFunction(() => /取り消しました/.test(document.getElementById('bookings-message').textContent));
      assert.equal(await page.locator('li.booking[data-date="2026-12-01"]').count(), 0);
      const dec15 = page.locator('li.booking[data-date="2026-12-15"]');
      await dec15.getByRole('button', { name: 'この日以降のくり返しを取り消す' }).tap();
      await shot(page, 'app-05-bookings-confirm.png');
      await dec15.locator('.confirm-box .btn.danger').tap();
      await page.waitForFunction(() => /2件のくり返し予約を取り消しました/.test(document.getElementById('bookings-message').textContent));
      const series = (await worker.get('/api/v1/bookings?from=2026-12-01&to=2026-12-31')).filter((b) => b.series_id);
      assert.deepEqual(series.map((b) => b.status), ['cancelled', 'cancelled', 'cancelled']);
      minor.push(...await axeCheck(page, 'bookings'));
      // The private calendar feed: an address the phone's calendar can subscribe to.
      await page.locator('#feed-make').tap();
      const feedUrl = await page.locator('#feed-url').inputValue();
      assert.match(feedUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/calendar\/[^/]+\.ics$/);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'feed-url');
      const ics = await fetch(feedUrl);
      assert.equal(ics.status, 200);
      assert.match(await ics.text(), /BEGIN:VCALENDAR[\s\S]*BEGIN:VEVENT/);

      // ---- a full childcare room: one of the two caregivers is off on Friday 27th
      const shifts = await director.get(`/api/v1/sites/${SITE}/caregiver-shifts?date=2026-11-27`);
      assert.equal(shifts.length, 2, 'both caregivers are on duty on 11/27');
      await director.call('DELETE', `/api/v1/caregiver-shifts/${shifts[0].id}`);
      await page.goto(`${base}/app/`);
      await page.locator('#book-form .chips').waitFor({ state: 'visible' });
      await page.locator('label[for="date-2026-11-27"]').tap();
      // Before booking, the glance already says the room is full then.
      await page.locator('#book-glance .glance-line.warn', { hasText: '託児' }).waitFor({ state: 'visible' });
      assert.match(await page.locator('#book-glance').innerText(), /託児: 9:00から満員です/);
      await page.locator('#book-submit').tap();
      const childError = page.locator('#book-children-error');
      await childError.waitFor({ state: 'visible' });
      assert.match(await childError.innerText(), /託児室が満員です/, 'the refusal is a Japanese sentence');
      assert.ok(await page.locator('#book-children #book-children-error').count(), 'the error sits in the childcare field');
      assert.equal(await page.locator(`#book-child-${haruto.id}`).getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator(`#book-child-${haruto.id}`).getAttribute('aria-describedby'), /book-children-error/);
      assert.equal(await page.evaluate(() => document.activeElement.id), `book-child-${haruto.id}`, 'focus goes to the field');
      // What was typed is kept.
      assert.equal(await page.locator('#date-2026-11-27').isChecked(), true);
      assert.equal(await page.locator('#book-start').inputValue(), '09:00');
      assert.equal(await page.locator('#book-end').inputValue(), '13:00');
      assert.equal(await page.locator('#book-attr-monitor').isChecked(), true);
      assert.equal(await page.locator(`#book-child-${haruto.id}`).isChecked(), true);
      assert.equal(await page.locator('#book-date-error').isHidden(), true, 'no error on the other fields');
      await page.locator('#book-children').evaluate((e) => e.scrollIntoView());
      minor.push(...await axeCheck(page, 'home-full'));
      await shot(page, 'app-06-full-error.png');

      // Join the waitlist (keeping the desk) and see the position.
      await page.locator('#waitlist-button').tap();
      await page.locator('#book-result[data-outcome="waitlisted"]').waitFor({ state: 'visible' });
      const waiting = page.locator('#book-result li[data-status="waitlisted"]');
      assert.equal(await waiting.getAttribute('data-position'), '1');
      assert.match(await waiting.innerText(), /キャンセル待ち 1番目/);
      minor.push(...await axeCheck(page, 'home-waitlisted'));
      await shot(page, 'app-07-waitlisted.png');
      await view(page, '#/bookings', '#bookings-list');
      const listed = page.locator('li.place[data-status="waitlisted"]');
      await listed.waitFor({ state: 'visible' });
      assert.match(await listed.innerText(), /キャンセル待ち 1番目/);
      await page.locator('section.day-card[data-date="2026-11-27"]').evaluate((e) => e.scrollIntoView());
      await shot(page, 'app-08-bookings.png');
      // The caregiver is back: the place is given, first come first served.
      const s = shifts[0];
      await director.call('POST', `/api/v1/sites/${SITE}/caregiver-shifts`, { person_id: s.person_id, date: s.date, start: s.start, end: s.end });
      await page.reload();
      await page.locator('li.booking[data-date="2026-11-27"] li.place[data-status="booked"]').waitFor({ state: 'visible' });
      assert.equal(await page.locator('li.place[data-status="waitlisted"]').count(), 0, 'no longer waiting');

      // ---- children: an adult who may pick up, the code shown once, then withdrawn
      await view(page, '#/children', `[data-child-id="${haruto.id}"]`);
      const card = page.locator(`[data-child-id="${haruto.id}"]`);
      await card.locator('.adults, .muted').first().waitFor({ state: 'visible' });
      await card.locator('details.add-adult > summary').tap();
      await card.getByLabel('お名前').fill('佐藤 和子');
      await card.getByLabel('続柄（例: 祖母）（任意）').fill('祖母');
      await card.getByRole('button', { name: 'お迎えの方を追加' }).tap();
      await page.locator('#pickup-code').waitFor({ state: 'visible' });
      assert.match(await page.locator('#pickup-code').innerText(), /^\d{6}$/);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'pickup-code-heading');
      minor.push(...await axeCheck(page, 'children'));
      await shot(page, 'app-09-children-code.png');
      await card.getByRole('button', { name: '佐藤 和子さんのお迎えを取り消す' }).tap();
      await page.waitForFunction(() => /お迎えを取り消しました/.test(document.getElementById('children-message').textContent));
      const adults = await worker.get(`/api/v1/children/${haruto.id}/authorised`);
      assert.deepEqual(adults.map((a) => [a.name, a.active]), [['佐藤 和子', false]]);
      await noOverflow(page, 'children');

      // ---- settings: the PIN with the keyboard alone; a wrong password next to its field
      await view(page, '#/settings', '#pin-form');
      await page.locator('#settings-heading').focus();
      for (let i = 0; i < 40 && (await page.evaluate(() => document.activeElement.id)) !== 'pin-new'; i++) {
        await page.keyboard.press('Tab');
      }
      assert.equal(await page.evaluate(() => document.activeElement.id), 'pin-new', 'the PIN field is reached with Tab');
      await page.keyboard.type('2468');
      await page.keyboard.press('Tab');
      await page.keyboard.type('2468');
      await page.keyboard.press('Enter');
      await page.locator('#pin-form .message.ok').waitFor({ state: 'visible' });
      await page.locator('#pw-current').fill('not-my-password');
      await page.locator('#pw-new').fill('a-new-password-2026');
      await page.locator('#pw-again').fill('a-new-password-2026');
      await page.locator('#pw-submit').tap();
      await page.locator('#pw-current-error').waitFor({ state: 'visible' });
      assert.match(await page.locator('#pw-current-error').innerText(), /現在のパスワードが違います/);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'pw-current');
      assert.equal(await page.locator('#pw-new').inputValue(), 'a-new-password-2026', 'what was typed is kept');
      minor.push(...await axeCheck(page, 'settings'));
      await noOverflow(page, 'settings');

      // One tap to English, saved to the account; and back.
      await page.locator('#lang-toggle').tap();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      assert.equal(await page.locator('#settings-heading').innerText(), 'Settings');
      assert.equal(await page.locator('#tabbar a[data-route="bookings"]').innerText(), 'Bookings');
      let me = null;
      for (let i = 0; i < 50 && (!me || me.language !== 'en'); i++) {
        me = await worker.get('/api/v1/auth/me');
        if (me.language !== 'en') await sleep(100);
      }
      assert.equal(me.language, 'en', 'the language is saved to the account');
      // What was typed stays; the service now answers in English, next to the field.
      await page.locator('#pw-submit').tap();
      await page.waitForFunction(() => /current password is not right/.test(document.getElementById('pw-current-error').textContent));
      minor.push(...await axeCheck(page, 'settings-en'));
      await shot(page, 'app-10-settings-en.png');
      await view(page, '#/', '#book-form .chips');
      await shot(page, 'app-11-home-en.png');
      await page.locator('#lang-toggle').tap();
      await page.waitForFunction(() => document.documentElement.lang === 'ja');
      for (let i = 0; i < 50 && me.language !== 'ja'; i++) {
        me = await worker.get('/api/v1/auth/me');
        if (me.language !== 'ja') await sleep(100);
      }
      assert.equal(me.language, 'ja');
    }),

    t.test('worker07: the form resets, a past day, the language, a long series', async () => {
      const p = await phone(browser);
      phones.push(p);
      const { page } = p;
      const w7 = await session(base, 'worker07@kado.example');
      const minato = (await w7.get('/api/v1/children'))[0];
      const asked = [];
      page.on('request', (req) => {
        if (req.url().includes('/childcare/availability')) asked.push(new URL(req.url()).searchParams.get('date'));
      });
      await logIn(page, base, 'worker07@kado.example');
      assert.equal(await page.locator('#brand').innerText(), 'KADO 塩尻市テレワークセンター', 'the header names my site');

      // ---- after a booking the form steps aside: a second tap cannot book the same day again
      await page.locator(`label[for="date-${TOMORROW}"]`).tap();
      await page.locator('#book-submit').tap();
      await page.locator('#book-result[data-outcome="booked"]').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#book-form').count(), 0, 'the armed form is gone after the booking');
      assert.equal(await page.locator('#book-another').isVisible(), true);
      await page.locator('.next-card').waitFor({ state: 'visible' });
      minor.push(...await axeCheck(page, 'home-book-another'));

      // ---- every card changes language at once, without a reload
      await page.locator('#lang-toggle').tap();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      assert.equal(await page.locator('#result-heading').innerText(), 'Booked');
      assert.match(await page.locator('.next-card').innerText(), /^Wed 25 Nov[\s\S]*Desk:/, 'the next booking card is in English');
      assert.equal(await page.locator('#book-another').innerText(), 'Book another');
      assert.equal(await page.locator('#tabbar a[data-route="bookings"]').innerText(), 'Bookings');
      await page.locator('#lang-toggle').tap();
      await page.waitForFunction(() => document.documentElement.lang === 'ja');
      assert.match(await page.locator('.next-card').innerText(), /11月25日[\s\S]*席:/, 'and back in Japanese');

      // "Book another" gives the form back, on a fresh choice
      await page.locator('#book-another').tap();
      await page.locator('#book-form .chips').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#book-result').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'home-heading');

      // ---- a day that has passed shows no childcare (or desk) availability
      await page.locator(`#book-child-${minato.id}`).tap();
      await page.locator('label[for="date-other"]').tap();
      await page.locator('#book-other-date').fill('2026-11-20');
      await page.locator('#glance-past').waitFor({ state: 'visible' });
      await sleep(400); // longer than the glance's pause: nothing more is asked
      assert.doesNotMatch(await page.locator('#book-glance').innerText(), /託児/);
      assert.ok(!asked.includes('2026-11-20'), `no childcare availability asked for a past day (${asked})`);

      // ---- a long series is one card, opened to see its dates
      const made = await w7.call('POST', '/api/v1/booking-series', {
        site_id: SITE, weekdays: ['mon', 'wed', 'fri'], start: '09:00', end: '12:00', from: '2026-11-30',
        until: '2026-12-18', attributes: [], mode: 'skip_conflicts',
      });
      assert.ok(made.booked.length >= 9, `the series booked ${made.booked.length} dates`);
      await view(page, '#/bookings', '#bookings-list');
      const card = page.locator(`section.series-card[data-series-id="${made.series_id}"]`);
      await card.waitFor({ state: 'visible' });
      assert.equal(await card.getAttribute('data-count'), String(made.booked.length));
      assert.equal(await page.locator('section.series-card').count(), 1, 'one card for the whole series');
      assert.equal(await page.locator('li.booking[data-series-id]').first().isVisible(), false, 'its dates are folded');
      const height = await page.evaluate(() => document.getElementById('bookings-list').scrollHeight);
      assert.ok(height < 800, `the list is short (${height} px)`);
      await card.locator('summary').tap();
      await card.locator(`li.booking[data-date="${made.booked[0].date}"]`).waitFor({ state: 'visible' });
      assert.equal(await card.locator('li.booking').count(), made.booked.length);
      minor.push(...await axeCheck(page, 'bookings-series'));
      await noOverflow(page, 'bookings with a series');
      await shot(page, 'app-13-bookings-series.png');

      // ---- an administrator on the worker pages: a sentence for them, not "ask reception"
      const a = await phone(browser);
      phones.push(a);
      await a.page.goto(`${base}/`);
      await a.page.locator('#login-section').waitFor({ state: 'visible' });
      await a.page.locator('#email').fill('admin@kado.example');
      await a.page.locator('#password').fill(PASSWORD);
      await a.page.locator('#login-button').tap();
      await a.page.waitForURL(`${base}/admin/`);
      await a.page.goto(`${base}/app/`);
      await a.page.locator('#no-site').waitFor({ state: 'visible' });
      const said = await a.page.locator('#no-site').innerText();
      assert.match(said, /管理者/);
      assert.doesNotMatch(said, /受付/);
      assert.equal(await a.page.locator('#no-site a[href="/admin/"]').count(), 1);
      minor.push(...await axeCheck(a.page, 'app-admin'));

      // ---- the e-mail's link opens the booking itself, inside its folded series
      await page.locator('summary', { hasText: '日分の日付' }).tap(); // folded again
      const linked = made.booked[3];
      await view(page, `#/bookings?id=${linked.id}`, `li.booking.linked[data-booking-id="${linked.id}"]`);
      assert.equal(await page.evaluate(() => document.activeElement.dataset.bookingId), String(linked.id));
    }),

    t.test('worker02: My QR is accepted by the kiosk and renews itself', async () => {
      const p = await phone(browser);
      phones.push(p);
      const { page } = p;
      await logIn(page, base, 'worker02@kado.example');
      const t0 = Date.now();
      await page.locator('#tabbar a[data-route="qr"]').tap();
      const card = page.locator('#qr-card[data-payload]');
      await card.waitFor({ state: 'visible' });
      await page.locator('#qr-image').waitFor({ state: 'visible' });
      timings.qr = Date.now() - t0;
      const box = await page.locator('#qr-image').boundingBox();
      assert.ok(box.width >= 280, `the code is large (${box.width} px wide)`);
      const payload = await card.getAttribute('data-payload');
      const first = await scan(payload);
      assert.equal(first.status, 200, `the kiosk accepts the code on the page: ${JSON.stringify(first.body)}`);
      assert.equal(first.body.outcome, 'checked_in');
      // Each code says what it is for: the page's renews itself, the printed card does not.
      assert.match(await page.locator('#qr-card-hint').innerText(), /印刷したQRカード.*無効/);
      await noOverflow(page, 'qr');
      minor.push(...await axeCheck(page, 'qr'));
      await shot(page, 'app-12-qr.png');

      // While the code renews: a booking with the keyboard alone, in a second tab.
      const keyboardBooking = (async () => {
        const kb = await p.newPage();
        const yui = (await (await session(base, 'worker02@kado.example')).get('/api/v1/children'))[0];
        await kb.goto(`${base}/app/`);
        await kb.locator('#book-form .chips').waitFor({ state: 'visible' });
        await kb.keyboard.press('Tab');
        await kb.keyboard.press('Enter'); // the skip link
        await tabTo(kb, (id) => /^date-/.test(id || ''));
        assert.equal(await kb.evaluate(() => document.activeElement.id), `date-${TOMORROW}`, 'the chosen day takes the focus');
        await kb.keyboard.press('ArrowRight');
        assert.equal(await kb.locator('#date-2026-11-26').isChecked(), true, 'arrow keys choose the day');
        await tabTo(kb, 'book-start');
        await kb.keyboard.press('End'); // the last start of the day: the end is moved after it
        await tabTo(kb, `book-child-${yui.id}`);
        await kb.keyboard.press('Space');
        await tabTo(kb, 'book-submit');
        await kb.keyboard.press('Enter');
        await kb.locator('#book-result[data-outcome="booked"]').waitFor({ state: 'visible' });
        assert.equal(await kb.evaluate(() => document.activeElement.id), 'result-heading');
        assert.match(await kb.locator('#book-result').innerText(), /11月26日.*17:30–18:00[\s\S]*鈴木 結衣/);
        await kb.close();
      })();
      // A new code within a window (30 s), and it works too.
      await page.waitForFunction((old) => {
        const el = document.getElementById('qr-card');
        return el && el.dataset.payload && el.dataset.payload !== old;
      }, payload, { timeout: 40_000 });
      await keyboardBooking;
      const renewed = await card.getAttribute('data-payload');
      const second = await scan(renewed);
      assert.equal(second.status, 200, `the renewed code is accepted: ${JSON.stringify(second.body)}`);
    }),
  ]);

  t.diagnostic(`timings (ms): ${JSON.stringify(timings)}`);
  t.diagnostic(`interactions: first booking ${timings.firstInteractions}, with remembered preferences ${timings.rememberedInteractions}`);
  for (const m of minor) t.diagnostic(`axe (minor/moderate): ${m}`);
  for (const p of phones) assert.deepEqual(p.problems, [], 'no page errors, console errors or outside requests');
});
