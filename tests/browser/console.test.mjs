// The director's console in a real browser against the real server (issue 21).
//
// The director moves through the console's menu; searches people and pages through them; adds
// a person with a wrong address and sees the error next to its field; checks a CSV with a bad
// row (the dry run's table shows it, nothing is written), then a good one and imports it. The
// language switch turns the console English. axe-core finds no serious or critical violation
// on any panel; no page error, no console error, no other host.
//
// Run: node --test tests/browser/console.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AXE, axeCheck, launchBrowser, pageAs, session, startServer, watchPage } from './server.mjs';

test('a director manages people and imports workers from the console', { timeout: 180_000 }, async (t) => {
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer();
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const director = await session(base, 'director@shiojiri.kado.example');
  browser = await launchBrowser();
  const { page, problems } = await pageAs(browser, base, director, { width: 1280, height: 900 });
  await page.goto(`${base}/admin/`);
  const nav = page.getByRole('navigation', { name: '管理メニュー' });
  await nav.waitFor();
  await page.locator('#sites-list table').waitFor();
  await axeCheck(page, 'console: sites');

  // Opening hours: Saturday opened 10:00-16:00.
  await nav.getByRole('button', { name: '開館時間' }).click();
  await page.getByRole('table', { name: '曜日ごとの開館時間' }).waitFor();
  await axeCheck(page, 'console: hours');
  await page.getByLabel('土曜に開館').check();
  await page.getByLabel('開館時刻（土曜）').fill('10:00');
  await page.getByLabel('閉館時刻（土曜）').fill('16:00');
  await page.getByRole('button', { name: '保存する' }).click();
  await page.locator('#hours-form-message.ok').waitFor();
  const site = await director.get('/api/v1/sites/1');
  assert.deepEqual(site.opening_hours.find((o) => o.weekday === 'sat'), { weekday: 'sat', open: '10:00', close: '16:00' });

  // People: search, page, add with an inline error.
  await nav.getByRole('button', { name: '利用者と役割' }).click();
  await page.getByRole('table', { name: '利用者一覧' }).waitFor();
  assert.match(await page.locator('.pager').innerText(), /全 \d+ 件中 1〜20 件/);
  await page.getByRole('button', { name: '次へ' }).click();
  await page.locator('.pager', { hasText: '21〜' }).waitFor();
  await page.getByLabel('検索（氏名・フリガナ・メール・会員番号）').fill('サトウ');
  await page.getByRole('button', { name: '検索', exact: true }).click();
  await page.getByRole('cell', { name: '佐藤 花子 (サトウ ハナコ)' }).waitFor();
  assert.equal(await page.getByRole('table', { name: '利用者一覧' }).locator('tbody tr').count(), 1);
  await axeCheck(page, 'console: people');
  await page.getByLabel('メールアドレス').fill('not-an-address');
  await page.getByLabel('氏名', { exact: true }).fill('新人 一郎');
  await page.getByRole('button', { name: '追加する' }).click();
  await page.locator('#person-email-error', { hasText: 'メールアドレスの形式' }).waitFor();
  assert.equal(await page.getByLabel('メールアドレス').getAttribute('aria-invalid'), 'true');
  await axeCheck(page, 'console: people with an inline error');
  await page.getByLabel('メールアドレス').fill('ichiro@example.jp');
  await page.getByRole('button', { name: '追加する' }).click();
  await page.locator('.message.ok', { hasText: '新人 一郎 さんを追加しました' }).waitFor();
  // Edit: a reception role at this site, a bad phone shown at its field first.
  await page.getByRole('button', { name: '編集（新人 一郎 さん）' }).click();
  const edit = page.getByRole('form', { name: '新人 一郎 さんの編集' });
  await edit.getByLabel('電話番号').fill('call me');
  await edit.getByLabel('受付').check();
  await edit.getByLabel('チーム名').selectOption({ label: 'バックオフィス' });
  await edit.getByRole('button', { name: '保存する' }).click();
  await page.locator('#edit-phone-error', { hasText: '電話番号' }).waitFor();
  await axeCheck(page, 'console: editing a person');
  await edit.getByLabel('電話番号').fill('0263-11-2222');
  await edit.getByRole('button', { name: '保存する' }).click();
  await page.locator('.message.ok', { hasText: '新人 一郎 さんを保存しました' }).waitFor();
  const ichiro = (await director.get('/api/v1/persons/search?site_id=1&q=ichiro')).items[0];
  assert.equal(ichiro.phone, '0263-11-2222');
  const teams = await director.get('/api/v1/sites/1/teams');
  assert.equal(ichiro.team_id, teams.find((x) => x.name === 'バックオフィス').id);
  assert.deepEqual(ichiro.roles.map((g) => g.role).sort(), ['reception', 'worker']);

  // Teams and clients.
  await nav.getByRole('button', { name: 'チーム' }).click();
  await page.getByRole('table', { name: 'チーム一覧' }).waitFor();
  await axeCheck(page, 'console: teams');
  await nav.getByRole('button', { name: '取引先・プロジェクト' }).click();
  await page.getByRole('heading', { name: '取引先とプロジェクト' }).waitFor();
  await page.getByLabel('取引先名').fill('ブラウザ商事');
  await page.getByRole('button', { name: '追加する' }).click();
  await page.getByRole('cell', { name: 'ブラウザ商事' }).waitFor();
  await axeCheck(page, 'console: clients');

  // Import: a bad row stops everything; the mended file goes in.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kado-import-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bad = path.join(dir, 'bad.csv');
  const good = path.join(dir, 'good.csv');
  await writeFile(bad, '\ufeff会員番号,氏名,メールアドレス\r\nB-1,取込 一,b1@example.jp\r\nB-2,取込 二,not-an-address\r\n');
  await writeFile(good, '\ufeff会員番号,氏名,メールアドレス\r\nB-1,取込 一,b1@example.jp\r\nＢ－２,取込 二,b2@example.jp\r\n');
  await nav.getByRole('button', { name: '一括取り込み' }).click();
  await page.getByLabel('取り込むファイル').setInputFiles(bad);
  await page.getByRole('button', { name: '内容を確認（まだ登録しません）' }).click();
  await page.getByRole('table', { name: '確認結果' }).waitFor();
  assert.match(await page.locator('#import-result').innerText(), /新規 1 件・更新 0 件・変更なし 0 件・エラー 1 件/);
  assert.match(await page.locator('#import-result').innerText(), /メールアドレス: メールアドレスの形式/);
  assert.equal(await page.getByRole('button', { name: 'この内容で取り込む' }).count(), 0);
  await axeCheck(page, 'console: import dry run with an error');
  await page.getByLabel('取り込むファイル').setInputFiles(good);
  await page.getByRole('button', { name: '内容を確認（まだ登録しません）' }).click();
  await page.locator('#import-result', { hasText: '問題はありません' }).waitFor();
  let found = await director.get('/api/v1/persons/search?site_id=1&q=B-');
  assert.equal(found.total, 0, 'a dry run writes nothing');
  await page.getByRole('button', { name: 'この内容で取り込む' }).click();
  await page.locator('#import-result', { hasText: '2 件を取り込みました' }).waitFor();
  found = await director.get('/api/v1/persons/search?site_id=1&q=B-');
  assert.deepEqual(found.items.map((p) => p.member_number).sort(), ['B-1', 'B-2']);
  await axeCheck(page, 'console: imported');

  // English.
  await page.locator('#lang-toggle').click();
  const en = page.getByRole('navigation', { name: 'Console menu' });
  await en.getByRole('button', { name: 'Import' }).waitFor();
  await page.getByRole('heading', { name: 'Import workers' }).waitFor();
  await en.getByRole('button', { name: 'People and roles' }).click();
  await page.getByRole('table', { name: 'People' }).waitFor();
  await axeCheck(page, 'console: people in English');
  assert.deepEqual(problems, []);
});

