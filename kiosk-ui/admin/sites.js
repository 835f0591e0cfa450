// The console's forms for a site (its names, municipality, time zone and settings), its
// closed and special opening days, its spaces with their place on the floor plan, and a new
// site (administrators). admin.js says which site is shown ('console:site') and redraws its
// lists when told ('console:spaces-changed', 'console:sites-changed').
//   GET/PATCH /api/v1/sites/{id}; POST /api/v1/sites; GET /api/v1/municipalities
//   GET /api/v1/sites/{id}/exceptions; PUT/DELETE /api/v1/sites/{id}/exceptions/{date}
//   GET /api/v1/sites/{id}/spaces; POST /api/v1/sites/{id}/spaces; PATCH /api/v1/spaces/{id}
//   GET /api/v1/sites/{id}/live (positions); PUT /api/v1/sites/{id}/plan

import { addStrings, getLang, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';

addStrings({
  ja: {
    'site.settings': '施設の設定',
    'site.nameJa': '名称（日本語）',
    'site.nameEn': '名称（英語）',
    'site.municipality': '自治体',
    'site.timeZone': 'タイムゾーン（IANA、例: Asia/Tokyo）',
    'site.window': '予約できる日数（先まで）',
    'site.grace': '無断キャンセル扱いまでの分数',
    'site.maxHours': '1 日に予約できる最大時間',
    'site.maxActive': '同時に持てる予約の数',
    'site.walkIn': '予約なしの来館にキオスクで席を割り当てる',
    'site.early': '予約開始の何分前からチェックインできるか',
    'site.reminder': '前日リマインダーを送る時刻（0〜23 時、-1 で送らない）',
    'site.offline': 'オフライン中のキオスクの記録を受け付ける分数（0 で受け付けない）',
    'site.addressJa': '住所（日本語）',
    'site.addressEn': '住所（英語）',
    'site.active': '施設を有効にする',
    'site.save': '設定を保存',
    'site.saved': '設定を保存しました。',
    'site.fix': '入力内容を確認してください。',
    'site.create': '新しい施設を開く（管理者）',
    'site.createSubmit': '施設を作成',
    'site.created': '施設「{name}」を作成しました。',
    'days.heading': '休館日・特別開館日',
    'days.caption': '通常と異なる日',
    'days.none': '登録された日はありません。',
    'days.col.date': '日付',
    'days.col.kind': '種類',
    'days.col.hours': '時間',
    'days.col.note': '備考',
    'days.col.action': '操作',
    'days.closed': '休館',
    'days.open': '特別開館',
    'days.date': '日付',
    'days.kind': '種類',
    'days.from': '開館時刻（特別開館）',
    'days.to': '閉館時刻（特別開館）',
    'days.note': '備考（例: 設備点検）',
    'days.add': '登録',
    'days.new': '休館日・特別開館日を登録',
    'days.added': '{date} を登録しました。',
    'days.remove': '削除',
    'days.removeLabel': '{date} を削除',
    'days.removed': '{date} を削除しました。',
    'space.heading': 'スペースの追加・編集',
    'space.which': '編集するスペース',
    'space.new': '（新しいスペース）',
    'space.kind': '種類',
    'space.name': '名前',
    'space.capacity': '定員',
    'space.outOfService': '使用停止（予約を受け付けない）',
    'space.attributes': '設備・属性',
    'space.position': 'フロアマップ上の位置（0〜1000、空欄なら自動配置）',
    'space.x': '横位置', 'space.y': '縦位置', 'space.width': '幅', 'space.height': '高さ',
    'space.badPosition': '位置と大きさは 0〜1000 の範囲で、マップからはみ出さないようにしてください。',
    'space.save': 'スペースを保存',
    'space.saved': 'スペース「{name}」を保存しました。',
  },
  en: {
    'site.settings': 'Site settings',
    'site.nameJa': 'Name (Japanese)',
    'site.nameEn': 'Name (English)',
    'site.municipality': 'Municipality',
    'site.timeZone': 'Time zone (IANA, e.g. Asia/Tokyo)',
    'site.window': 'Days ahead workers may book',
    'site.grace': 'Minutes before a no-show is released',
    'site.maxHours': 'Most hours bookable per day',
    'site.maxActive': 'Most bookings held at once',
    'site.walkIn': 'The kiosk gives walk-ins a free desk',
    'site.early': 'Minutes before a booking that check-in opens',
    'site.reminder': 'Hour reminders go out the day before (0-23; -1: none)',
    'site.offline': 'Minutes late an offline kiosk may send its scans (0: none)',
    'site.addressJa': 'Address (Japanese)',
    'site.addressEn': 'Address (English)',
    'site.active': 'Site active',
    'site.save': 'Save settings',
    'site.saved': 'Settings saved.',
    'site.fix': 'Please check the fields.',
    'site.create': 'Open a new site (administrators)',
    'site.createSubmit': 'Create the site',
    'site.created': 'The site "{name}" was created.',
    'days.heading': 'Closed days and special openings',
    'days.caption': 'Days that differ from the usual',
    'days.none': 'No such days.',
    'days.col.date': 'Date',
    'days.col.kind': 'Kind',
    'days.col.hours': 'Hours',
    'days.col.note': 'Note',
    'days.col.action': 'Action',
    'days.closed': 'Closed',
    'days.open': 'Special opening',
    'days.date': 'Date',
    'days.kind': 'Kind',
    'days.from': 'Opens (special opening)',
    'days.to': 'Closes (special opening)',
    'days.note': 'Note (e.g. maintenance)',
    'days.add': 'Save the day',
    'days.new': 'Add a closed day or special opening',
    'days.added': '{date} saved.',
    'days.remove': 'Remove',
    'days.removeLabel': 'Remove {date}',
    'days.removed': '{date} removed.',
    'space.heading': 'Add or change a space',
    'space.which': 'Space to change',
    'space.new': '(a new space)',
    'space.kind': 'Kind',
    'space.name': 'Name',
    'space.capacity': 'Capacity',
    'space.outOfService': 'Out of service (no bookings)',
    'space.attributes': 'Attributes',
    'space.position': 'Place on the floor plan (0-1000; blank: automatic)',
    'space.x': 'x', 'space.y': 'y', 'space.width': 'width', 'space.height': 'height',
    'space.badPosition': 'Position and size go from 0 to 1000 and stay on the plan.',
    'space.save': 'Save the space',
    'space.saved': 'The space "{name}" was saved.',
  },
});

const KINDS = ['desk', 'room', 'secure_room', 'meeting_room', 'childcare_room'];
const POS = ['x', 'y', 'width', 'height'];
const ATTRIBUTES = ['monitor', 'quiet_zone', 'wheelchair_accessible', 'standing_desk', 'window'];
const state = { siteId: null, me: null, site: null, municipalities: [], exceptions: [], spaces: [], live: {}, editing: '', flash: {}, error: '' };
const $ = (id) => document.getElementById(id);

function message(kind, text) {
  return h('div', { class: 'message' + (kind && text ? ' ' + kind : ''), role: kind === 'error' ? 'alert' : 'status' }, text || '');
}

/** A labelled input with a slot for its inline error (filled by showErrors). */
function field(form, name, label, props = {}) {
  const id = `${form}-${name}`;
  const common = { id, name, 'aria-describedby': `${id}-error` };
  const input = props.tag === 'select'
    ? h('select', common, props.options || [])
    : h('input', { ...common, type: props.type || 'text', autocomplete: 'off', required: props.required || null, min: props.min ?? null, max: props.max ?? null });
  if (props.value !== undefined && props.tag !== 'select') input.value = props.value ?? '';
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, h('p', { class: 'field-error', id: `${id}-error` }));
}

