// The director's console: navigation between the site pages (admin.js) and the panels here:
// people and roles (search, paging, a form with inline errors, invitations), teams and their
// leaders, clients and projects, and the worker import (a dry run's table, then the import).
//   GET  /api/v1/auth/me, /api/v1/sites
//   GET  /api/v1/persons/search?site_id&q&role&offset&limit
//   POST /api/v1/persons {..., invite}; POST /api/v1/persons/{id}/invitation
//   GET  /api/v1/sites/{id}/teams/search?q&offset&limit; POST /api/v1/sites/{id}/teams;
//        PATCH /api/v1/teams/{id}
//   GET  /api/v1/sites/{id}/clients/search?q&offset&limit (with projects);
//        POST /api/v1/sites/{id}/clients; POST /api/v1/clients/{id}/projects
//   POST /api/v1/sites/{id}/person-imports?dry_run=true|false&invite=

import { addStrings, applyI18n, getLang, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';

addStrings({
  ja: {
    'console.nav': '管理メニュー',
    'console.nav.sites': '施設・スペース・端末',
    'console.nav.people': '利用者と役割',
    'console.nav.teams': 'チーム',
    'console.nav.clients': '取引先・プロジェクト',
    'console.nav.import': '一括取り込み',
    'console.nav.rosters': '名簿・セキュアルーム',
    'console.nav.timesheets': '勤務表',
    'console.nav.pay': '支払',
    'console.nav.kpi': 'KPI・受注',
    'console.nav.staff': '館内の状況',
    'console.site': '拠点',
    'people.heading': '利用者と役割',
    'people.search': '検索（氏名・フリガナ・メール・会員番号）',
    'people.role': '役割',
    'people.anyRole': 'すべて',
    'people.find': '検索',
    'people.caption': '利用者一覧',
    'people.count': '全 {total} 件中 {from}〜{to} 件',
    'people.none': '該当する利用者はいません。',
    'people.prev': '前へ',
    'people.next': '次へ',
    'people.col.number': '会員番号',
    'people.col.name': '氏名',
    'people.col.email': 'メール',
    'people.col.roles': '役割',
    'people.col.status': '状態',
    'people.col.action': '操作',
    'people.active': '有効',
    'people.inactive': '無効',
    'people.invite': '招待を送る',
    'people.inviteLabel': '招待を送る（{name} さん）',
    'people.invited': '{name} さんに招待メールを送りました。',
    'people.add': '利用者を追加',
    'people.email': 'メールアドレス',
    'people.name': '氏名',
    'people.kana': 'フリガナ',
    'people.number': '会員番号',
    'people.phone': '電話番号',
    'people.sendInvite': '招待メールを送り、本人がパスワードを決める',
    'people.create': '追加する',
    'people.created': '{name} さんを追加しました。',
    'people.fix': '入力内容を確認してください。',
    'people.edit': '編集',
    'people.editLabel': '編集（{name} さん）',
    'people.editing': '{name} さんの編集',
    'people.isActive': 'アカウントを有効にする',
    'people.rolesHere': 'この拠点での役割',
    'people.save': '保存する',
    'people.cancel': '閉じる',
    'people.saved': '{name} さんを保存しました。',
    'role.worker': 'ワーカー',
    'role.reception': '受付',
    'role.caregiver': '保育',
    'role.trainer': '講師',
    'role.director': '施設長',
    'console.nav.hours': '開館時間',
    'hours.heading': '開館時間と予約の設定',
    'hours.caption': '曜日ごとの開館時間',
    'hours.open': '開館',
    'hours.from': '開館時刻（{day}）',
    'hours.to': '閉館時刻（{day}）',
    'hours.isOpen': '{day}に開館',
    'hours.holidays': '祝日も開館する',
    'hours.window': '予約できる日数（先まで）',
    'hours.save': '保存する',
    'hours.saved': '保存しました。',
    'day.mon': '月曜', 'day.tue': '火曜', 'day.wed': '水曜', 'day.thu': '木曜', 'day.fri': '金曜', 'day.sat': '土曜', 'day.sun': '日曜',
    'teams.heading': 'チームとリーダー',
    'teams.caption': 'チーム一覧',
    'teams.none': 'チームはありません。',
    'teams.col.name': 'チーム名',
    'teams.col.leader': 'リーダー',
    'teams.col.members': '人数',
    'teams.noLeader': '（なし）',
    'teams.leaderOf': '{name} のリーダー',
    'teams.save': '保存',
    'teams.saveLabel': '保存（{name} のリーダー）',
    'teams.saved': '{name} を保存しました。',
    'teams.add': 'チームを作る',
    'teams.name': 'チーム名',
    'teams.leader': 'リーダー',
    'teams.create': '作成する',
    'clients.heading': '取引先とプロジェクト',
    'clients.caption': '取引先一覧',
    'clients.none': '取引先はありません。',
    'clients.col.name': '取引先',
    'clients.col.projects': 'プロジェクト',
    'clients.add': '取引先を追加',
    'clients.name': '取引先名',
    'clients.create': '追加する',
    'clients.addProject': 'プロジェクトを追加',
    'clients.projectName': '{name} の新しいプロジェクト名',
    'clients.saved': '保存しました。',
    'list.search': '名前で検索',
    'list.find': '検索',
    'list.teamsSearch': 'チームの検索',
    'list.clientsSearch': '取引先の検索（プロジェクト名でも）',
    'import.col.role': '役割',
    'import.heading': 'ワーカーの一括取り込み',
    'import.help': 'CSV（UTF-8 または Shift_JIS）か XLSX。見出し行に 会員番号・氏名・メールアドレス（任意: フリガナ・電話番号・自治体・チーム・言語・役割）。役割は ワーカー（空欄のとき）・トレーナー・保育士・受付。施設長は取り込めません。最大 5 MB・5,000 行。',
    'import.file': '取り込むファイル',
    'import.invite': '新しい人に招待メールを送る',
    'import.check': '内容を確認（まだ登録しません）',
    'import.run': 'この内容で取り込む',
    'import.summary': '新規 {new} 件・更新 {updated} 件・変更なし {unchanged} 件・エラー {errors} 件',
    'import.fixFirst': 'エラーのある行を直してから、もう一度確認してください。何も登録していません。',
    'import.ready': '問題はありません。「この内容で取り込む」で登録します。',
    'import.done': '{count} 件を取り込みました（招待 {invited} 件）。',
    'import.chooseFile': 'ファイルを選んでください。',
    'import.ignored': '使わない列: {columns}',
    'import.caption': '確認結果',
    'import.col.row': '行',
    'import.col.outcome': '結果',
    'import.col.number': '会員番号',
    'import.col.name': '氏名',
    'import.col.email': 'メール',
    'import.col.errors': 'エラー',
    'outcome.new': '新規',
    'outcome.update': '更新',
    'outcome.unchanged': '変更なし',
    'outcome.error': 'エラー',
  },
  en: {
    'console.nav': 'Console menu',
    'console.nav.sites': 'Sites, spaces, kiosks',
    'console.nav.people': 'People and roles',
    'console.nav.teams': 'Teams',
    'console.nav.clients': 'Clients and projects',
    'console.nav.import': 'Import',
    'console.nav.rosters': 'Rosters and secure rooms',
    'console.nav.timesheets': 'Timesheets',
    'console.nav.pay': 'Payments',
    'console.nav.kpi': 'KPIs and orders',
    'console.nav.staff': 'The building now',
    'console.site': 'Site',
    'people.heading': 'People and roles',
    'people.search': 'Search (name, kana, e-mail, member number)',
    'people.role': 'Role',
    'people.anyRole': 'Any',
    'people.find': 'Search',
    'people.caption': 'People',
    'people.count': '{from}–{to} of {total}',
    'people.none': 'Nobody matches.',
    'people.prev': 'Previous',
    'people.next': 'Next',
    'people.col.number': 'Member number',
    'people.col.name': 'Name',
    'people.col.email': 'E-mail',
    'people.col.roles': 'Roles',
    'people.col.status': 'Status',
    'people.col.action': 'Action',
    'people.active': 'Active',
    'people.inactive': 'Inactive',
    'people.invite': 'Send invitation',
    'people.inviteLabel': 'Send invitation to {name}',
    'people.invited': 'Invitation sent to {name}.',
    'people.add': 'Add a person',
    'people.email': 'E-mail address',
    'people.name': 'Name',
    'people.kana': 'Kana reading',
    'people.number': 'Member number',
    'people.phone': 'Phone',
    'people.sendInvite': 'Mail an invitation: they choose their password',
    'people.create': 'Add',
    'people.created': '{name} was added.',
    'people.fix': 'Please check the fields.',
    'people.edit': 'Edit',
    'people.editLabel': 'Edit {name}',
    'people.editing': 'Editing {name}',
    'people.isActive': 'Account active',
    'people.rolesHere': 'Roles at this site',
    'people.save': 'Save',
    'people.cancel': 'Close',
    'people.saved': '{name} was saved.',
    'role.worker': 'Worker',
    'role.reception': 'Reception',
    'role.caregiver': 'Caregiver',
    'role.trainer': 'Trainer',
    'role.director': 'Director',
    'console.nav.hours': 'Opening hours',
    'hours.heading': 'Opening hours and booking settings',
    'hours.caption': 'Hours per weekday',
    'hours.open': 'Open',
    'hours.from': 'Opens ({day})',
    'hours.to': 'Closes ({day})',
    'hours.isOpen': 'Open on {day}',
    'hours.holidays': 'Open on public holidays',
    'hours.window': 'Days ahead workers may book',
    'hours.save': 'Save',
    'hours.saved': 'Saved.',
    'day.mon': 'Monday', 'day.tue': 'Tuesday', 'day.wed': 'Wednesday', 'day.thu': 'Thursday', 'day.fri': 'Friday', 'day.sat': 'Saturday', 'day.sun': 'Sunday',
    'teams.heading': 'Teams and leaders',
    'teams.caption': 'Teams',
    'teams.none': 'No teams.',
    'teams.col.name': 'Team',
    'teams.col.leader': 'Leader',
    'teams.col.members': 'Members',
    'teams.noLeader': '(none)',
    'teams.leaderOf': 'Leader of {name}',
    'teams.save': 'Save',
    'teams.saveLabel': 'Save (leader of {name})',
    'teams.saved': '{name} saved.',
    'teams.add': 'Form a team',
    'teams.name': 'Team name',
    'teams.leader': 'Leader',
    'teams.create': 'Create',
    'clients.heading': 'Clients and projects',
    'clients.caption': 'Clients',
    'clients.none': 'No clients.',
    'clients.col.name': 'Client',
    'clients.col.projects': 'Projects',
    'clients.add': 'Add a client',
    'clients.name': 'Client name',
    'clients.create': 'Add',
    'clients.addProject': 'Add project',
    'clients.projectName': 'New project name for {name}',
    'clients.saved': 'Saved.',
    'list.search': 'Search by name',
    'list.find': 'Search',
    'list.teamsSearch': 'Search teams',
    'list.clientsSearch': 'Search clients (project names too)',
    'import.col.role': 'Role',
    'import.heading': 'Import workers',
    'import.help': 'CSV (UTF-8 or Shift_JIS) or XLSX. A header row with member number, name, e-mail (optional: kana, phone, municipality, team, language, role). Roles: worker (when blank), trainer, caregiver, reception; directors are not imported. At most 5 MB and 5,000 rows.',
    'import.file': 'File to import',
    'import.invite': 'Mail new people an invitation',
    'import.check': 'Check (writes nothing yet)',
    'import.run': 'Import these rows',
    'import.summary': '{new} new, {updated} updated, {unchanged} unchanged, {errors} errors',
    'import.fixFirst': 'Fix the rows with errors and check again. Nothing was written.',
    'import.ready': 'No problems. "Import these rows" writes them.',
    'import.done': '{count} rows imported ({invited} invitations).',
    'import.chooseFile': 'Choose a file.',
    'import.ignored': 'Columns not used: {columns}',
    'import.caption': 'Check result',
    'import.col.row': 'Row',
    'import.col.outcome': 'Result',
    'import.col.number': 'Member number',
    'import.col.name': 'Name',
    'import.col.email': 'E-mail',
    'import.col.errors': 'Errors',
    'outcome.new': 'New',
    'outcome.update': 'Update',
    'outcome.unchanged': 'Unchanged',
    'outcome.error': 'Error',
  },
});

const ROLES = ['worker', 'reception', 'caregiver', 'trainer', 'director'];
const PAGE = 20;
const state = { me: null, sites: [], siteId: null, panel: 'sites', q: '', role: '', offset: 0, page: null, teams: [], workers: [], clients: [], report: null, file: null,
  lists: { teams: { q: '', offset: 0, total: 0 }, clients: { q: '', offset: 0, total: 0 } } };
const nav = document.getElementById('console-nav');
const picker = document.getElementById('console-site-picker');
const siteSelect = document.getElementById('console-site');
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const panels = {
  hours: document.getElementById('panel-hours'),
  people: document.getElementById('panel-people'),
  teams: document.getElementById('panel-teams'),
  clients: document.getElementById('panel-clients'),
  import: document.getElementById('panel-import'),
};

function message(kind, text) {
  return h('div', { class: 'message' + (kind && text ? ' ' + kind : ''), role: kind === 'error' ? 'alert' : 'status' }, text || '');
}

function siteName(s) {
  return getLang() === 'en' ? s.name_en || s.name_ja : s.name_ja || s.name_en;
}

/** A labelled input with a slot for its inline error (filled by showErrors). */
function field(form, name, label, props = {}) {
  const id = `${form}-${name}`;
  const input = props.tag === 'select'
    ? h('select', { id, name, 'aria-describedby': `${id}-error` }, props.options || [])
    : h('input', { id, name, type: props.type || 'text', autocomplete: props.autocomplete || 'off', 'aria-describedby': `${id}-error`, required: props.required || null });
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, h('p', { class: 'field-error', id: `${id}-error` }));
}