test('an invited person chooses their password on the invitation page', { timeout: 120_000 }, async (t) => {
  const server = await startServer({ KADO_JOB_INTERVAL: '1' });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const director = await session(base, 'director@shiojiri.kado.example');
  await director.call('POST', '/api/v1/persons', { email: 'welcome@example.jp', name: 'Welcome Person', language: 'en', site_id: 1, roles: ['worker'], invite: true });
  // The job sends the mail to the mail-drop folder; an English mail keeps the link on one line.
  let token = null;
  for (let i = 0; i < 100 && !token; i += 1) {
    const files = await readdir(path.join(server.dir, 'mail')).catch(() => []);
    for (const f of files) {
      const raw = (await readFile(path.join(server.dir, 'mail', f), 'utf8')).replace(/=\r?\n/g, '');
      const m = raw.includes('welcome@example.jp') && raw.match(/\/welcome\/#([A-Za-z0-9_-]+)/);
      if (m) token = m[1];
    }
    if (!token) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(token, 'an invitation mail with its link');

  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems);
  await page.goto(`${base}/welcome/#${token}`);
  await page.getByRole('heading', { name: 'パスワードの設定' }).waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
  await axeCheck(page, 'welcome');
  await page.getByLabel('新しいパスワード').fill('a long new password');
  await page.getByLabel('もう一度').fill('something else');
  await page.getByRole('button', { name: '設定してログイン' }).click();
  await page.locator('#again-error', { hasText: '二つのパスワードが違います' }).waitFor();
  await page.getByLabel('もう一度').fill('a long new password');
  await page.getByRole('button', { name: '設定してログイン' }).click();
  await page.waitForURL(`${base}/app/`);
  // Once only: the same link again is refused on the page (a fresh browser: the first one
  // now speaks the person's English).
  const other = await browser.newContext({ locale: 'ja-JP' });
  const again = await other.newPage();
  watchPage(again, problems, () => true);
  await again.goto(`${base}/welcome/#${token}`);
  await again.getByLabel('新しいパスワード').fill('another long password');
  await again.getByLabel('もう一度').fill('another long password');
  await again.getByRole('button', { name: '設定してログイン' }).click();
  await again.locator('.message.error', { hasText: '使用済み' }).waitFor();
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'welcome@example.jp', password: 'a long new password' }),
  });
  assert.equal(login.status, 200);
  assert.deepEqual(problems.filter((p) => !/410|Gone/.test(p)), []);
});
