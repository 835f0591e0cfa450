// The service's pages under their Content-Security-Policy, and a page of another origin that
// tries to change things with the worker's cookie, in a real browser against the real server.
//
// Starts target/debug/kado on a fresh SQLite database with the demo data, and checks on
// Debian's chromium, driven by playwright-core:
//   - the login page, the worker's pages, the admin page and the kiosk page load and work
//     with no Content-Security-Policy violation (each page reports them to the test);
//   - a page served from another port of the same host (the same "site", so SameSite=Lax
//     sends the worker's session cookie along) posts a form to cancel the worker's booking,
//     and a no-cors fetch to log the worker out: both are refused with 403 and nothing
//     changes.
//
// Run: node --test tests/browser/  (after cargo build; scripts/test does both)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { launchBrowser, PASSWORD, session, startServer, watchPage } from './server.mjs';

const WORKER = 'worker03@kado.example';

/** A browser context whose pages report every CSP violation and error into `problems`. */
async function watchedContext(browser, problems) {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  context.on('page', (page) => {
    watchPage(page, problems);
  });
  return context;
}

test('pages pass their CSP; another origin cannot change anything', { timeout: 180_000 }, async (t) => {
  // Mail leaves the outbox within a second or two (the sign-in link).
  const server = await startServer({ KADO_JOB_INTERVAL: '1' });
  const browser = await launchBrowser();
  let attacker = null;
  t.after(async () => {
    await browser.close();
    if (attacker) await new Promise((resolve) => attacker.close(resolve));
    await server.stop();
  });
  const { base } = server;
  const problems = [];

  await t.test('every page loads and works under its Content-Security-Policy', async () => {
    const context = await watchedContext(browser, problems);
    const page = await context.newPage();
    const res = await page.goto(`${base}/`);
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    // Logging in through the page runs its module script and its API calls.
    await page.locator('#login-section').waitFor({ state: 'visible' });
    await page.locator('#email').fill(WORKER);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#login-button').click();
    await page.waitForURL(`${base}/app/`);
    await page.locator('#book-form .chips').waitFor({ state: 'visible' });
    // The day at a glance draws its meters with inline widths; My QR shows a data: image.
    await page.evaluate(() => { location.hash = '#/day'; });
    await page.locator('.meter-fill').first().waitFor({ state: 'attached' });
    const width = await page.locator('.meter-fill').first().evaluate((el) => el.style.width);
    assert.match(width, /%$/, 'the meter has its width');
    await page.evaluate(() => { location.hash = '#/qr'; });
    await page.locator('#qr-image').waitFor({ state: 'visible' });
    const drawn = await page.locator('#qr-image').evaluate((img) => img.complete && img.naturalWidth > 0);
    assert.ok(drawn, 'the QR image is drawn');
    await page.goto(`${base}/admin/`);
    await page.waitForLoadState('networkidle');
    await page.goto(`${base}/kiosk/`);
    await page.waitForLoadState('networkidle');
    // Swagger UI: its bundle injects one <style>, allowed by its hash.
    await page.goto(`${base}/api/docs/`);
    await page.locator('.opblock').first().waitFor({ state: 'visible' });
    await context.close();
    assert.deepEqual(problems, []);
  });

  await t.test('staff land on the page of their role after logging in', async () => {
    for (const [email, landing] of [
      ['caregiver@shiojiri.kado.example', '/childcare/'],
      ['reception@shiojiri.kado.example', '/staff/'],
      ['trainer@shiojiri.kado.example', '/trainer/'],
      ['director@shiojiri.kado.example', '/admin/'],
    ]) {
      const context = await watchedContext(browser, problems);
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await page.locator('#login-section').waitFor({ state: 'visible' });
      await page.locator('#email').fill(email);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('#login-button').click();
      await page.waitForURL(`${base}${landing}`);
      // Back on the first page, the menu offers the pages of the person's roles.
      await page.goto(`${base}/`);
      await page.locator('#session-section').waitFor({ state: 'visible' });
      const offered = await page.locator('nav li:not([hidden]) a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(offered.includes(landing) || landing === '/admin/', `${email}: ${offered}`);
      await context.close();
    }
    assert.deepEqual(problems, []);
  });

  await t.test('a page of another origin cannot cancel a booking or log the worker out', async () => {
    const worker = await session(base, WORKER);
    const made = await worker.send('POST', '/api/v1/bookings',
      { site_id: 1, date: '2026-11-25', start: '10:00', end: '12:00' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = made.body.booking.id;

    // The attacker's pages: another port on the same host, so the same site.
    const pages = {
      '/cancel': `<form id="f" method="post" action="${base}/api/v1/bookings/${id}/cancel"></form>
<script>document.getElementById('f').submit();</script>`,
      '/logout': `<script>
  fetch('${base}/api/v1/auth/logout', { method: 'POST', mode: 'no-cors', credentials: 'include' });
</script>`,
    };
    attacker = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Win a prize</title></head>
<body>${pages[req.url] || ''}</body></html>`);
    });
    const port = await new Promise((resolve) => attacker.listen(0, '127.0.0.1', () => resolve(attacker.address().port)));

    const context = await browser.newContext();
    const [name, value] = worker.cookie.split(';')[0].split('=');
    await context.addCookies([{ name, value, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    for (const [from, target] of [['/cancel', `/api/v1/bookings/${id}/cancel`], ['/logout', '/api/v1/auth/logout']]) {
      const answered = page.waitForResponse((r) => r.url() === `${base}${target}`);
      await page.goto(`http://127.0.0.1:${port}${from}`);
      const answer = await answered;
      assert.equal(answer.status(), 403, `the cross-origin POST ${target} answered ${answer.status()}`);
      if (from === '/cancel') assert.equal((await answer.json()).code, 'request.cross_origin');
    }
    await context.close();

    // Nothing changed: the booking stands and the session still works.
    const after = await worker.send('GET', `/api/v1/bookings/${id}`);
    assert.equal(after.status, 200, 'the worker is still logged in');
    assert.equal(after.body.status, made.body.booking.status, JSON.stringify(after.body));
  });

  await t.test('a sign-in link signs in only when its owner clicks it', async () => {
    const asked = await fetch(`${base}/api/v1/auth/login-link`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: WORKER }),
    });
    assert.equal(asked.status, 202);
    // The link from the e-mail in the mail-drop folder (its text parts are base64).
    const mailDir = path.join(server.dir, 'mail');
    let token = null;
    for (let i = 0; i < 100 && !token; i++) {
      for (const name of await readdir(mailDir).catch(() => [])) {
        const eml = await readFile(path.join(mailDir, name), 'utf8');
        for (const [, part] of eml.matchAll(/Content-Transfer-Encoding: base64\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/g)) {
          const text = Buffer.from(part.replace(/\s/g, ''), 'base64').toString('utf8');
          token = text.match(/[?&]signin=([A-Za-z0-9_-]+)/)?.[1] || token;
        }
      }
      if (!token) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(token, 'the sign-in mail arrived with its link');

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/?signin=${token}`);
    const button = page.getByRole('button', { name: /Sign in with this link|このリンクでログイン/ });
    await button.waitFor({ state: 'visible' });
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    // Opening the link alone (a planted link, a mail scanner) signs nobody in.
    const before = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    assert.equal(before, 401);
    await button.click();
    await page.waitForURL(`${base}/app/`);
    const after = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    assert.equal(after.email, WORKER);
    await context.close();
  });
});