/** Shows a problem's field errors next to their inputs; answers whether any was placed. */
function showErrors(formEl, err) {
  for (const input of formEl.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const p of formEl.querySelectorAll('.field-error')) p.textContent = '';
  let first = null;
  for (const e of err instanceof ApiError ? err.errors : []) {
    const input = formEl.querySelector(`[name="${CSS.escape(e.field)}"]`);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    const slot = document.getElementById(`${input.id}-error`);
    if (slot) slot.textContent = e.message;
    first = first || input;
  }
  if (first) first.focus();
  return first !== null;
}

function managedSites() {
  const me = state.me;
  return state.sites.filter((s) => me.is_admin || (me.roles || []).some((g) => g.site_id === s.id && g.role === 'director'));
}

// ---- navigation

function show(panel) {
  state.panel = panel;
  for (const b of nav.querySelectorAll('button[data-panel]')) {
    if (b.dataset.panel === panel) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  const content = document.getElementById('admin-content');
  if (content) content.hidden = panel !== 'sites';
  picker.hidden = panel === 'sites';
  for (const [name, el] of Object.entries(panels)) el.hidden = name !== panel;
  // The panel appears once its data is in (load renders it): a form shown before would be
  // replaced under the user's typing.
  if (panels[panel]) setChildren(panels[panel], message('info', t('common.loading')));
}

function render() {
  if (state.panel === 'hours') renderHours();
  else if (state.panel === 'people') renderPeople();
  else if (state.panel === 'teams') renderTeams();
  else if (state.panel === 'clients') renderClients();
  else if (state.panel === 'import') renderImport();
}

async function load() {
  if (!state.siteId) return;
  try {
    if (state.panel === 'hours') {
      state.site = await api('GET', `/api/v1/sites/${state.siteId}`);
    } else if (state.panel === 'people') {
      const qs = new URLSearchParams({ site_id: state.siteId, offset: state.offset, limit: PAGE });
      if (state.q) qs.set('q', state.q);
      if (state.role) qs.set('role', state.role);
      state.page = await api('GET', `/api/v1/persons/search?${qs}`);
    } else if (state.panel === 'teams') {
      const page = await api('GET', `/api/v1/sites/${state.siteId}/teams/search?${listQuery('teams')}`);
      state.teams = page.items;
      state.lists.teams.total = page.total;
      state.workers = (await api('GET', `/api/v1/persons/search?site_id=${state.siteId}&role=worker&limit=200`)).items;
    } else if (state.panel === 'clients') {
      const page = await api('GET', `/api/v1/sites/${state.siteId}/clients/search?${listQuery('clients')}`);
      state.clients = page.items;
      state.lists.clients.total = page.total;
    }
    state.error = '';
  } catch (err) {
    state.error = errorText(err);
  }
  render();
}

// ---- search and paging of the teams and clients lists

function listQuery(name) {
  const l = state.lists[name];
  const qs = new URLSearchParams({ offset: l.offset, limit: PAGE });
  if (l.q) qs.set('q', l.q);
  return qs;
}

/** A search box for one list (a landmark of its own). */
function listSearch(name, label) {
  const l = state.lists[name];
  const f = h('form', { class: 'console-row', role: 'search', 'aria-label': label, onsubmit: (e) => {
    e.preventDefault();
    l.q = f.elements.q.value.trim();
    l.offset = 0;
    load();
  } },
  field(`${name}-search`, 'q', t('list.search')),
  h('button', { type: 'submit', class: 'btn' }, t('list.find')));
  f.elements.q.value = l.q;
  return f;
}

/** Previous / next and "n-m of total" under one list. */
function listPager(name, shown) {
  const l = state.lists[name];
  if (l.total === 0) return null;
  return h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'btn small secondary', disabled: l.offset === 0, onclick: () => { l.offset = Math.max(0, l.offset - PAGE); load(); } }, t('people.prev')),
    h('span', { role: 'status' }, t('people.count', { total: l.total, from: l.offset + 1, to: l.offset + shown })),
    h('button', { type: 'button', class: 'btn small secondary', disabled: l.offset + PAGE >= l.total, onclick: () => { l.offset += PAGE; load(); } }, t('people.next')));
}

