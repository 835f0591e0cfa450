// The director's and accountant's pay page (issue 19): a site's payments of a month (approved,
// amounts, paid or not), the warnings (due within 7 days and unpaid; not approved near the
// freelance act's 60 days), the payment runs and marking the unpaid approved months paid on a
// day, and the exports (CSV in UTF-8 or Shift_JIS, XLSX; the Zengin transfer file for
// accountants only, as the API allows).
//
//   GET /api/v1/me/pay-sites, GET /api/v1/sites/{id}/payments/{month}
//   POST /api/v1/sites/{id}/payments/{month}/paid

import { getLang, initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';
import { localDate } from '/shared/time.js';

initI18n({
  ja: {
    'app.title': 'KADO',
    'pay.pageTitle': '支払 | KADO', 'pay.heading': '支払', 'pay.months': '勤務表', 'pay.site': '拠点', 'pay.month': '月',
    'pay.summary': '支払の概要', 'pay.warnings': '注意が必要な月', 'pay.runs': '支払処理', 'pay.exports': '書き出し',
    'pay.paidOn': '支払日', 'pay.markPaid': '未払の承認済み分を支払済みにする',
    'pay.totals': '承認済み合計 {amount}(源泉徴収 {withholding}、差引 {total})・未払 {unpaid}・支払期日 {due}・法定期限 {limit}',
    'pay.name': '氏名', 'pay.member': '会員番号', 'pay.status': '勤務表', 'pay.hours': '時間', 'pay.amount': '金額',
    'pay.withholding': '源泉徴収', 'pay.total': '差引支払額', 'pay.paid': '支払日', 'pay.unpaid': '未払',
    'pay.noRows': 'この月の勤務はありません。', 'pay.noWarnings': '注意が必要な月はありません。', 'pay.noRuns': 'この月の支払処理はまだありません。',
    'pay.kind.due_soon': '支払期日が近い(未払)', 'pay.kind.not_approved': '未承認(法定期限が近い)',
    'pay.kind': '内容', 'pay.date': '期日', 'pay.daysLeft': '残り日数', 'pay.days': '{n}日',
    'pay.run': '処理', 'pay.by': '処理者', 'pay.count': '人数',
    'pay.marked': '{n}人分を支払済みにしました。', 'pay.nothing': '未払の承認済み分はありません。',
    'pay.csvUtf8': 'CSV(UTF-8)', 'pay.csvSjis': 'CSV(Shift_JIS)', 'pay.xlsx': 'Excel(XLSX)',
    'pay.zengin': '全銀協 総合振込ファイル(未払分)', 'pay.zenginRun': '全銀協 総合振込ファイル(処理 {id})',
    'pay.notAllowed': 'このページは拠点の所長と経理担当者が使います。', 'pay.loginRequired': 'ログインしてください。',
    'status.open': '未提出', 'status.submitted': '提出済み', 'status.returned': '差戻し', 'status.approved': '承認済み', 'status.reopened': '再開',
  },
  en: {
    'app.title': 'KADO',
    'pay.pageTitle': 'Payments | KADO', 'pay.heading': 'Payments', 'pay.months': 'Timesheets', 'pay.site': 'Site', 'pay.month': 'Month',
    'pay.summary': 'Summary', 'pay.warnings': 'Months needing attention', 'pay.runs': 'Payment runs', 'pay.exports': 'Exports',
    'pay.paidOn': 'Paid on', 'pay.markPaid': 'Mark the unpaid approved months paid',
    'pay.totals': 'Approved {amount} (withholding {withholding}, net {total}) · unpaid {unpaid} · due {due} · legal limit {limit}',
    'pay.name': 'Name', 'pay.member': 'Member number', 'pay.status': 'Timesheet', 'pay.hours': 'Hours', 'pay.amount': 'Amount',
    'pay.withholding': 'Withholding', 'pay.total': 'Net', 'pay.paid': 'Paid on', 'pay.unpaid': 'Unpaid',
    'pay.noRows': 'No time this month.', 'pay.noWarnings': 'Nothing needs attention.', 'pay.noRuns': 'No payment run for this month yet.',
    'pay.kind.due_soon': 'Due soon (unpaid)', 'pay.kind.not_approved': 'Not approved (legal limit near)',
    'pay.kind': 'What', 'pay.date': 'Date', 'pay.daysLeft': 'Days left', 'pay.days': '{n} days',
    'pay.run': 'Run', 'pay.by': 'By', 'pay.count': 'Workers',
    'pay.marked': '{n} marked paid.', 'pay.nothing': 'No unpaid approved month.',
    'pay.csvUtf8': 'CSV (UTF-8)', 'pay.csvSjis': 'CSV (Shift_JIS)', 'pay.xlsx': 'Excel (XLSX)',
    'pay.zengin': 'Zengin transfer file (unpaid)', 'pay.zenginRun': 'Zengin transfer file (run {id})',
    'pay.notAllowed': 'This page is for the site\u2019s directors and accountants.', 'pay.loginRequired': 'Please log in.',
    'status.open': 'Open', 'status.submitted': 'Submitted', 'status.returned': 'Returned', 'status.approved': 'Approved', 'status.reopened': 'Reopened',
  },
});

const el = (id) => document.getElementById(id);
const state = { sites: [], siteId: null, month: '', data: null, names: new Map() };
const yen = (n) => (n === null || n === undefined ? '—'
  : `${Number(n).toLocaleString(getLang() === 'ja' ? 'ja-JP' : 'en-US')}${getLang() === 'ja' ? ' 円' : ' yen'}`);
const mine = () => state.sites.find((s) => s.site_id === state.siteId) || {};

function say(text, kind = '') {
  const s = el('status');
  s.className = `message ${kind}`;
  s.textContent = text;
}

function fieldError(text) {
  const e = el('paid-on-error');
  e.textContent = text || '';
  e.hidden = !text;
  if (text) el('paid-on').setAttribute('aria-invalid', 'true');
  else el('paid-on').removeAttribute('aria-invalid');
}

function draw() {
  const d = state.data;
  if (!d) return;
  el('summary').textContent = t('pay.totals', {
    amount: yen(d.amount), withholding: yen(d.withholding), total: yen(d.total), unpaid: yen(d.unpaid_total),
    due: d.due_on, limit: d.legal_limit,
  });
  setChildren(el('payments'), dataTable(`${d.month}`, [
    { label: t('pay.name'), cell: (r) => r.name },
    { label: t('pay.member'), cell: (r) => r.member_number || '—' },
    { label: t('pay.status'), cell: (r) => t(`status.${r.status}`) },
    { label: t('pay.hours'), cell: (r) => (r.minutes / 60).toFixed(2) },
    { label: t('pay.amount'), cell: (r) => yen(r.amount) },
    { label: t('pay.withholding'), cell: (r) => yen(r.withholding) },
    { label: t('pay.total'), cell: (r) => yen(r.total) },
    { label: t('pay.paid'), cell: (r) => r.paid_on || (r.approved ? t('pay.unpaid') : '—') },
  ], d.rows, { emptyText: t('pay.noRows') }));
  el('payments').setAttribute('aria-busy', 'false');
  setChildren(el('warnings'), dataTable(t('pay.warnings'), [
    { label: t('pay.kind'), cell: (w) => t(`pay.kind.${w.kind}`) },
    { label: t('pay.month'), cell: (w) => w.month },
    { label: t('pay.name'), cell: (w) => w.name },
    { label: t('pay.date'), cell: (w) => w.date },
    { label: t('pay.daysLeft'), cell: (w) => t('pay.days', { n: w.days_left }) },
  ], d.warnings, { emptyText: t('pay.noWarnings') }));
  setChildren(el('runs'), dataTable(t('pay.runs'), [
    { label: t('pay.run'), cell: (r) => String(r.id) },
    { label: t('pay.paid'), cell: (r) => r.paid_on },
    { label: t('pay.by'), cell: (r) => r.paid_by_name },
    { label: t('pay.count'), cell: (r) => String(r.payments) },
    { label: t('pay.total'), cell: (r) => yen(r.total) },
  ], d.runs, { emptyText: t('pay.noRuns') }));
  const base = `/api/v1/sites/${state.siteId}/payments/${state.month}`;
  const link = (href, label) => h('li', null, h('a', { class: 'btn', href, download: '' }, label));
  const links = [
    link(`${base}/export.csv`, t('pay.csvUtf8')),
    link(`${base}/export.csv?encoding=cp932`, t('pay.csvSjis')),
    link(`${base}/export.xlsx`, t('pay.xlsx')),
  ];
  if (mine().accountant) {
    links.push(link(`${base}/zengin`, t('pay.zengin')));
    for (const r of d.runs) links.push(link(`${base}/zengin?run=${r.id}`, t('pay.zenginRun', { id: r.id })));
  }
  setChildren(el('exports'), links);
}

async function load() {
  el('payments').setAttribute('aria-busy', 'true');
  try {
    state.data = await api('GET', `/api/v1/sites/${state.siteId}/payments/${state.month}`);
    draw();
  } catch (err) {
    state.data = null;
    setChildren(el('payments'));
    say(errorText(err), 'error');
  }
}

async function markPaid(ev) {
  ev.preventDefault();
  fieldError('');
  const before = state.data ? state.data.runs.length : 0;
  try {
    state.data = await api('POST', `/api/v1/sites/${state.siteId}/payments/${state.month}/paid`, { paid_on: el('paid-on').value });
    const runs = state.data.runs;
    say(runs.length > before ? t('pay.marked', { n: runs[runs.length - 1].payments }) : t('pay.nothing'), 'ok');
    draw();
  } catch (err) {
    const field = err instanceof ApiError ? (err.errors || []).find((e) => e.field === 'paid_on') : null;
    if (field) fieldError(field.message);
    say(errorText(err), 'error');
  }
}

function lastMonth(today) {
  const [y, m] = today.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

async function boot() {
  try {
    await api('GET', '/api/v1/auth/me');
  } catch (err) {
    el('loading').hidden = true;
    el('auth-message').textContent = err instanceof ApiError && err.status === 401 ? t('pay.loginRequired') : errorText(err);
    return;
  }
  const [paySites, sites, time] = await Promise.all([
    api('GET', '/api/v1/me/pay-sites'), api('GET', '/api/v1/sites'), api('GET', '/api/v1/time')]);
  for (const s of sites) state.names.set(s.id, s);
  state.sites = paySites.filter((p) => state.names.has(p.site_id));
  el('loading').hidden = true;
  if (!state.sites.length) {
    el('auth-message').textContent = t('pay.notAllowed');
    return;
  }
  const siteName = (id) => {
    const s = state.names.get(id);
    return getLang() === 'ja' ? s.name_ja || s.name : s.name_en || s.name;
  };
  const fill = () => {
    setChildren(el('site-select'), state.sites.map((s) => h('option', { value: String(s.site_id) }, siteName(s.site_id))));
    el('site-select').value = String(state.siteId);
  };
  state.siteId = state.sites[0].site_id;
  fill();
  const today = localDate(state.names.get(state.siteId)?.time_zone, new Date(time.now));
  state.month = lastMonth(today);
  el('month-input').value = state.month;
  el('paid-on').value = today;
  el('content').hidden = false;
  el('site-select').addEventListener('change', () => {
    state.siteId = Number(el('site-select').value);
    load();
  });
  el('month-input').addEventListener('change', () => {
    if (!el('month-input').value) return;
    state.month = el('month-input').value;
    load();
  });
  el('paid-form').addEventListener('submit', markPaid);
  onLangChange(() => {
    fill();
    draw();
  });
  await load();
}

boot();
