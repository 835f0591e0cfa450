// The courses page of directors and trainers (desktop and tablet): the list of courses, a
// form to create or change one (the API's field errors shown under their fields), and the
// onboarding programme of a site (or, for administrators, of every site): an ordered list
// moved with buttons and saved as a whole.
//
//   GET  /api/v1/auth/me, GET /api/v1/sites
//   GET  /api/v1/training/courses, POST /api/v1/training/courses, PUT /api/v1/training/courses/{id}
//   GET  /api/v1/training/programme?site_id=, PUT /api/v1/training/programme {site_id, course_ids}

import { getLang, initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';

initI18n({
  ja: {
    'app.title': 'KADO 塩尻',
    'common.skip': '本文へ移動',
    'nav.label': '研修メニュー',
    'nav.sessions': '講座の日程と出欠',
    'nav.courses': '講座と必修プログラム',
    'courses.pageTitle': '講座と必修プログラム | KADO',
    'courses.heading': '講座と必修プログラム',
    'courses.loginRequired': 'この画面を使うにはログインが必要です。',
    'courses.notTrainer': '講師またはセンター長の権限がありません。',
    'courses.list': '講座の一覧',
    'courses.none': '講座はまだありません。',
    'courses.col.nameJa': '名前（日本語）',
    'courses.col.nameEn': '名前（英語）',
    'courses.col.kind': '種類',
    'courses.col.sessions': '必要な回数',
    'courses.col.minutes': '最低出席（分）',
    'courses.col.validity': '有効期間',
    'courses.col.site': '拠点',
    'courses.col.active': '状態',
    'courses.col.edit': '編集',
    'courses.kind.onboarding': 'オンボーディング',
    'courses.kind.skill': 'スキル',
    'courses.months': '{n} か月',
    'courses.noExpiry': '期限なし',
    'courses.allSites': '全拠点共通',
    'courses.active': '開講中',
    'courses.inactive': '休止',
    'courses.edit': '編集',
    'courses.editLabel': '{name} を編集',
    'courses.new': '講座を作る',
    'courses.editing': '講座を編集: {name}',
    'courses.f.nameJa': '名前（日本語）',
    'courses.f.nameEn': '名前（英語）',
    'courses.f.description': '説明',
    'courses.f.kind': '種類',
    'courses.f.sessions': '必要な回数（1〜50）',
    'courses.f.minutes': '1回あたりの最低出席時間（分、0〜1440）',
    'courses.f.validity': '有効期間（か月、1〜120）',
    'courses.f.validityHint': '空欄にすると期限なし（一度修了すればずっと有効）です。',
    'courses.f.site': '管理する拠点',
    'courses.f.siteHint': '全拠点共通の講座は管理者だけが作れます。作った後で拠点は変えられません。',
    'courses.f.active': '開講中（受講者に表示する）',
    'courses.create': '講座を作る',
    'courses.save': '変更を保存',
    'courses.cancelEdit': '編集をやめる',
    'courses.created': '講座「{name}」を作りました。',
    'courses.saved': '講座「{name}」を保存しました。',
    'courses.fixErrors': '入力内容を確認してください。',
    'courses.ruleHeading': '規則を変えたとき',
    'courses.rule': '講座の規則（必要な回数・最低出席時間・有効期間）を変えても、すでに修了した人の記録は書き換わりません。修了はそれを得たときの規則のまま残り、有効期限も変わりません。新しい規則はこれから修了する人に適用されます。',
    'programme.heading': '必修プログラム（オンボーディング）',
    'programme.intro': '新しく登録した人が順に受ける講座です。全拠点共通の講座が先、その拠点の講座が後に並びます。',
    'programme.site': '対象',
    'programme.every': '全拠点共通',
    'programme.sharedHeading': '全拠点共通の必修講座（先に受講）',
    'programme.sharedNote': '管理者が設定します。',
    'programme.ownHeading': '{site} の必修講座（順番どおり）',
    'programme.everyHeading': '全拠点共通の必修講座（順番どおり）',
    'programme.empty': '必修講座はまだありません。',
    'programme.addCourse': '追加する講座',
    'programme.noMore': '追加できる講座はありません',
    'programme.add': '追加',
    'programme.up': '上へ',
    'programme.down': '下へ',
    'programme.remove': '外す',
    'programme.upLabel': '{name} を上へ',
    'programme.downLabel': '{name} を下へ',
    'programme.removeLabel': '{name} を外す',
    'programme.save': 'プログラムを保存',
    'programme.saved': 'プログラムを保存しました（{n} 講座）。',
    'programme.unsaved': '変更はまだ保存されていません。',
    'programme.added': '{name} を {pos} 番目に追加しました。',
    'programme.moved': '{name} を {pos} 番目に移動しました。',
    'programme.removed': '{name} を外しました。',
  },
  en: {
    'app.title': 'KADO Shiojiri',
    'common.skip': 'Skip to content',
    'nav.label': 'Training menu',
    'nav.sessions': 'Sessions and attendance',
    'nav.courses': 'Courses and programme',
    'courses.pageTitle': 'Courses and programme | KADO',
    'courses.heading': 'Courses and onboarding programme',
    'courses.loginRequired': 'Please log in to use this page.',
    'courses.notTrainer': 'You are not a trainer or director of any site.',
    'courses.list': 'Courses',
    'courses.none': 'No courses yet.',
    'courses.col.nameJa': 'Name (Japanese)',
    'courses.col.nameEn': 'Name (English)',
    'courses.col.kind': 'Kind',
    'courses.col.sessions': 'Sessions required',
    'courses.col.minutes': 'Minimum minutes',
    'courses.col.validity': 'Valid for',
    'courses.col.site': 'Site',
    'courses.col.active': 'Status',
    'courses.col.edit': 'Edit',
    'courses.kind.onboarding': 'Onboarding',
    'courses.kind.skill': 'Skill',
    'courses.months': '{n} months',
    'courses.noExpiry': 'Does not expire',
    'courses.allSites': 'All sites',
    'courses.active': 'Active',
    'courses.inactive': 'Inactive',
    'courses.edit': 'Edit',
    'courses.editLabel': 'Edit {name}',
    'courses.new': 'Create a course',
    'courses.editing': 'Edit course: {name}',
    'courses.f.nameJa': 'Name (Japanese)',
    'courses.f.nameEn': 'Name (English)',
    'courses.f.description': 'Description',
    'courses.f.kind': 'Kind',
    'courses.f.sessions': 'Sessions required (1-50)',
    'courses.f.minutes': 'Minimum minutes present per session (0-1440)',
    'courses.f.validity': 'Valid for (months, 1-120)',
    'courses.f.validityHint': 'Leave empty for a course that does not expire.',
    'courses.f.site': 'Managed by site',
    'courses.f.siteHint': 'Only administrators create courses for all sites. A course keeps its site.',
    'courses.f.active': 'Active (shown to workers)',
    'courses.create': 'Create course',
    'courses.save': 'Save changes',
    'courses.cancelEdit': 'Stop editing',
    'courses.created': 'Course “{name}” created.',
    'courses.saved': 'Course “{name}” saved.',
    'courses.fixErrors': 'Please check the fields marked below.',
    'courses.ruleHeading': 'When you change the rules',
    'courses.rule': 'Changing a course’s rules (sessions required, minimum minutes, validity) never rewrites completions already granted: they keep the rules they were earned under, expiry date included. The new rules apply to completions from now on.',
    'programme.heading': 'Onboarding programme',
    'programme.intro': 'The courses a newly registered person takes, in order. The courses for all sites come first, then the site’s own.',
    'programme.site': 'Programme of',
    'programme.every': 'All sites',
    'programme.sharedHeading': 'Required at every site (taken first)',
    'programme.sharedNote': 'Set by the administrators.',
    'programme.ownHeading': 'Required at {site}, in order',
    'programme.everyHeading': 'Required at every site, in order',
    'programme.empty': 'No required courses yet.',
    'programme.addCourse': 'Course to add',
    'programme.noMore': 'No more courses to add',
    'programme.add': 'Add',
    'programme.up': 'Up',
    'programme.down': 'Down',
    'programme.remove': 'Remove',
    'programme.upLabel': 'Move {name} up',
    'programme.downLabel': 'Move {name} down',
    'programme.removeLabel': 'Remove {name}',
    'programme.save': 'Save programme',
    'programme.saved': 'Programme saved ({n} courses).',
    'programme.unsaved': 'Changes not saved yet.',
    'programme.added': '{name} added at position {pos}.',
    'programme.moved': '{name} moved to position {pos}.',
    'programme.removed': '{name} removed.',
  },
});

const el = (id) => document.getElementById(id);
const state = {
  me: null, sites: [], managed: [], courses: [], editing: null,
  programmeSite: '', shared: [], steps: [],
};

const FIELDS = ['name_ja', 'name_en', 'description', 'kind', 'sessions_required', 'minimum_minutes', 'validity_months', 'site_id', 'active'];

const courseName = (c) => (getLang() === 'en' ? c.name_en || c.name_ja : c.name_ja || c.name_en);
const siteName = (s) => (getLang() === 'en' ? s.name_en || s.name_ja : s.name_ja || s.name_en);
const byId = (id) => state.courses.find((c) => c.id === id);
const nameOf = (id) => (byId(id) ? courseName(byId(id)) : `#${id}`);

/** Whether this person may change the course (its site's trainers and directors; admins). */
function canManage(c) {
  if (state.me.is_admin) return true;
  return c.site_id !== null && state.managed.includes(c.site_id);
}

/** The courses this person sees here: shared ones and their sites' own (admins: all). */
function visibleCourses() {
  return state.courses.filter((c) => state.me.is_admin || c.site_id === null || state.managed.includes(c.site_id));
}

function renderList() {
  const site = (id) => {
    if (id === null) return t('courses.allSites');
    const s = state.sites.find((x) => x.id === id);
    return s ? siteName(s) : `#${id}`;
  };
  setChildren(el('course-list'), dataTable(null, [
    { label: t('courses.col.nameJa'), cell: (c) => h('span', { lang: 'ja' }, c.name_ja) },
    { label: t('courses.col.nameEn'), cell: (c) => h('span', { lang: 'en' }, c.name_en) },
    { label: t('courses.col.kind'), cell: (c) => t(`courses.kind.${c.kind}`) },
    { label: t('courses.col.sessions'), cell: (c) => String(c.sessions_required) },
    { label: t('courses.col.minutes'), cell: (c) => String(c.minimum_minutes) },
    {
      label: t('courses.col.validity'),
      cell: (c) => (c.validity_months ? t('courses.months', { n: c.validity_months }) : t('courses.noExpiry')),
    },
    { label: t('courses.col.site'), cell: (c) => site(c.site_id) },
    { label: t('courses.col.active'), cell: (c) => h('span', { class: `badge${c.active ? ' ok' : ' neutral'}` }, c.active ? t('courses.active') : t('courses.inactive')) },
    {
      label: t('courses.col.edit'),
      cell: (c) => (canManage(c) ? h('button', {
        type: 'button', class: 'btn secondary small', id: `edit-${c.id}`,
        'aria-label': t('courses.editLabel', { name: courseName(c) }),
        onclick: () => startEdit(c),
      }, t('courses.edit')) : '—'),
    },
  ], visibleCourses(), { emptyText: t('courses.none') }));
}

/** A labelled control with its hint and its inline error slot. */
function field(name, label, control, hint) {
  const id = `course-${name}`;
  control.id = id;
  control.name = name;
  const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint muted', id: `${id}-hint` }, hint) : null,
    control,
    h('p', { class: 'field-error', id: `${id}-error` }));
}