// ---- opening hours

function renderHours() {
  const el = panels.hours;
  const site = state.site;
  if (!site) return setChildren(el, h('h2', { id: 'hours-heading' }, t('hours.heading')), state.error ? message('error', state.error) : null);
  const byDay = Object.fromEntries(site.opening_hours.map((o) => [o.weekday, o]));
  const rows = DAYS.map((d) => {
    const o = byDay[d];
    const day = t(`day.${d}`);
    return h('tr', null,
      h('th', { scope: 'row' }, day),
      h('td', null, h('input', { type: 'checkbox', name: `open-${d}`, checked: Boolean(o), 'aria-label': t('hours.isOpen', { day }) })),
      h('td', null, h('input', { type: 'time', step: 900, name: `from-${d}`, value: o ? o.open : '09:00', 'aria-label': t('hours.from', { day }) })),
      h('td', null, h('input', { type: 'time', step: 900, name: `to-${d}`, value: o ? o.close : '18:00', 'aria-label': t('hours.to', { day }) })));
  });
  const f = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'hours-heading', onsubmit: async (e) => {
    e.preventDefault();
    const body = {
      opening_hours: DAYS.filter((d) => f.elements[`open-${d}`].checked).map((d) => ({ weekday: d, open: f.elements[`from-${d}`].value, close: f.elements[`to-${d}`].value })),
      open_on_holidays: f.elements.open_on_holidays.checked,
      booking_window_days: Number(f.elements.booking_window_days.value),
    };
    const out = document.getElementById('hours-form-message');
    try {
      state.site = await api('PATCH', `/api/v1/sites/${state.siteId}`, body);
      out.className = 'message ok';
      out.textContent = t('hours.saved');
    } catch (err) {
      const placed = showErrors(f, err);
      out.className = 'message error';
      out.textContent = placed ? t('people.fix') : [errorText(err), ...(err.errors || []).map((x) => x.message)].join(' ');
    }
  } },
  h('table', { class: 'data' }, h('caption', null, t('hours.caption')),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, t('hours.open')), h('th', { scope: 'col' }, t('hours.from', { day: '' }).replace(/[（(].*$/, '')), h('th', { scope: 'col' }, t('hours.to', { day: '' }).replace(/[（(].*$/, '')))),
    h('tbody', null, rows)),
  h('div', { class: 'field' }, h('label', null, h('input', { type: 'checkbox', name: 'open_on_holidays', checked: site.open_on_holidays }), ' ', t('hours.holidays'))),
  field('hours', 'booking_window_days', t('hours.window'), { type: 'number' }),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('hours.save'))),
  h('div', { id: 'hours-form-message', class: 'message', role: 'status' }));
  f.elements.booking_window_days.value = site.booking_window_days;
  setChildren(el, h('h2', { id: 'hours-heading' }, t('hours.heading')), state.error ? message('error', state.error) : null, f);
}