function check(form, name, label, checked) {
  return h('div', { class: 'field' }, h('label', null, h('input', { type: 'checkbox', id: `${form}-${name}`, name, checked }), ' ', label));
}

function clearErrors(formEl) {
  for (const input of formEl.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const p of formEl.querySelectorAll('.field-error')) p.textContent = '';
}

/** Marks one field invalid with its message; answers the input. */
function markField(formEl, name, text) {
  const input = formEl.querySelector(`[name="${CSS.escape(name)}"]`);
  if (!input) return null;
  input.setAttribute('aria-invalid', 'true');
  const slot = document.getElementById(`${input.id}-error`);
  if (slot) slot.textContent = text;
  return input;
}

/** Shows a problem's field errors next to their inputs (`alias` renames API fields to
 * inputs); answers whether any was placed. */
function showErrors(formEl, err, alias = {}) {
  clearErrors(formEl);
  let first = null;
  for (const e of err instanceof ApiError ? err.errors : []) {
    const name = alias[e.field] || (e.field.startsWith('positions') ? 'x' : e.field);
    const input = markField(formEl, name, e.message);
    first = first || input;
  }
  if (first) first.focus();
  return first !== null;
}

function failed(formEl, out, err, alias) {
  const placed = showErrors(formEl, err, alias);
  out.className = 'message error';
  out.textContent = placed ? t('site.fix') : errorText(err);
}