function renderForm() {
  const c = state.editing;
  const v = c || { name_ja: '', name_en: '', description: '', kind: 'onboarding', sessions_required: 1, minimum_minutes: 0, validity_months: null, active: true, site_id: state.managed[0] ?? null };
  el('form-heading').textContent = c ? t('courses.editing', { name: courseName(c) }) : t('courses.new');
  const siteOptions = [];
  if (state.me.is_admin) siteOptions.push(h('option', { value: '', selected: v.site_id === null }, t('courses.allSites')));
  for (const s of state.sites.filter((x) => state.me.is_admin || state.managed.includes(x.id))) {
    siteOptions.push(h('option', { value: String(s.id), selected: v.site_id === s.id }, siteName(s)));
  }
  if (c && c.site_id === null && !state.me.is_admin) siteOptions.push(h('option', { value: '', selected: true }, t('courses.allSites')));
  const site = h('select', { disabled: !!c }, siteOptions);
  const active = h('input', { type: 'checkbox', checked: !!v.active });
  active.id = 'course-active';
  active.name = 'active';
  setChildren(el('course-form'),
    h('div', { id: 'course-status', class: 'message', role: 'status', 'aria-live': 'polite' }),
    h('div', { class: 'form-row' },
      field('name_ja', t('courses.f.nameJa'), h('input', { type: 'text', maxlength: '200', required: true, value: v.name_ja, lang: 'ja' })),
      field('name_en', t('courses.f.nameEn'), h('input', { type: 'text', maxlength: '200', required: true, value: v.name_en, lang: 'en' }))),
    field('description', t('courses.f.description'), h('textarea', { rows: '3', maxlength: '4000' }, v.description)),
    h('div', { class: 'form-row' },
      field('kind', t('courses.f.kind'), h('select', null, ['onboarding', 'skill'].map((k) => h('option', { value: k, selected: v.kind === k }, t(`courses.kind.${k}`))))),
      field('site_id', t('courses.f.site'), site, t('courses.f.siteHint'))),
    h('div', { class: 'form-row' },
      field('sessions_required', t('courses.f.sessions'), h('input', { type: 'number', min: '1', max: '50', step: '1', required: true, value: String(v.sessions_required), inputmode: 'numeric' })),
      field('minimum_minutes', t('courses.f.minutes'), h('input', { type: 'number', min: '0', max: '1440', step: '1', required: true, value: String(v.minimum_minutes), inputmode: 'numeric' })),
      field('validity_months', t('courses.f.validity'), h('input', { type: 'number', min: '1', max: '120', step: '1', value: v.validity_months ? String(v.validity_months) : '', inputmode: 'numeric' }), t('courses.f.validityHint'))),
    h('div', { class: 'field check-field' },
      active, h('label', { for: 'course-active' }, t('courses.f.active')),
      h('p', { class: 'field-error', id: 'course-active-error' })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn', id: 'course-submit' }, c ? t('courses.save') : t('courses.create')),
      c ? h('button', { type: 'button', class: 'btn secondary', id: 'course-cancel', onclick: () => { state.editing = null; renderForm(); el('form-heading').focus(); } }, t('courses.cancelEdit')) : null));
  active.setAttribute('aria-describedby', 'course-active-error rule-text');
  // Screen readers hear the rule about granted completions with the fields that change it.
  for (const name of ['sessions_required', 'minimum_minutes', 'validity_months']) {
    const input = el(`course-${name}`);
    input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby')} rule-text`);
  }
}