// ---- people

function renderPeople() {
  const el = panels.people;
  const search = h('form', { class: 'console-row', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    state.q = e.target.elements.q.value.trim();
    state.role = e.target.elements.role.value;
    state.offset = 0;
    load();
  } },
  field('people-search', 'q', t('people.search')),
  field('people-search', 'role', t('people.role'), { tag: 'select', options: [h('option', { value: '' }, t('people.anyRole')), ...ROLES.map((r) => h('option', { value: r, selected: state.role === r }, t(`role.${r}`)))] }),
  h('button', { type: 'submit', class: 'btn' }, t('people.find')));
  search.elements.q.value = state.q;
  const page = state.page;
  const rows = page ? page.items : [];
  const table = dataTable(t('people.caption'), [
    { label: t('people.col.number'), cell: (p) => p.member_number || '' },
    { label: t('people.col.name'), cell: (p) => h('span', null, p.name, p.name_kana ? h('span', { class: 'muted' }, ` (${p.name_kana})`) : null) },
    { label: t('people.col.email'), cell: (p) => p.email },
    { label: t('people.col.roles'), cell: (p) => p.roles.filter((g) => String(g.site_id) === String(state.siteId)).map((g) => t(`role.${g.role}`)).join('・') },
    { label: t('people.col.status'), cell: (p) => h('span', { class: p.active ? 'badge ok' : 'badge neutral' }, t(p.active ? 'people.active' : 'people.inactive')) },
    { label: t('people.col.action'), cell: (p) => h('span', { class: 'console-row' },
      h('button', { type: 'button', class: 'btn small secondary', 'aria-label': t('people.editLabel', { name: p.name }), onclick: () => edit(p) }, t('people.edit')),
      h('button', { type: 'button', class: 'btn small secondary', 'aria-label': t('people.inviteLabel', { name: p.name }), onclick: () => invite(p) }, t('people.invite'))) },
  ], rows, { emptyText: t('people.none') });
  const pager = page && page.total > 0 ? h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'btn small secondary', disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - PAGE); load(); } }, t('people.prev')),
    h('span', { role: 'status' }, t('people.count', { total: page.total, from: state.offset + 1, to: state.offset + rows.length })),
    h('button', { type: 'button', class: 'btn small secondary', disabled: state.offset + PAGE >= page.total, onclick: () => { state.offset += PAGE; load(); } }, t('people.next'))) : null;
  const form = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'people-add-heading', onsubmit: createPerson },
    h('h3', { id: 'people-add-heading' }, t('people.add')),
    field('person', 'email', t('people.email'), { type: 'email', required: true }),
    field('person', 'name', t('people.name'), { required: true }),
    field('person', 'name_kana', t('people.kana')),
    field('person', 'member_number', t('people.number')),
    field('person', 'phone', t('people.phone'), { type: 'tel' }),
    field('person', 'roles', t('people.role'), { tag: 'select', options: ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))) }),
    h('div', { class: 'field' }, h('label', null, h('input', { type: 'checkbox', name: 'invite', checked: true }), ' ', t('people.sendInvite'))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('people.create'))),
    h('div', { id: 'person-form-message', class: 'message', role: 'status' }));
  setChildren(el, h('h2', { id: 'people-heading' }, t('people.heading')), search, state.flash ? message('ok', state.flash) : null,
    state.error ? message('error', state.error) : null, table, pager, state.editing ? editForm(state.editing) : null, form);
  state.flash = '';
}