function done(out, text) {
  out.className = 'message ok';
  out.textContent = text;
}

const num = (v) => (String(v).trim() === '' ? null : Number(v));
const muniName = (m) => (getLang() === 'en' ? m.name_en || m.name_ja : m.name_ja || m.name_en);

// ---- the site's settings

function siteForm() {
  const s = state.site;
  const admin = Boolean(state.me && state.me.is_admin);
  const f = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'site-settings-heading', onsubmit: async (e) => {
    e.preventDefault();
    const v = (n) => f.elements[n].value.trim();
    const body = {
      name_ja: v('name_ja'), name_en: v('name_en'), time_zone: v('time_zone'),
      booking_window_days: num(v('booking_window_days')), no_show_grace_minutes: num(v('no_show_grace_minutes')),
      max_hours_per_day: num(v('max_hours_per_day')), max_active_bookings: num(v('max_active_bookings')),
      check_in_early_minutes: num(v('check_in_early_minutes')), reminder_hour: num(v('reminder_hour')),
      kiosk_offline_minutes: num(v('kiosk_offline_minutes')), address_ja: v('address_ja'), address_en: v('address_en'),
      allow_walk_in: f.elements.allow_walk_in.checked, active: f.elements.active.checked,
    };
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    // Moving a site to another municipality is the administrators' (the API refuses others).
    if (admin && String(s.municipality_id) !== v('municipality_id')) body.municipality_id = Number(v('municipality_id'));
    const out = $('site-settings-message');
    try {
      state.site = await api('PATCH', `/api/v1/sites/${state.siteId}`, body);
      clearErrors(f);
      done(out, t('site.saved'));
      document.dispatchEvent(new CustomEvent('console:sites-changed'));
    } catch (err) {
      failed(f, out, err);
    }
  } },
  h('h3', { id: 'site-settings-heading' }, t('site.settings')),
  field('site', 'name_ja', t('site.nameJa'), { required: true, value: s.name_ja }),
  field('site', 'name_en', t('site.nameEn'), { required: true, value: s.name_en }),
  field('site', 'municipality_id', t('site.municipality'), { tag: 'select', options: state.municipalities.map((m) => h('option', { value: m.id, selected: m.id === s.municipality_id }, muniName(m))) }),
  field('site', 'time_zone', t('site.timeZone'), { required: true, value: s.time_zone }),
  field('site', 'booking_window_days', t('site.window'), { type: 'number', value: s.booking_window_days }),
  field('site', 'no_show_grace_minutes', t('site.grace'), { type: 'number', value: s.no_show_grace_minutes }),
  field('site', 'max_hours_per_day', t('site.maxHours'), { type: 'number', value: s.max_hours_per_day }),
  field('site', 'max_active_bookings', t('site.maxActive'), { type: 'number', value: s.max_active_bookings }),
  field('site', 'check_in_early_minutes', t('site.early'), { type: 'number', value: s.check_in_early_minutes }),
  field('site', 'reminder_hour', t('site.reminder'), { type: 'number', value: s.reminder_hour }),
  field('site', 'kiosk_offline_minutes', t('site.offline'), { type: 'number', value: s.kiosk_offline_minutes }),
  field('site', 'address_ja', t('site.addressJa'), { value: s.address_ja || '' }),
  field('site', 'address_en', t('site.addressEn'), { value: s.address_en || '' }),
  check('site', 'allow_walk_in', t('site.walkIn'), s.allow_walk_in),
  check('site', 'active', t('site.active'), s.active),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('site.save'))),
  h('div', { id: 'site-settings-message', class: 'message', role: 'status' }));
  if (!admin) f.elements.municipality_id.disabled = true;
  return f;
}

