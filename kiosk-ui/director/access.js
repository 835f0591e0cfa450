// The director's secure-room page: the access review (who can enter each room today and why,
// what expires within 30 days, bookings that will not be usable) and its certification; which
// projects use each room; each project's roster, NDAs and required courses; the export of a
// room's audit trail (CSV or JSON, with the hashes) for the client's auditor.

import { getLang, initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';
import { localDate } from '/shared/time.js';

initI18n({
  ja: {
    'app.title': 'KADO 塩尻',
    'acc.pageTitle': 'セキュアルーム | KADO', 'acc.heading': 'セキュアルーム', 'acc.site': '拠点',
    'acc.review': 'アクセスレビュー（本日入室できる人）', 'acc.certify': 'このレビューを承認する',
    'acc.certified': '最終承認: {when}（{who}）', 'acc.never': 'まだ承認されていません。',
    'acc.flagged': '入室資格が切れる予約', 'acc.rooms': 'ルームと案件', 'acc.project': '案件の名簿・NDA・必須研修',
    'acc.projectSelect': '案件', 'acc.roster': '名簿', 'acc.ndas': '秘密保持契約（NDA）', 'acc.requirements': '必須研修',
    'acc.courses': '講座', 'acc.person': '利用者', 'acc.from': '開始日', 'acc.to': '終了日（任意）', 'acc.toDay': '終了日',
    'acc.signed': '締結日', 'acc.expires': '有効期限（任意）', 'acc.doc': '契約書の保管番号', 'acc.save': '保存',
    'acc.export': '入退室記録の書き出し（監査用）', 'acc.room': 'ルーム', 'acc.name': '氏名', 'acc.canEnter': '入室',
    'acc.yes': '可', 'acc.no': '不可', 'acc.reason': '理由', 'acc.rosterTo': '名簿の終了', 'acc.ndaTo': 'NDA の期限',
    'acc.trainingTo': '研修の期限', 'acc.soon': '30日以内に期限', 'acc.none': 'なし', 'acc.empty': '該当者はいません。',
    'acc.rosterEnough': '名簿だけで入室可（予約不要）', 'acc.saved': '保存しました。', 'acc.starts': '開始',
    'acc.notDirector': 'このページは拠点の所長が使います。', 'acc.loginRequired': 'ログインしてください。',
    'acc.document': '保管番号',
  },
  en: {
    'app.title': 'KADO Shiojiri',
    'acc.pageTitle': 'Secure rooms | KADO', 'acc.heading': 'Secure rooms', 'acc.site': 'Site',
    'acc.review': 'Access review (who can enter today)', 'acc.certify': 'Certify this review',
    'acc.certified': 'Last certified: {when} ({who})', 'acc.never': 'Not certified yet.',
    'acc.flagged': 'Bookings whose clearance lapses', 'acc.rooms': 'Rooms and projects', 'acc.project': 'A project\u2019s roster, NDAs and required training',
    'acc.projectSelect': 'Project', 'acc.roster': 'Roster', 'acc.ndas': 'NDAs', 'acc.requirements': 'Required training',
    'acc.courses': 'Courses', 'acc.person': 'Worker', 'acc.from': 'First day', 'acc.to': 'Last day (optional)', 'acc.toDay': 'Last day',
    'acc.signed': 'Signed on', 'acc.expires': 'Expires on (optional)', 'acc.doc': 'Document reference', 'acc.save': 'Save',
    'acc.export': 'Export a room\u2019s trail (for auditors)', 'acc.room': 'Room', 'acc.name': 'Name', 'acc.canEnter': 'Entry',
    'acc.yes': 'Yes', 'acc.no': 'No', 'acc.reason': 'Reason', 'acc.rosterTo': 'Roster ends', 'acc.ndaTo': 'NDA expires',
    'acc.trainingTo': 'Training expires', 'acc.soon': 'Expires within 30 days', 'acc.none': 'none', 'acc.empty': 'Nobody.',
    'acc.rosterEnough': 'Roster is enough (no booking needed)', 'acc.saved': 'Saved.', 'acc.starts': 'Starts',
    'acc.notDirector': 'This page is for the site\u2019s directors.', 'acc.loginRequired': 'Please log in.',
    'acc.document': 'Reference',
  },
});

const el = (id) => document.getElementById(id);
const state = { sites: [], siteId: null, projects: [], rooms: [], people: [], courses: [], projectId: null };
const name = (o) => (getLang() === 'ja' ? o.name_ja || o.name : o.name_en || o.name);

function say(text, error = false) {
  const s = el('status');
  s.className = error ? 'message error' : 'message';
  s.textContent = text;
}

async function act(fn) {
  try {
    await fn();
    say(t('acc.saved'));
    await load();
  } catch (err) {
    say(errorText(err), true);
  }
}

function options(select, list, label) {
  const keep = select.value;
  setChildren(select, list.map((x) => h('option', { value: String(x.id) }, label(x))));
  if (keep && list.some((x) => String(x.id) === keep)) select.value = keep;
}

async function loadReview() {
  const r = await api('GET', `/api/v1/sites/${state.siteId}/access-review`);
  el('certified').textContent = r.last_certified_at
    ? t('acc.certified', { when: new Date(r.last_certified_at * 1000).toLocaleString(getLang()), who: r.last_certified_by })
    : t('acc.never');
  const cols = [
    { label: t('acc.name'), cell: (p) => p.name },
    { label: t('acc.canEnter'), cell: (p) => (p.can_enter ? t('acc.yes') : t('acc.no')) },
    { label: t('acc.reason'), cell: (p) => p.reason || '' },
    { label: t('acc.rosterTo'), cell: (p) => p.roster_to || t('acc.none') },
    { label: t('acc.ndaTo'), cell: (p) => p.nda_expires_on || t('acc.none') },
    { label: t('acc.trainingTo'), cell: (p) => p.training_expires_on || t('acc.none') },
    { label: t('acc.soon'), cell: (p) => (p.expiring_soon ? '⚠' : '') },
  ];
  setChildren(el('review'), r.rooms.map((room) => dataTable(room.name, cols, room.people, { emptyText: `${room.name}: ${t('acc.empty')}` })));
  setChildren(el('flagged'), dataTable('', [
    { label: t('acc.name'), cell: (b) => b.name },
    { label: t('acc.room'), cell: (b) => b.room },
    { label: t('acc.starts'), cell: (b) => new Date(b.starts_at * 1000).toLocaleString(getLang()) },
    { label: t('acc.reason'), cell: (b) => b.reason },
  ], r.flagged_bookings, { emptyText: t('acc.empty') }));
}

async function loadRooms() {
  const spaces = await api('GET', `/api/v1/sites/${state.siteId}/spaces`);
  state.rooms = spaces.filter((s) => s.kind === 'secure_room' && s.active);
  options(el('export-room'), state.rooms, (r) => r.name);
  const blocks = [];
  for (const room of state.rooms) {
    const cfg = await api('GET', `/api/v1/secure-rooms/${room.id}`);
    const boxes = state.projects.map((p) => {
      const id = `room-${room.id}-p-${p.id}`;
      return h('div', { class: 'check' },
        h('input', { type: 'checkbox', id, value: String(p.id), checked: cfg.project_ids.includes(p.id) }),
        h('label', { for: id }, p.label));
    });
    const flagId = `room-${room.id}-enough`;
    const form = h('form', { class: 'card', novalidate: true },
      h('fieldset', null, h('legend', null, room.name), boxes,
        h('div', { class: 'check' },
          h('input', { type: 'checkbox', id: flagId, checked: cfg.roster_enough }),
          h('label', { for: flagId }, t('acc.rosterEnough')))),
      h('button', { type: 'submit', class: 'btn' }, t('acc.save')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const ids = [...form.querySelectorAll('input[value]:checked')].map((i) => Number(i.value));
      act(() => api('PUT', `/api/v1/secure-rooms/${room.id}`, { project_ids: ids, roster_enough: el(flagId).checked }));
    });
    blocks.push(form);
  }
  setChildren(el('rooms'), blocks);
}

async function loadProject() {
  const p = state.projectId;
  if (!p) return;
  const [roster, ndas, req] = await Promise.all([
    api('GET', `/api/v1/projects/${p}/roster`),
    api('GET', `/api/v1/projects/${p}/ndas`),
    api('GET', `/api/v1/projects/${p}/requirements`),
  ]);
  setChildren(el('roster'), dataTable(t('acc.roster'), [
    { label: t('acc.name'), cell: (r) => r.name },
    { label: t('acc.from'), cell: (r) => r.from },
    { label: t('acc.toDay'), cell: (r) => r.to || t('acc.none') },
  ], roster, { emptyText: t('acc.empty') }));
  setChildren(el('ndas'), dataTable(t('acc.ndas'), [
    { label: t('acc.name'), cell: (r) => r.name },
    { label: t('acc.signed'), cell: (r) => r.signed_on },
    { label: t('acc.ndaTo'), cell: (r) => r.expires_on || t('acc.none') },
    { label: t('acc.document'), cell: (r) => r.document_ref },
  ], ndas, { emptyText: t('acc.empty') }));
  // The courses this site offers (shared, or its own), and any still required from before
  // the server refused another site's: shown ticked, so that it can be taken off.
  const offered = state.courses.filter((c) => c.site_id == null || c.site_id === state.siteId
    || req.course_ids.includes(c.id));
  setChildren(el('courses'), offered.map((c) => {
    const id = `course-${c.id}`;
    return h('div', { class: 'check' },
      h('input', { type: 'checkbox', id, value: String(c.id), checked: req.course_ids.includes(c.id) }),
      h('label', { for: id }, name(c)));
  }));
}

function exportLinks() {
  const room = el('export-room').value;
  const from = el('export-from').value;
  const to = el('export-to').value;
  for (const f of ['csv', 'json']) {
    el(`export-${f}`).href = `/api/v1/secure-rooms/${room}/audit?from=${from}&to=${to}&format=${f}`;
  }
}

async function load() {
  const clients = await api('GET', `/api/v1/sites/${state.siteId}/clients`);
  state.projects = [];
  for (const c of clients) {
    for (const p of await api('GET', `/api/v1/clients/${c.id}/projects`)) state.projects.push({ ...p, label: `${c.name} / ${p.name}` });
  }
  options(el('project-select'), state.projects, (p) => p.label);
  state.projectId = Number(el('project-select').value) || null;
  state.people = await api('GET', `/api/v1/persons?site_id=${state.siteId}`);
  for (const s of [el('roster-person'), el('nda-person')]) options(s, state.people, (p) => p.name);
  await Promise.all([loadReview(), loadRooms(), loadProject()]);
  exportLinks();
}

async function boot() {
  let me;
  try {
    me = await api('GET', '/api/v1/auth/me');
  } catch (err) {
    el('loading').hidden = true;
    el('auth-message').textContent = err instanceof ApiError && err.status === 401 ? t('acc.loginRequired') : errorText(err);
    return;
  }
  const mine = new Set((me.roles || []).filter((g) => g.role === 'director').map((g) => g.site_id));
  const [sites, time] = await Promise.all([api('GET', '/api/v1/sites'), api('GET', '/api/v1/time')]);
  state.sites = sites.filter((s) => s.active && (me.is_admin || mine.has(s.id)));
  el('loading').hidden = true;
  if (!state.sites.length) {
    el('auth-message').textContent = t('acc.notDirector');
    return;
  }
  options(el('site-select'), state.sites, name);
  state.siteId = state.sites[0].id;
  const site = state.sites[0];
  const today = localDate(site.time_zone, new Date(time.now));
  el('export-from').value = `${today.slice(0, 8)}01`;
  el('export-to').value = today;
  el('content').hidden = false;
  el('site-select').addEventListener('change', () => {
    state.siteId = Number(el('site-select').value);
    load().catch((err) => say(errorText(err), true));
  });
  el('project-select').addEventListener('change', () => {
    state.projectId = Number(el('project-select').value);
    loadProject().catch((err) => say(errorText(err), true));
  });
  el('certify').addEventListener('click', () => act(() => api('POST', `/api/v1/sites/${state.siteId}/access-review/certify`)));
  el('roster-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(() => api('POST', `/api/v1/projects/${state.projectId}/roster`, {
      person_id: Number(el('roster-person').value), from: el('roster-from').value, to: el('roster-to').value || null,
    }));
  });
  el('nda-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(() => api('POST', `/api/v1/projects/${state.projectId}/ndas`, {
      person_id: Number(el('nda-person').value), signed_on: el('nda-signed').value,
      expires_on: el('nda-expires').value || null, document_ref: el('nda-doc').value,
    }));
  });
  el('req-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const ids = [...el('courses').querySelectorAll('input:checked')].map((i) => Number(i.value));
    act(() => api('PUT', `/api/v1/projects/${state.projectId}/requirements`, { course_ids: ids }));
  });
  el('export-form').addEventListener('change', exportLinks);
  el('export-form').addEventListener('submit', (ev) => ev.preventDefault());
  state.courses = await api('GET', '/api/v1/training/courses');
  onLangChange(() => load().catch((err) => say(errorText(err), true)));
  await load();
}

boot().catch((err) => say(errorText(err), true));
