// The console's site forms and list searches in a real browser against the real server
// (issue 21).
//
// The director adds a space with a place on the floor plan: a place off the plan is refused
// at its field before anything is written, a blank name is refused by the API at its field,
// then the space is saved and stands where it was put. A closed day is added. The teams list
// is searched and paged ("n of m", next, previous), the clients list searched by a project's
// name. An administrator opens a new site, a wrong time zone shown at its field first.
// axe-core finds no serious or critical violation; no page error, no console error.
//
// Run: node --test tests/browser/console_sites.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { AXE, axeCheck, launchBrowser, pageAs, session, startServer } from './server.mjs';

test('a director adds a space on the plan and searches pages of teams and clients', { timeout: 180_000 }, async (t) => {
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer();
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const director = await session(base, 'director@shiojiri.kado.example');
  for (let i = 0; i < 23; i += 1) {
    await director.call('POST', '/api/v1/sites/1/teams', { name: `検索チーム ${String(i).padStart(2, '0')}` });
  }
  const client = await director.call('POST', '/api/v1/sites/1/clients', { name: '梓川プリント' });
  await director.call('POST', `/api/v1/clients/${client.id}/projects`, { name: 'カタログ組版' });
  const spacesBefore = (await director.get('/api/v1/sites/1/spaces')).length;

  browser = await launchBrowser();
  const { page, problems } = await pageAs(browser, base, director, { width: 1280, height: 900 });
  await page.goto(`${base}/admin/`);
  const nav = page.getByRole('navigation', { name: '管理メニュー' });
  await nav.waitFor();
  const spaceForm = page.getByRole('form', { name: 'スペースの追加・編集' });
  await spaceForm.waitFor();
  await page.getByRole('form', { name: '施設の設定' }).waitFor();
  await axeCheck(page, 'console: site forms');
  // Opening a site is the administrators'.
  assert.equal(await page.locator('#site-create').isHidden(), true);

  // Off the plan: refused at the field, nothing written.
  await spaceForm.getByLabel('種類').selectOption('room');
  await spaceForm.getByLabel('名前').fill('窓際ブース');
  await spaceForm.getByLabel('定員').fill('2');
  await spaceForm.getByLabel('モニター').check();
  await spaceForm.getByLabel('横位置').fill('980');
  await spaceForm.getByLabel('縦位置').fill('200');
  await spaceForm.getByLabel('幅').fill('60');
  await spaceForm.getByLabel('高さ').fill('40');
  await spaceForm.getByRole('button', { name: 'スペースを保存' }).click();
  await page.locator('#space-width-error', { hasText: '0〜1000' }).waitFor();
  assert.equal(await spaceForm.getByLabel('幅').getAttribute('aria-invalid'), 'true');
  assert.equal((await director.get('/api/v1/sites/1/spaces')).length, spacesBefore);
  await axeCheck(page, 'console: a space with an inline error');

  // Kiosks: registered with a pairing code shown once, then revoked after a confirmation.
  const kiosksBefore = (await director.get('/api/v1/sites/1/kiosks')).length;
  await page.getByLabel('端末名（例: 1 階入口）').fill('2 階入口');
  await page.getByRole('button', { name: '登録してペアリングコードを発行' }).click();
  await page.locator('.big-code').waitFor();
  assert.match(await page.locator('.big-code').innerText(), /\d/);
  assert.equal((await director.get('/api/v1/sites/1/kiosks')).length, kiosksBefore + 1);
  await axeCheck(page, 'console: a new kiosk and its pairing code');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: '2 階入口 を取り消す' }).click();
  await page.locator('#kiosks-status', { hasText: '取り消しました' }).waitFor();
  const revoked = (await director.get('/api/v1/sites/1/kiosks')).find((k) => k.name === '2 階入口');
  assert.equal(revoked.revoked, true);

  // A blank name: the API's error at its field.
  await spaceForm.getByLabel('横位置').fill('900');
  await spaceForm.getByLabel('名前').fill('');
  await spaceForm.getByRole('button', { name: 'スペースを保存' }).click();
  await page.locator('#space-name-error:not(:empty)').waitFor();
  assert.equal(await spaceForm.getByLabel('名前').getAttribute('aria-invalid'), 'true');
  assert.equal(await spaceForm.getByLabel('幅').getAttribute('aria-invalid'), null);

  await spaceForm.getByLabel('名前').fill('窓際ブース');
  await spaceForm.getByRole('button', { name: 'スペースを保存' }).click();
  await page.locator('.message.ok', { hasText: 'スペース「窓際ブース」を保存しました' }).waitFor();
  const spaces = await director.get('/api/v1/sites/1/spaces');
  const booth = spaces.find((s) => s.name === '窓際ブース');
  assert.equal(booth.kind, 'room');
  assert.equal(booth.capacity, 2);
  assert.deepEqual(booth.attributes, ['monitor']);
  const live = await director.get('/api/v1/sites/1/live');
  const placed = live.spaces.find((s) => s.id === booth.id);
  assert.deepEqual([placed.x, placed.y, placed.width, placed.height, placed.placed], [900, 200, 60, 40, true]);
  // The list and the plan editor show it; the form now edits it.
  await page.locator('#spaces-list td', { hasText: '窓際ブース' }).waitFor();
  assert.equal(await spaceForm.getByLabel('編集するスペース').inputValue(), String(booth.id));
  // Out of service.
  await spaceForm.getByLabel('使用停止（予約を受け付けない）').check();
  await spaceForm.getByRole('button', { name: 'スペースを保存' }).click();
  await page.locator('.message.ok', { hasText: 'スペース「窓際ブース」を保存しました' }).waitFor();
  assert.equal((await director.get(`/api/v1/spaces/${booth.id}`)).active, false);

  // A closed day.
  const days = page.getByRole('form', { name: '休館日・特別開館日を登録' });
  await days.getByLabel('日付').fill('2026-12-15');
  await days.getByLabel('備考（例: 設備点検）').fill('設備点検');
  await days.getByRole('button', { name: '登録' }).click();
  await page.locator('#site-days td', { hasText: '設備点検' }).waitFor();
  const exceptions = await director.get('/api/v1/sites/1/exceptions');
  assert.ok(exceptions.some((d) => d.date === '2026-12-15' && d.open === false && d.note === '設備点検'));
  await axeCheck(page, 'console: site forms after saving');
  // The settings: a check-in window and an address, saved; a bad zone shown at its field.
  const settings = page.getByRole('form', { name: '施設の設定' });
  await settings.getByLabel('予約開始の何分前からチェックインできるか').fill('20');
  await settings.getByLabel('住所（日本語）').fill('長野県塩尻市大門八番町1-28');
  await settings.getByLabel('タイムゾーン（IANA、例: Asia/Tokyo）').fill('Mars/Olympus');
  await settings.getByRole('button', { name: '設定を保存' }).click();
  await page.locator('#site-time_zone-error:not(:empty)').waitFor();
  assert.equal(await settings.getByLabel('タイムゾーン（IANA、例: Asia/Tokyo）').getAttribute('aria-invalid'), 'true');
  await settings.getByLabel('タイムゾーン（IANA、例: Asia/Tokyo）').fill('Asia/Tokyo');
  await settings.getByRole('button', { name: '設定を保存' }).click();
  await page.locator('#site-settings-message.ok').waitFor();
  const saved = await director.get('/api/v1/sites/1');
  assert.equal(saved.check_in_early_minutes, 20);
  assert.equal(saved.address_ja, '長野県塩尻市大門八番町1-28');
  assert.equal(await settings.getByLabel('タイムゾーン（IANA、例: Asia/Tokyo）').getAttribute('aria-invalid'), null);

  // Teams: a search with paging.
  await nav.getByRole('button', { name: 'チーム', exact: true }).click();
  const teamsSearch = page.getByRole('search', { name: 'チームの検索' });
  await teamsSearch.waitFor();
  await teamsSearch.getByLabel('名前で検索').fill('検索チーム');
  await teamsSearch.getByRole('button', { name: '検索' }).click();
  const pager = page.locator('#panel-teams .pager');
  await pager.getByText('全 23 件中 1〜20 件').waitFor();
  assert.equal(await page.getByRole('table', { name: 'チーム一覧' }).locator('tbody tr').count(), 20);
  await axeCheck(page, 'console: teams searched');
  await pager.getByRole('button', { name: '次へ' }).click();
  await pager.getByText('全 23 件中 21〜23 件').waitFor();
  assert.equal(await page.getByRole('table', { name: 'チーム一覧' }).locator('tbody tr').count(), 3);
  assert.equal(await pager.getByRole('button', { name: '次へ' }).isDisabled(), true);
  await pager.getByRole('button', { name: '前へ' }).click();
  await pager.getByText('全 23 件中 1〜20 件').waitFor();

  // Clients: found by a project's name.
  await nav.getByRole('button', { name: '取引先・プロジェクト' }).click();
  const clientsSearch = page.getByRole('search', { name: '取引先の検索（プロジェクト名でも）' });
  await clientsSearch.waitFor();
  await clientsSearch.getByLabel('名前で検索').fill('カタログ');
  await clientsSearch.getByRole('button', { name: '検索' }).click();
  await page.locator('#panel-clients .pager').getByText('全 1 件中 1〜1 件').waitFor();
  await page.getByRole('table', { name: '取引先一覧' }).getByRole('cell', { name: '梓川プリント' }).waitFor();
  await axeCheck(page, 'console: clients searched');

  assert.deepEqual(problems.filter((p) => !/422|Unprocessable/.test(p)), []);
});