function startEdit(c) {
  state.editing = c;
  renderForm();
  el('form-heading').focus();
}

/** Integer from a number field; an empty or unreadable one is sent as it is for the API to name. */
function number(value) {
  if (value.trim() === '') return null;
  const n = Number(value);
  return Number.isInteger(n) ? n : value;
}

function showErrors(form, err) {
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
  let first = null;
  for (const e of err instanceof ApiError ? err.errors : []) {
    const input = form.querySelector(`[name="${CSS.escape(e.field || '')}"]`);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    const slot = el(`${input.id}-error`);
    if (slot) slot.textContent = e.message;
    first = first || input;
  }
  if (first) first.focus();
  return first !== null;
}

async function submitCourse(ev) {
  ev.preventDefault();
  const form = el('course-form');
  const val = (name) => el(`course-${name}`).value;
  const body = {
    name_ja: val('name_ja'),
    name_en: val('name_en'),
    description: val('description'),
    kind: val('kind'),
    sessions_required: number(val('sessions_required')) ?? 0,
    minimum_minutes: number(val('minimum_minutes')) ?? 0,
    validity_months: number(val('validity_months')),
    active: el('course-active').checked,
  };
  const editing = state.editing;
  if (!editing && val('site_id') !== '') body.site_id = Number(val('site_id'));
  try {
    const saved = editing
      ? await api('PUT', `/api/v1/training/courses/${editing.id}`, body)
      : await api('POST', '/api/v1/training/courses', body);
    state.editing = null;
    await loadCourses();
    renderForm();
    el('course-status').textContent = t(editing ? 'courses.saved' : 'courses.created', { name: courseName(saved) });
    renderProgramme();
  } catch (err) {
    // A refusal naming no field (403, a body the server could not read) is said above the form.
    const placed = showErrors(form, err);
    el('course-status').textContent = placed ? t('courses.fixErrors') : errorText(err);
  }
}

