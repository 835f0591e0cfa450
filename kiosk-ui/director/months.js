// The director's month review (desktop): a site's workers for a month with their hours at the
// center and remote, flags and status (filter by team and status); one worker's month with its
// entries and history; approve, return with a comment, reopen with a reason; confirm or refuse
// a worker's proposed end of a forgotten check-out. Team leaders see their team, read only.
//
//   GET  /api/v1/auth/me, GET /api/v1/sites, GET /api/v1/time, GET /api/v1/sites/{id}/teams
//   GET  /api/v1/sites/{id}/months/{YYYY-MM}?team_id=&status=
//   GET  /api/v1/sites/{id}/months/{YYYY-MM}/people/{person}
//   GET  /api/v1/timesheets/{id}/history
//   POST /api/v1/timesheets/{id}/approve|return|reopen {comment}
//   POST /api/v1/presence-corrections/{id}/confirm|refuse

import { getLang, initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';

const STATUSES = ['open', 'submitted', 'returned', 'approved', 'reopened'];

initI18n({
  ja: {
    'app.title': 'KADO',
    'common.skip': '本文へ移動',
    'common.loading': '読み込み中…',
    'dir.pageTitle': '勤務表の確認 | KADO',
    'dir.heading': '勤務表の確認',
    'dir.payLink': '支払',
    'dir.loginRequired': 'この画面を使うにはログインが必要です。',
    'dir.notAllowed': 'センター長またはチームリーダーの権限がありません。',
    'dir.site': '拠点',
    'dir.month': '月',
    'dir.team': 'チーム',
    'dir.status': '状態',
    'dir.all': 'すべて',
    'dir.list': 'ワーカーの月',
    'dir.none': '該当するワーカーはいません。',
    'dir.col.name': '氏名',
    'dir.col.team': 'チーム',
    'dir.col.status': '状態',
    'dir.col.center': 'センター',
    'dir.col.remote': '在宅',
    'dir.col.total': '合計',
    'dir.col.flags': '要確認',
    'dir.col.open': '詳細',
    'dir.open': '開く',
    'dir.openLabel': '{name} の月を開く',
    'dir.st.open': '入力中',
    'dir.st.submitted': '提出済',
    'dir.st.returned': '差し戻し',
    'dir.st.approved': '承認済',
    'dir.st.reopened': '再開',
    'dir.detail': '{name}（{month}）',
    'dir.entries': '記録',
    'dir.noEntries': '記録はありません。',
    'dir.col.date': '日付',
    'dir.col.time': '時間',
    'dir.col.kind': '種類',
    'dir.col.project': 'プロジェクト',
    'dir.col.note': '内容',
    'dir.kind.remote': '在宅',
    'dir.kind.center': 'センター',
    'dir.corrections': '終了時刻の訂正申請',
    'dir.correction': '{day} 自動終了 {closed} → 申請 {proposed}',
    'dir.confirm': '認める',
    'dir.refuse': '認めない',
    'dir.comment': 'コメント（差し戻し・再開では必須）',
    'dir.approve': '承認',
    'dir.return': '差し戻す',
    'dir.reopen': '再開する',
    'dir.done.approve': '承認しました。',
    'dir.done.return': '差し戻しました。',
    'dir.done.reopen': '再開しました。',
    'dir.done.confirm': '訂正を認めました。',
    'dir.done.refuse': '訂正を認めませんでした。',
    'dir.history': '履歴',
    'dir.noHistory': '履歴はまだありません。',
    'dir.col.when': '日時',
    'dir.col.who': '変更者',
    'dir.col.what': '内容',
    'dir.col.before': '変更前',
    'dir.col.after': '変更後',
    'dir.col.reason': '理由',
    'dir.readOnly': 'チームリーダーは閲覧のみです。',
    'dir.minutes': '{h}時間{m}分',
    'dir.confirmLabel': '{day} の訂正を認める',
    'dir.refuseLabel': '{day} の訂正を認めない',
    'dir.what.submitted': '提出',
    'dir.what.returned': '差し戻し',
    'dir.what.approved': '承認',
    'dir.what.reopened': '再開',
    'dir.what.entry_added': '記録の追加',
    'dir.what.entry_changed': '記録の変更',
    'dir.what.entry_removed': '記録の削除',
    'dir.what.end_proposed': '終了時刻の訂正申請',
    'dir.what.end_confirmed': '訂正の承認',
    'dir.what.end_refused': '訂正の却下',
  },
  en: {
    'app.title': 'KADO',
    'common.skip': 'Skip to content',
    'common.loading': 'Loading…',
    'dir.pageTitle': 'Timesheets | KADO',
    'dir.heading': 'Timesheets',
    'dir.payLink': 'Payments',
    'dir.loginRequired': 'Please log in to use this page.',
    'dir.notAllowed': 'You are not a director or team leader of any site.',
    'dir.site': 'Site',
    'dir.month': 'Month',
    'dir.team': 'Team',
    'dir.status': 'Status',
    'dir.all': 'All',
    'dir.list': "Workers' months",
    'dir.none': 'No worker matches.',
    'dir.col.name': 'Name',
    'dir.col.team': 'Team',
    'dir.col.status': 'Status',
    'dir.col.center': 'Center',
    'dir.col.remote': 'Remote',
    'dir.col.total': 'Total',
    'dir.col.flags': 'To check',
    'dir.col.open': 'Details',
    'dir.open': 'Open',
    'dir.openLabel': 'Open the month of {name}',
    'dir.st.open': 'Open',
    'dir.st.submitted': 'Submitted',
    'dir.st.returned': 'Returned',
    'dir.st.approved': 'Approved',
    'dir.st.reopened': 'Reopened',
    'dir.detail': '{name} ({month})',
    'dir.entries': 'Entries',
    'dir.noEntries': 'No entries.',
    'dir.col.date': 'Date',
    'dir.col.time': 'Time',
    'dir.col.kind': 'Kind',
    'dir.col.project': 'Project',
    'dir.col.note': 'What was done',
    'dir.kind.remote': 'Remote',
    'dir.kind.center': 'Center',
    'dir.corrections': 'Proposed end times',
    'dir.correction': '{day} closed by the system at {closed}, proposed {proposed}',
    'dir.confirm': 'Confirm',
    'dir.refuse': 'Refuse',
    'dir.comment': 'Comment (required to return or reopen)',
    'dir.approve': 'Approve',
    'dir.return': 'Return',
    'dir.reopen': 'Reopen',
    'dir.done.approve': 'Approved.',
    'dir.done.return': 'Returned.',
    'dir.done.reopen': 'Reopened.',
    'dir.done.confirm': 'Correction confirmed.',
    'dir.done.refuse': 'Correction refused.',
    'dir.history': 'History',
    'dir.noHistory': 'No history yet.',
    'dir.col.when': 'When',
    'dir.col.who': 'By',
    'dir.col.what': 'What',
    'dir.col.before': 'Before',
    'dir.col.after': 'After',
    'dir.col.reason': 'Reason',
    'dir.readOnly': 'Team leaders can read, not decide.',
    'dir.minutes': '{h} h {m} min',
    'dir.confirmLabel': 'Confirm the correction of {day}',
    'dir.refuseLabel': 'Refuse the correction of {day}',
    'dir.what.submitted': 'Submitted',
    'dir.what.returned': 'Returned',
    'dir.what.approved': 'Approved',
    'dir.what.reopened': 'Reopened',
    'dir.what.entry_added': 'Entry added',
    'dir.what.entry_changed': 'Entry changed',
    'dir.what.entry_removed': 'Entry removed',
    'dir.what.end_proposed': 'End time proposed',
    'dir.what.end_confirmed': 'Correction confirmed',
    'dir.what.end_refused': 'Correction refused',
  },
});

const el = (id) => document.getElementById(id);
const state = { me: null, sites: [], siteId: null, month: null, teams: [], rows: [], open: null, asked: 0 };

const duration = (m) => t('dir.minutes', { h: Math.floor(m / 60), m: m % 60 });
const siteOf = () => state.sites.find((s) => s.id === state.siteId);
const tz = () => (siteOf() && siteOf().time_zone) || 'Asia/Tokyo';
const isDirector = () => state.me.is_admin || (state.me.roles || []).some((g) => g.site_id === state.siteId && g.role === 'director');
const localTime = (iso) => new Intl.DateTimeFormat('en-GB', { timeZone: tz(), hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
const localDay = (iso) => new Intl.DateTimeFormat('en-CA', { timeZone: tz() }).format(new Date(iso));
const localStamp = (iso) => `${localDay(iso)} ${localTime(iso)}`;

function say(id, kind, text) {
  el(id).className = `message ${kind}`;
  el(id).textContent = text;
}

function fillFilters() {
  setChildren(el('site-select'), state.sites.map((s) => h('option', { value: String(s.id), selected: s.id === state.siteId }, getLang() === 'ja' ? s.name_ja : s.name_en)));
  setChildren(el('team-select'), h('option', { value: '' }, t('dir.all')), state.teams.map((tm) => h('option', { value: String(tm.id) }, tm.name)));
  const chosen = el('status-select').value;
  setChildren(el('status-select'), h('option', { value: '' }, t('dir.all')), STATUSES.map((s) => h('option', { value: s, selected: s === chosen }, t(`dir.st.${s}`))));
}

async function loadTeams() {
  try {
    state.teams = await api('GET', `/api/v1/sites/${state.siteId}/teams`);
  } catch {
    state.teams = [];
  }
  fillFilters();
}

async function loadList() {
  const params = new URLSearchParams();
  if (el('team-select').value) params.set('team_id', el('team-select').value);
  if (el('status-select').value) params.set('status', el('status-select').value);
  el('month-list').setAttribute('aria-busy', 'true');
  try {
    state.rows = await api('GET', `/api/v1/sites/${state.siteId}/months/${state.month}?${params}`);
    say('list-status', '', '');
    renderList();
  } catch (err) {
    state.rows = [];
    renderList();
    say('list-status', 'error', errorText(err));
  }
  el('month-list').setAttribute('aria-busy', 'false');
}

function renderList() {
  setChildren(el('month-list'), dataTable(null, [
    { label: t('dir.col.name'), cell: (r) => r.name },
    { label: t('dir.col.team'), cell: (r) => r.team_name || '' },
    { label: t('dir.col.status'), cell: (r) => h('span', { class: `badge${r.status === 'approved' ? ' ok' : ''}`, 'data-status': r.status, id: `status-${r.person_id}` }, t(`dir.st.${r.status}`)) },
    { label: t('dir.col.center'), cell: (r) => duration(r.total_center_minutes) },
    { label: t('dir.col.remote'), cell: (r) => duration(r.total_remote_minutes) },
    { label: t('dir.col.total'), cell: (r) => duration(r.total_minutes) },
    { label: t('dir.col.flags'), cell: (r) => String(r.flags) },
    {
      label: t('dir.col.open'),
      cell: (r) => h('button', { type: 'button', class: 'btn secondary small', id: `open-${r.person_id}`, 'aria-label': t('dir.openLabel', { name: r.name }), onclick: () => openPerson(r) }, t('dir.open')),
    },
  ], state.rows, { emptyText: t('dir.none') }));
}

async function openPerson(row) {
  state.open = row;
  el('detail').hidden = false;
  await loadDetail();
  el('detail-heading').focus();
}

async function loadDetail() {
  const row = state.open;
  if (!row) return;
  // Only the latest request draws: a slow answer for the worker opened before is dropped.
  const asked = ++state.asked;
  setChildren(el('detail-heading'), t('dir.detail', { name: row.name, month: state.month }));
  try {
    const m = await api('GET', `/api/v1/sites/${state.siteId}/months/${state.month}/people/${row.person_id}`);
    const history = m.timesheet_id ? await api('GET', `/api/v1/timesheets/${m.timesheet_id}/history`) : [];
    if (asked !== state.asked) return;
    renderDetail(m, history);
  } catch (err) {
    say('detail-status', 'error', errorText(err));
  }
}

function renderDetail(m, history) {
  const pending = m.sessions.filter((s) => s.correction && s.correction.status === 'proposed');
  const director = isDirector();
  const comment = h('textarea', { id: 'decision-comment', rows: '2', maxlength: '1000', 'aria-describedby': 'decision-comment-error' });
  const step = (what) => h('button', {
    type: 'button', class: what === 'approve' ? 'btn' : 'btn secondary', id: `do-${what}`,
    onclick: () => act(() => api('POST', `/api/v1/timesheets/${m.timesheet_id}/${what}`, { comment: comment.value }), `dir.done.${what}`),
  }, t(`dir.${what}`));
  const steps = [];
  if (m.status === 'submitted') steps.push(step('approve'), step('return'));
  if (m.status === 'approved') steps.push(step('reopen'));
  setChildren(el('detail-body'),
    h('p', null, h('span', { class: 'badge', id: 'detail-state', 'data-status': m.status }, t(`dir.st.${m.status}`)), ' ',
      `${t('dir.col.center')} ${duration(m.total_center_minutes)} · ${t('dir.col.remote')} ${duration(m.total_remote_minutes)} · ${t('dir.col.total')} ${duration(m.total_minutes)}`),
    h('h3', null, t('dir.entries')),
    dataTable(null, [
      { label: t('dir.col.date'), cell: (e) => e.date },
      { label: t('dir.col.time'), cell: (e) => `${e.start}-${e.end}` },
      { label: t('dir.col.kind'), cell: (e) => t(`dir.kind.${e.kind}`) },
      { label: t('dir.col.project'), cell: (e) => e.project_name || '' },
      { label: t('dir.col.note'), cell: (e) => e.note },
    ], m.entries, { emptyText: t('dir.noEntries') }),
    pending.length ? [h('h3', null, t('dir.corrections')), h('ul', { class: 'items' }, pending.map((s) => h('li', { class: 'card' },
      t('dir.correction', { day: localDay(s.checked_in_at), closed: localTime(s.checked_out_at), proposed: localTime(s.correction.proposed_end) }), ' ',
      director ? [
        h('button', {
          type: 'button', class: 'btn small', 'aria-label': t('dir.confirmLabel', { day: localDay(s.checked_in_at) }),
          onclick: () => act(() => api('POST', `/api/v1/presence-corrections/${s.correction.id}/confirm`), 'dir.done.confirm'),
        }, t('dir.confirm')), ' ',
        h('button', {
          type: 'button', class: 'btn secondary small', 'aria-label': t('dir.refuseLabel', { day: localDay(s.checked_in_at) }),
          onclick: () => act(() => api('POST', `/api/v1/presence-corrections/${s.correction.id}/refuse`), 'dir.done.refuse'),
        }, t('dir.refuse')),
      ] : null)))] : null,
    director && steps.length ? h('div', { class: 'card' },
      h('div', { class: 'field' }, h('label', { for: 'decision-comment' }, t('dir.comment')), comment,
        h('p', { id: 'decision-comment-error', class: 'field-error', hidden: true })),
      h('div', { class: 'actions' }, steps)) : null,
    director ? null : h('p', { class: 'muted' }, t('dir.readOnly')),
    h('h3', null, t('dir.history')),
    dataTable(null, [
      { label: t('dir.col.when'), cell: (c) => localStamp(c.changed_at) },
      { label: t('dir.col.who'), cell: (c) => c.changed_by_name },
      { label: t('dir.col.what'), cell: (c) => t(`dir.what.${c.what}`) },
      { label: t('dir.col.before'), cell: (c) => c.before || '' },
      { label: t('dir.col.after'), cell: (c) => c.after || '' },
      { label: t('dir.col.reason'), cell: (c) => c.reason || '' },
    ], history, { emptyText: t('dir.noHistory') }));
}

async function act(call, done) {
  try {
    await call();
    say('detail-status', 'ok', t(done));
    await Promise.all([loadDetail(), loadList()]);
  } catch (err) {
    say('detail-status', 'error', errorText(err));
    // A comment that is required: said next to the comment box too.
    const problem = err instanceof ApiError && err.errors[0];
    const note = el('decision-comment-error');
    if (problem && problem.field === 'comment' && note) {
      note.textContent = problem.message;
      note.hidden = false;
      el('decision-comment').setAttribute('aria-invalid', 'true');
      el('decision-comment').focus();
    }
  }
}

async function boot() {
  try {
    state.me = await api('GET', '/api/v1/auth/me');
  } catch (err) {
    el('loading').hidden = true;
    el('auth-message').textContent = err instanceof ApiError && err.status === 401 ? t('dir.loginRequired') : errorText(err);
    return;
  }
  const mine = new Set((state.me.roles || []).map((g) => g.site_id));
  const [sites, time] = await Promise.all([api('GET', '/api/v1/sites'), api('GET', '/api/v1/time')]);
  state.sites = sites.filter((s) => s.active && (state.me.is_admin || mine.has(s.id)));
  el('loading').hidden = true;
  if (state.sites.length === 0) {
    el('auth-message').textContent = t('dir.notAllowed');
    return;
  }
  state.siteId = state.sites[0].id;
  const now = new Date(time.now);
  // The month before this one: the one being reviewed at the start of a month.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz() }).format(now);
  const [y, mo] = today.split('-').map(Number);
  const prev = new Date(Date.UTC(y, mo - 2, 1));
  state.month = `${prev.getUTCFullYear()}-${String(prev.getUTCMonth() + 1).padStart(2, '0')}`;
  el('month-input').value = state.month;
  el('dir-content').hidden = false;
  el('site-select').addEventListener('change', async () => {
    state.siteId = Number(el('site-select').value);
    el('detail').hidden = true;
    await loadTeams();
    await loadList();
  });
  el('month-input').addEventListener('change', (ev) => {
    if (/^\d{4}-\d{2}$/.test(ev.target.value)) {
      state.month = ev.target.value;
      el('detail').hidden = true;
      loadList();
    }
  });
  el('team-select').addEventListener('change', loadList);
  el('status-select').addEventListener('change', loadList);
  el('filters').addEventListener('submit', (ev) => ev.preventDefault());
  onLangChange(() => {
    fillFilters();
    renderList();
    loadDetail();
  });
  await loadTeams();
  await loadList();
}

boot();