async function edit(p) {
  try {
    state.teams = await api('GET', `/api/v1/sites/${state.siteId}/teams`);
  } catch (err) {
    state.error = errorText(err);
  }
  state.editing = p;
  renderPeople();
  document.getElementById('edit-heading')?.focus();
}

/** The person's details, team, active flag and roles at the selected site. */
function editForm(p) {
  const site = Number(state.siteId);
  const held = new Set(p.roles.filter((g) => g.site_id === site).map((g) => g.role));
  const f = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'edit-heading', onsubmit: async (e) => {
    e.preventDefault();
    const v = (n) => f.elements[n].value.trim();
    const body = { name: v('name'), name_kana: v('name_kana'), email: v('email'), phone: v('phone'), active: f.elements.active.checked };
    if (v('member_number')) body.member_number = v('member_number');
    if (v('team_id')) body.team_id = Number(v('team_id'));
    const out = document.getElementById('edit-form-message');
    try {
      await api('PATCH', `/api/v1/persons/${p.id}`, body);
      for (const r of ROLES) {
        const want = f.elements[`role-${r}`].checked;
        if (want && !held.has(r)) await api('POST', `/api/v1/persons/${p.id}/roles`, { site_id: site, role: r });
        if (!want && held.has(r)) await api('DELETE', `/api/v1/persons/${p.id}/roles/${site}/${r}`);
      }
      state.flash = t('people.saved', { name: body.name });
      state.editing = null;
      await load();
    } catch (err) {
      const placed = showErrors(f, err);
      out.className = 'message error';
      out.textContent = placed ? t('people.fix') : errorText(err);
    }
  } },
  h('h3', { id: 'edit-heading', tabindex: '-1' }, t('people.editing', { name: p.name })),
  field('edit', 'name', t('people.name'), { required: true }),
  field('edit', 'name_kana', t('people.kana')),
  field('edit', 'email', t('people.email'), { type: 'email', required: true }),
  field('edit', 'member_number', t('people.number')),
  field('edit', 'phone', t('people.phone'), { type: 'tel' }),
  field('edit', 'team_id', t('teams.col.name'), { tag: 'select', options: [h('option', { value: '' }, t('teams.noLeader')), ...state.teams.map((tm) => h('option', { value: tm.id, selected: tm.id === p.team_id }, tm.name))] }),
  h('div', { class: 'field' }, h('label', null, h('input', { type: 'checkbox', name: 'active', checked: p.active }), ' ', t('people.isActive'))),
  h('fieldset', null, h('legend', null, t('people.rolesHere')),
    ROLES.map((r) => h('label', { class: 'console-check' }, h('input', { type: 'checkbox', name: `role-${r}`, checked: held.has(r), disabled: r === 'director' && !state.me.is_admin }), ' ', t(`role.${r}`), ' '))),
  h('div', { class: 'actions console-row' },
    h('button', { type: 'submit', class: 'btn' }, t('people.save')),
    h('button', { type: 'button', class: 'btn secondary', onclick: () => { state.editing = null; renderPeople(); } }, t('people.cancel'))),
  h('div', { id: 'edit-form-message', class: 'message', role: 'status' }));
  for (const n of ['name', 'name_kana', 'email', 'member_number', 'phone']) f.elements[n].value = p[n] || '';
  return f;
}