test('an administrator opens a site from the console, its errors at their fields', { timeout: 120_000 }, async (t) => {
  const server = await startServer();
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const admin = await session(base, 'admin@kado.example');
  browser = await launchBrowser();
  const { page, problems } = await pageAs(browser, base, admin, { width: 1280, height: 900 });
  await page.goto(`${base}/admin/`);
  const form = page.getByRole('form', { name: '新しい施設を開く（管理者）' });
  await form.waitFor();
  await form.getByLabel('名称（日本語）').fill('KADO 安曇野');
  await form.getByLabel('名称（英語）').fill('KADO Azumino');
  await form.getByLabel('タイムゾーン（IANA、例: Asia/Tokyo）').fill('Asia/Tokio');
  await form.getByRole('button', { name: '施設を作成' }).click();
  await page.locator('#new-site-time_zone-error:not(:empty)').waitFor();
  assert.equal(await form.getByLabel('タイムゾーン（IANA、例: Asia/Tokyo）').getAttribute('aria-invalid'), 'true');
  await axeCheck(page, 'console: a new site with an inline error');
  await form.getByLabel('タイムゾーン（IANA、例: Asia/Tokyo）').fill('Asia/Tokyo');
  await form.getByRole('button', { name: '施設を作成' }).click();
  await page.locator('#site-create-message.ok', { hasText: 'KADO 安曇野' }).waitFor();
  await page.locator('#sites-list td', { hasText: 'KADO 安曇野' }).waitFor();
  const sites = await admin.get('/api/v1/sites');
  assert.ok(sites.some((s) => s.name_en === 'KADO Azumino' && s.time_zone === 'Asia/Tokyo'));
  assert.deepEqual(problems.filter((p) => !/422|Unprocessable/.test(p)), []);
});