async function loadCourses() {
  try {
    state.courses = await api('GET', '/api/v1/training/courses');
    renderList();
    el('list-status').textContent = '';
  } catch (err) {
    el('list-status').textContent = errorText(err);
  }
}

// ---- the programme

function programmeSites() {
  const list = state.sites.filter((s) => state.me.is_admin || state.managed.includes(s.id))
    .map((s) => ({ value: String(s.id), label: siteName(s) }));
  if (state.me.is_admin) list.unshift({ value: 'all', label: t('programme.every') });
  return list;
}

function fillProgrammeSites() {
  const select = el('programme-site');
  setChildren(select, programmeSites().map((o) => h('option', { value: o.value, selected: o.value === state.programmeSite }, o.label)));
}

const programmeSiteId = () => (state.programmeSite === 'all' ? null : Number(state.programmeSite));

async function loadProgramme() {
  const site = programmeSiteId();
  try {
    const steps = await api('GET', `/api/v1/training/programme${site === null ? '' : `?site_id=${site}`}`);
    state.shared = site === null ? [] : steps.filter((s) => s.site_id === null).map((s) => s.course_id);
    state.steps = steps.filter((s) => s.site_id === site).map((s) => s.course_id);
    el('programme-status').textContent = '';
    renderProgramme();
  } catch (err) {
    el('programme-status').textContent = errorText(err);
  }
}