async function invite(p) {
  try {
    await api('POST', `/api/v1/persons/${p.id}/invitation`);
    state.flash = t('people.invited', { name: p.name });
  } catch (err) {
    state.error = errorText(err);
  }
  renderPeople();
}

async function createPerson(e) {
  e.preventDefault();
  const f = e.target;
  const v = (n) => f.elements[n].value.trim();
  const body = { email: v('email'), name: v('name'), name_kana: v('name_kana'), phone: v('phone'), site_id: Number(state.siteId), roles: [v('roles')], invite: f.elements.invite.checked };
  if (v('member_number')) body.member_number = v('member_number');
  const out = document.getElementById('person-form-message');
  try {
    const p = await api('POST', '/api/v1/persons', body);
    state.flash = t('people.created', { name: p.name });
    state.q = p.email;
    state.offset = 0;
    await load();
  } catch (err) {
    const placed = showErrors(f, err);
    out.className = 'message error';
    out.textContent = placed ? t('people.fix') : errorText(err);
  }
}

// ---- teams

function leaderOptions(selected) {
  return [h('option', { value: '' }, t('teams.noLeader')), ...state.workers.map((w) => h('option', { value: w.id, selected: w.id === selected }, w.name))];
}

function renderTeams() {
  const el = panels.teams;
  const table = dataTable(t('teams.caption'), [
    { label: t('teams.col.name'), cell: (tm) => tm.name },
    { label: t('teams.col.members'), cell: (tm) => String(tm.member_ids.length) },
    { label: t('teams.col.leader'), cell: (tm) => {
      const sel = h('select', { 'aria-label': t('teams.leaderOf', { name: tm.name }) }, leaderOptions(tm.leader_id));
      return h('span', { class: 'console-row' }, sel, h('button', { type: 'button', class: 'btn small secondary', 'aria-label': t('teams.saveLabel', { name: tm.name }), onclick: async () => {
        try {
          await api('PATCH', `/api/v1/teams/${tm.id}`, { leader_id: sel.value ? Number(sel.value) : null });
          state.flash = t('teams.saved', { name: tm.name });
        } catch (err) {
          state.error = errorText(err);
        }
        load();
      } }, t('teams.save')));
    } },
  ], state.teams, { emptyText: t('teams.none') });
  const form = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'team-add-heading', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { name: f.elements.name.value.trim() };
    if (f.elements.leader_id.value) body.leader_id = Number(f.elements.leader_id.value);
    try {
      await api('POST', `/api/v1/sites/${state.siteId}/teams`, body);
      state.flash = t('teams.saved', { name: body.name });
      load();
    } catch (err) {
      if (!showErrors(f, err)) document.getElementById('team-form-message').textContent = errorText(err);
    }
  } },
  h('h3', { id: 'team-add-heading' }, t('teams.add')),
  field('team', 'name', t('teams.name'), { required: true }),
  field('team', 'leader_id', t('teams.leader'), { tag: 'select', options: leaderOptions(null) }),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('teams.create'))),
  h('div', { id: 'team-form-message', class: 'message error', role: 'alert' }));
  setChildren(el, h('h2', { id: 'teams-heading' }, t('teams.heading')), listSearch('teams', t('list.teamsSearch')),
    state.flash ? message('ok', state.flash) : null, state.error ? message('error', state.error) : null, table,
    listPager('teams', state.teams.length), form);
  state.flash = '';
}