// ---- closed days and special openings

function daysSection() {
  const table = dataTable(t('days.caption'), [
    { label: t('days.col.date'), cell: (d) => h('time', { datetime: d.date }, d.date) },
    { label: t('days.col.kind'), cell: (d) => h('span', { class: d.open ? 'badge ok' : 'badge error' }, t(d.open ? 'days.open' : 'days.closed')) },
    { label: t('days.col.hours'), cell: (d) => (d.open && d.open_time ? `${d.open_time}–${d.close_time}` : '') },
    { label: t('days.col.note'), cell: (d) => d.note || '' },
    { label: t('days.col.action'), cell: (d) => h('button', { type: 'button', class: 'btn small secondary', 'aria-label': t('days.removeLabel', { date: d.date }), onclick: async () => {
      try {
        await api('DELETE', `/api/v1/sites/${state.siteId}/exceptions/${d.date}`);
        state.flash.days = t('days.removed', { date: d.date });
      } catch (err) {
        state.error = errorText(err);
      }
      await loadExceptions();
      $('days-heading')?.focus();
    } }, t('days.remove')) },
  ], state.exceptions, { emptyText: t('days.none') });
  const f = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'days-add-heading', onsubmit: async (e) => {
    e.preventDefault();
    const v = (n) => f.elements[n].value.trim();
    const out = $('days-form-message');
    clearErrors(f);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v('date'))) {
      markField(f, 'date', t('site.fix'))?.focus();
      out.className = 'message error';
      out.textContent = t('site.fix');
      return;
    }
    const open = v('kind') === 'open';
    const body = { open, note: v('note') };
    if (open && v('open_time')) body.open_time = v('open_time');
    if (open && v('close_time')) body.close_time = v('close_time');
    try {
      await api('PUT', `/api/v1/sites/${state.siteId}/exceptions/${v('date')}`, body);
      state.flash.days = t('days.added', { date: v('date') });
      await loadExceptions();
      $('days-heading')?.focus();
    } catch (err) {
      failed(f, out, err);
    }
  } },
  h('h4', { id: 'days-add-heading' }, t('days.new')),
  field('days', 'date', t('days.date'), { type: 'date', required: true }),
  field('days', 'kind', t('days.kind'), { tag: 'select', options: [h('option', { value: 'closed' }, t('days.closed')), h('option', { value: 'open' }, t('days.open'))] }),
  field('days', 'open_time', t('days.from'), { type: 'time' }),
  field('days', 'close_time', t('days.to'), { type: 'time' }),
  field('days', 'note', t('days.note')),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('days.add'))),
  h('div', { id: 'days-form-message', class: 'message', role: 'status' }));
  const flash = state.flash.days;
  state.flash.days = '';
  return [h('h3', { id: 'days-heading', tabindex: '-1' }, t('days.heading')), flash ? message('ok', flash) : null, table, f];
}

// ---- spaces with their place on the plan