/** Courses that may join the programme: active, shared or the site's own, not already in it. */
function addable() {
  const site = programmeSiteId();
  return state.courses.filter((c) => c.active && !state.steps.includes(c.id) && !state.shared.includes(c.id)
    && (c.site_id === null || (site !== null && c.site_id === site)));
}

function renderProgramme(focus) {
  const site = programmeSiteId();
  const s = state.sites.find((x) => x.id === site);
  el('programme-own-heading').textContent = site === null
    ? t('programme.everyHeading')
    : t('programme.ownHeading', { site: s ? siteName(s) : '' });
  setChildren(el('programme-shared'), site === null ? null : [
    h('h3', { id: 'programme-shared-heading' }, t('programme.sharedHeading')),
    state.shared.length === 0
      ? h('p', { class: 'empty' }, t('programme.empty'))
      : h('ol', { class: 'programme-list shared', 'aria-labelledby': 'programme-shared-heading' },
        state.shared.map((id) => h('li', { 'data-course': String(id) }, h('span', { class: 'step-name' }, nameOf(id))))),
    h('p', { class: 'muted' }, t('programme.sharedNote')),
  ]);
  const list = el('programme-list');
  const n = state.steps.length;
  setChildren(list, n === 0
    ? h('li', { class: 'empty' }, t('programme.empty'))
    : state.steps.map((id, i) => {
      const name = nameOf(id);
      return h('li', { 'data-course': String(id) },
        h('span', { class: 'step-name' }, name),
        h('span', { class: 'step-actions' },
          h('button', {
            type: 'button', class: 'btn secondary small', id: `up-${id}`, 'aria-label': t('programme.upLabel', { name }),
            'aria-disabled': i === 0 ? 'true' : null, onclick: () => move(i, -1, `up-${id}`),
          }, t('programme.up')),
          h('button', {
            type: 'button', class: 'btn secondary small', id: `down-${id}`, 'aria-label': t('programme.downLabel', { name }),
            'aria-disabled': i === n - 1 ? 'true' : null, onclick: () => move(i, 1, `down-${id}`),
          }, t('programme.down')),
          h('button', {
            type: 'button', class: 'btn secondary small', id: `remove-${id}`, 'aria-label': t('programme.removeLabel', { name }),
            onclick: () => remove(i),
          }, t('programme.remove'))));
    }));
  const options = addable();
  setChildren(el('programme-course'), options.length === 0
    ? h('option', { value: '' }, t('programme.noMore'))
    : options.map((c) => h('option', { value: String(c.id) }, courseName(c))));
  if (focus) {
    const again = el(focus);
    if (again) again.focus();
  }
}