// ---- clients and projects

function renderClients() {
  const el = panels.clients;
  const table = dataTable(t('clients.caption'), [
    { label: t('clients.col.name'), cell: (c) => c.name },
    { label: t('clients.col.projects'), cell: (c) => {
      const input = h('input', { type: 'text', 'aria-label': t('clients.projectName', { name: c.name }), autocomplete: 'off' });
      return h('div', null,
        h('ul', null, (c.projects || []).map((p) => h('li', null, p.name))),
        h('span', { class: 'console-row' }, input, h('button', { type: 'button', class: 'btn small secondary', onclick: async () => {
          try {
            await api('POST', `/api/v1/clients/${c.id}/projects`, { name: input.value.trim() });
            state.flash = t('clients.saved');
          } catch (err) {
            state.error = errorText(err);
          }
          load();
        } }, t('clients.addProject'))));
    } },
  ], state.clients, { emptyText: t('clients.none') });
  const form = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'client-add-heading', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api('POST', `/api/v1/sites/${state.siteId}/clients`, { name: f.elements.name.value.trim() });
      state.flash = t('clients.saved');
      load();
    } catch (err) {
      if (!showErrors(f, err)) document.getElementById('client-form-message').textContent = errorText(err);
    }
  } },
  h('h3', { id: 'client-add-heading' }, t('clients.add')),
  field('client', 'name', t('clients.name'), { required: true }),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('clients.create'))),
  h('div', { id: 'client-form-message', class: 'message error', role: 'alert' }));
  setChildren(el, h('h2', { id: 'clients-heading' }, t('clients.heading')), listSearch('clients', t('list.clientsSearch')),
    state.flash ? message('ok', state.flash) : null, state.error ? message('error', state.error) : null, table,
    listPager('clients', state.clients.length), form);
  state.flash = '';
  state.error = '';
}