function spaceForm() {
  const editing = state.spaces.find((s) => String(s.id) === state.editing) || null;
  const pos = editing ? state.live[editing.id] : null;
  const placed = pos && pos.placed;
  const f = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'space-form-heading', onsubmit: async (e) => {
    e.preventDefault();
    const v = (n) => f.elements[n].value.trim();
    const out = $('space-form-message');
    clearErrors(f);
    // The position is checked first: a space must not be created when its place is refused.
    const given = POS.filter((k) => v(k) !== '');
    let position = null;
    if (given.length > 0) {
      const p = Object.fromEntries(POS.map((k) => [k, v(k) === '' ? (k === 'width' || k === 'height' ? 40 : NaN) : Number(v(k))]));
      const bad = POS.filter((k) => !Number.isInteger(p[k]) || p[k] < 0 || p[k] > 1000 || ((k === 'width' || k === 'height') && p[k] < 1));
      if (bad.length === 0 && p.x + p.width > 1000) bad.push('width');
      if (bad.length === 0 && p.y + p.height > 1000) bad.push('height');
      if (bad.length > 0) {
        let first = null;
        for (const k of bad) first = first || markField(f, k, t('space.badPosition'));
        first?.focus();
        out.className = 'message error';
        out.textContent = t('site.fix');
        return;
      }
      position = p;
    }
    const body = { kind: v('kind'), name: v('name'), active: !f.elements.out_of_service.checked,
      attributes: ATTRIBUTES.filter((a) => f.elements[`attr-${a}`].checked) };
    if (v('capacity') !== '') body.capacity = Number(v('capacity'));
    try {
      const saved = editing
        ? await api('PATCH', `/api/v1/spaces/${editing.id}`, body)
        : await api('POST', `/api/v1/sites/${state.siteId}/spaces`, body);
      if (position) {
        await api('PUT', `/api/v1/sites/${state.siteId}/plan`, { positions: [{ space_id: saved.id, ...position }] });
      }
      state.flash.space = t('space.saved', { name: saved.name });
      state.editing = String(saved.id);
      document.dispatchEvent(new CustomEvent('console:spaces-changed'));
      await loadSpaces();
      $('space-form-heading')?.focus();
    } catch (err) {
      failed(f, out, err);
    }
  } },
  h('h3', { id: 'space-form-heading', tabindex: '-1' }, t('space.heading')),
  state.flash.space ? message('ok', state.flash.space) : null,
  field('space', 'which', t('space.which'), { tag: 'select', options: [h('option', { value: '' }, t('space.new')), ...state.spaces.map((s) => h('option', { value: s.id, selected: String(s.id) === state.editing }, s.name))] }),
  field('space', 'kind', t('space.kind'), { tag: 'select', options: KINDS.map((k) => h('option', { value: k, selected: editing ? editing.kind === k : k === 'desk' }, t(`admin.kind.${k}`))) }),
  field('space', 'name', t('space.name'), { required: true, value: editing ? editing.name : '' }),
  field('space', 'capacity', t('space.capacity'), { type: 'number', min: 1, value: editing ? editing.capacity : 1 }),
  check('space', 'out_of_service', t('space.outOfService'), editing ? !editing.active : false),
  h('fieldset', { 'aria-describedby': 'space-attributes-error' }, h('legend', null, t('space.attributes')),
    ATTRIBUTES.map((a) => h('label', { class: 'console-check' }, h('input', { type: 'checkbox', name: `attr-${a}`, checked: Boolean(editing && editing.attributes.includes(a)) }), ' ', t(`admin.attr.${a}`), ' ')),
    h('p', { class: 'field-error', id: 'space-attributes-error' })),
  h('fieldset', null, h('legend', null, t('space.position')),
    POS.map((k) => field('space', k, t(`space.${k}`), { type: 'number', min: 0, max: 1000, value: placed ? pos[k] : '' }))),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('space.save'))),
  h('div', { id: 'space-form-message', class: 'message', role: 'status' }));
  state.flash.space = '';
  f.elements.which.addEventListener('change', () => {
    state.editing = f.elements.which.value;
    renderSpaceForm();
    $('space-which')?.focus();
  });
  return f;
}