function changed(message, focus) {
  renderProgramme(focus);
  el('programme-status').textContent = `${message} ${t('programme.unsaved')}`;
}

function move(i, by, focus) {
  const j = i + by;
  if (j < 0 || j >= state.steps.length) return;
  const id = state.steps[i];
  [state.steps[i], state.steps[j]] = [state.steps[j], state.steps[i]];
  // At the top or the bottom the button pressed is disabled: keep focus on the other one.
  const edge = j === 0 || j === state.steps.length - 1;
  changed(t('programme.moved', { name: nameOf(id), pos: j + 1 }), edge ? `${by < 0 ? 'down' : 'up'}-${id}` : focus);
}

function remove(i) {
  const [id] = state.steps.splice(i, 1);
  const next = state.steps[Math.min(i, state.steps.length - 1)];
  changed(t('programme.removed', { name: nameOf(id) }), next === undefined ? 'programme-course' : `remove-${next}`);
}

function add(ev) {
  ev.preventDefault();
  const value = el('programme-course').value;
  if (!value) return;
  const id = Number(value);
  state.steps.push(id);
  el('programme-course-error').textContent = '';
  el('programme-course').removeAttribute('aria-invalid');
  changed(t('programme.added', { name: nameOf(id), pos: state.steps.length }), 'programme-course');
}

async function saveProgramme() {
  try {
    const saved = await api('PUT', '/api/v1/training/programme', { site_id: programmeSiteId(), course_ids: state.steps });
    state.steps = saved.map((s) => s.course_id);
    renderProgramme();
    el('programme-course-error').textContent = '';
    el('programme-course').removeAttribute('aria-invalid');
    el('programme-status').textContent = t('programme.saved', { n: saved.length });
  } catch (err) {
    const e = err instanceof ApiError ? err.errors.find((x) => x.field === 'course_ids') : null;
    if (e) {
      el('programme-course').setAttribute('aria-invalid', 'true');
      el('programme-course-error').textContent = e.message;
    }
    el('programme-status').textContent = errorText(err);
  }
}

// ---- start

async function boot() {
  try {
    state.me = await api('GET', '/api/v1/auth/me');
  } catch (err) {
    el('loading').hidden = true;
    el('auth-message').textContent = err instanceof ApiError && err.status === 401 ? t('courses.loginRequired') : errorText(err);
    return;
  }
  const roles = state.me.roles || [];
  state.managed = [...new Set(roles.filter((g) => g.role === 'trainer' || g.role === 'director').map((g) => g.site_id))];
  const sites = await api('GET', '/api/v1/sites');
  state.sites = sites.filter((s) => s.active);
  el('loading').hidden = true;
  if (!state.me.is_admin && state.managed.length === 0) {
    el('auth-message').textContent = t('courses.notTrainer');
    return;
  }
  const first = programmeSites()[0];
  state.programmeSite = first ? first.value : '';
  fillProgrammeSites();
  el('programme-site').addEventListener('change', (ev) => {
    state.programmeSite = ev.target.value;
    loadProgramme();
  });
  el('course-form').addEventListener('submit', submitCourse);
  el('programme-add').addEventListener('submit', add);
  el('programme-save').addEventListener('click', saveProgramme);
  onLangChange(() => {
    fillProgrammeSites();
    renderList();
    renderForm();
    renderProgramme();
  });
  el('courses-content').hidden = false;
  await loadCourses();
  renderForm();
  await loadProgramme();
}

boot();