// ---- import

async function sendImport(dryRun) {
  const invite = document.getElementById('import-invite').checked;
  const res = await fetch(`/api/v1/sites/${state.siteId}/person-imports?dry_run=${dryRun}&invite=${invite}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Accept-Language': getLang(), 'Content-Type': state.file.type || 'application/octet-stream' },
    body: state.file,
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

function renderImport() {
  const el = panels.import;
  const r = state.report;
  const fileInput = h('input', { id: 'import-file', type: 'file', accept: '.csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'aria-describedby': 'import-help', onchange: (e) => {
    state.file = e.target.files[0] || null;
    state.report = null;
    state.importMessage = null;
  } });
  const form = h('form', { class: 'card console-form', 'aria-labelledby': 'import-heading', onsubmit: async (e) => {
    e.preventDefault();
    if (!state.file) {
      state.importMessage = ['error', t('import.chooseFile')];
      return renderImport();
    }
    try {
      state.report = await sendImport(true);
      state.importMessage = state.report.errors > 0 ? ['error', t('import.fixFirst')] : ['ok', t('import.ready')];
    } catch (err) {
      state.report = null;
      state.importMessage = ['error', errorText(err)];
    }
    renderImport();
    document.getElementById('import-result')?.focus();
  } },
  h('p', { id: 'import-help', class: 'muted' }, t('import.help')),
  h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('import.file')), fileInput),
  h('div', { class: 'field' }, h('label', null, h('input', { id: 'import-invite', type: 'checkbox', checked: state.invite !== false, onchange: (e) => { state.invite = e.target.checked; } }), ' ', t('import.invite'))),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('import.check'))));
  const result = h('div', { id: 'import-result', tabindex: '-1' },
    state.importMessage ? message(state.importMessage[0], state.importMessage[1]) : null,
    r ? h('p', null, t('import.summary', r)) : null,
    r && r.ignored_columns.length ? h('p', { class: 'muted' }, t('import.ignored', { columns: r.ignored_columns.join('、') })) : null,
    r ? dataTable(t('import.caption'), [
      { label: t('import.col.row'), cell: (x) => String(x.row) },
      { label: t('import.col.outcome'), cell: (x) => h('span', { class: x.outcome === 'error' ? 'badge error' : x.outcome === 'unchanged' ? 'badge neutral' : 'badge ok' }, t(`outcome.${x.outcome}`)) },
      { label: t('import.col.number'), cell: (x) => x.member_number },
      { label: t('import.col.name'), cell: (x) => x.name },
      { label: t('import.col.email'), cell: (x) => x.email },
      { label: t('import.col.role'), cell: (x) => (x.role ? t(`role.${x.role}`) : '') },
      { label: t('import.col.errors'), cell: (x) => x.errors.length ? h('ul', { class: 'row-errors' }, x.errors.map((e) => h('li', null, `${e.column || e.field}: ${e.message}`))) : '' },
    ], r.rows) : null,
    r && r.dry_run && r.errors === 0 ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', id: 'import-run', onclick: async () => {
      try {
        const done = await sendImport(false);
        state.importMessage = ['ok', t('import.done', { count: done.new + done.updated, invited: done.invited })];
        state.report = null;
      } catch (err) {
        state.importMessage = ['error', errorText(err)];
      }
      renderImport();
      document.getElementById('import-result')?.focus();
    } }, t('import.run'))) : null);
  setChildren(el, h('h2', { id: 'import-heading' }, t('import.heading')), form, result);
  if (state.file) {
    // A file input cannot be refilled: keep the chosen file through re-renders.
    const dt = new DataTransfer();
    dt.items.add(state.file);
    fileInput.files = dt.files;
  }
}

// ---- start

async function init() {
  try {
    state.me = await api('GET', '/api/v1/auth/me');
    state.sites = await api('GET', '/api/v1/sites');
  } catch {
    return; // admin.js shows the login message
  }
  const sites = managedSites();
  if (sites.length === 0) return;
  setChildren(siteSelect, sites.map((s) => h('option', { value: s.id }, siteName(s))));
  state.siteId = String(sites[0].id);
  siteSelect.addEventListener('change', () => {
    state.siteId = siteSelect.value;
    state.offset = 0;
    state.report = null;
    for (const l of Object.values(state.lists)) l.offset = 0;
    load();
  });
  for (const b of nav.querySelectorAll('button[data-panel]')) {
    b.addEventListener('click', () => {
      show(b.dataset.panel);
      load();
    });
  }
  nav.hidden = false;
  applyI18n();
  onLangChange(() => {
    for (const o of siteSelect.options) {
      const s = sites.find((x) => String(x.id) === o.value);
      if (s) o.textContent = siteName(s);
    }
    render();
  });
}

init();