// ---- a new site (administrators)

function createForm() {
  const f = h('form', { class: 'card console-form', novalidate: true, 'aria-labelledby': 'site-create-heading', onsubmit: async (e) => {
    e.preventDefault();
    const v = (n) => f.elements[n].value.trim();
    const out = $('site-create-message');
    const body = { name_ja: v('name_ja'), name_en: v('name_en'), time_zone: v('time_zone') };
    if (v('municipality_id')) body.municipality_id = Number(v('municipality_id'));
    try {
      const site = await api('POST', '/api/v1/sites', body);
      clearErrors(f);
      f.reset();
      done(out, t('site.created', { name: getLang() === 'en' ? site.name_en : site.name_ja }));
      document.dispatchEvent(new CustomEvent('console:sites-changed'));
    } catch (err) {
      failed(f, out, err);
    }
  } },
  h('h3', { id: 'site-create-heading' }, t('site.create')),
  field('new-site', 'name_ja', t('site.nameJa'), { required: true }),
  field('new-site', 'name_en', t('site.nameEn'), { required: true }),
  field('new-site', 'municipality_id', t('site.municipality'), { tag: 'select', options: state.municipalities.map((m) => h('option', { value: m.id }, muniName(m))) }),
  field('new-site', 'time_zone', t('site.timeZone'), { required: true, value: 'Asia/Tokyo' }),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('site.createSubmit'))),
  h('div', { id: 'site-create-message', class: 'message', role: 'status' }));
  return f;
}

// ---- loading and drawing

function renderSite() {
  const box = $('site-settings');
  if (box && state.site) setChildren(box, siteForm());
}

function renderDays() {
  const box = $('site-days');
  if (box) setChildren(box, state.error ? message('error', state.error) : null, daysSection());
  state.error = '';
}

function renderSpaceForm() {
  const box = $('space-form-box');
  if (box) setChildren(box, spaceForm());
}

function renderCreate() {
  const box = $('site-create');
  if (!box) return;
  box.hidden = !(state.me && state.me.is_admin);
  if (!box.hidden) setChildren(box, createForm());
}

async function loadExceptions() {
  const siteId = state.siteId;
  try {
    const list = await api('GET', `/api/v1/sites/${siteId}/exceptions`);
    if (siteId !== state.siteId) return;
    state.exceptions = list;
  } catch (err) {
    state.error = errorText(err);
  }
  renderDays();
}

async function loadSpaces() {
  const siteId = state.siteId;
  try {
    const [spaces, live] = await Promise.all([
      api('GET', `/api/v1/sites/${siteId}/spaces`),
      api('GET', `/api/v1/sites/${siteId}/live`).catch(() => ({ spaces: [] })),
    ]);
    if (siteId !== state.siteId) return;
    state.spaces = spaces;
    state.live = Object.fromEntries((live.spaces || []).map((s) => [s.id, s]));
  } catch (err) {
    state.error = errorText(err);
  }
  renderSpaceForm();
}

async function loadMunicipalities() {
  try {
    state.municipalities = await api('GET', '/api/v1/municipalities');
  } catch {
    state.municipalities = [];
  }
}

document.addEventListener('console:site', async (e) => {
  state.siteId = String(e.detail.siteId);
  state.me = e.detail.me;
  state.editing = '';
  if (state.municipalities.length === 0) await loadMunicipalities();
  try {
    state.site = await api('GET', `/api/v1/sites/${state.siteId}`);
  } catch (err) {
    state.site = null;
    state.error = errorText(err);
  }
  renderSite();
  loadExceptions();
  loadSpaces();
});

document.addEventListener('console:me', async (e) => {
  state.me = e.detail.me;
  if (state.me && state.me.is_admin) {
    await loadMunicipalities();
    renderCreate();
  }
});

onLangChange(() => {
  if (!state.siteId) return;
  renderSite();
  renderDays();
  renderSpaceForm();
  renderCreate();
});
