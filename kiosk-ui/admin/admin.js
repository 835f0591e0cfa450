// Director's page.
//   GET  /api/v1/auth/me
//   GET  /api/v1/sites
//   GET  /api/v1/sites/{id}/spaces
//   GET  /api/v1/sites/{id}/kiosks
//   POST /api/v1/sites/{id}/kiosks {name}
//   POST /api/v1/kiosks/{id}/revoke
//   GET  /api/v1/sites/{id}/calendar?from=YYYY-MM-DD&to=YYYY-MM-DD
// The site's forms (settings, closed days, spaces, a new site) are in sites.js.

import { initI18n, onLangChange, getLang, getLocale, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';
import { showPlan, renderPlan } from '/admin/plan.js';
import { localDate } from '/shared/time.js';

initI18n({
  ja: {
    'app.title': 'KADO 塩尻',
    'common.skip': '本文へ移動',
    'admin.pageTitle': '管理画面 | KADO',
    'admin.heading': '管理画面',
    'admin.loginRequired': 'この画面を使うにはログインが必要です。',
    'admin.goLogin': 'ログインページへ',
    'admin.whoami': '{name} さんとしてログイン中',
    'admin.sites': '施設',
    'admin.noSites': '管理できる施設がありません。',
    'admin.col.name': '名称',
    'admin.col.timeZone': 'タイムゾーン',
    'admin.col.status': '状態',
    'admin.col.action': '操作',
    'admin.active': '有効',
    'admin.inactive': '無効',
    'admin.select': '表示',
    'admin.selectLabel': '{name} を表示',
    'admin.spaces': 'スペース',
    'admin.noSpaces': 'スペースがありません。',
    'admin.col.kind': '種類',
    'admin.col.capacity': '定員',
    'admin.col.attributes': '設備・属性',
    'admin.kind.desk': 'デスク',
    'admin.kind.room': '個室',
    'admin.kind.secure_room': 'セキュアルーム',
    'admin.kind.meeting_room': '会議室',
    'admin.kind.childcare_room': '託児室',
    'admin.attr.monitor': 'モニター',
    'admin.attr.quiet_zone': '静音エリア',
    'admin.attr.wheelchair_accessible': '車いす対応',
    'admin.attr.standing_desk': 'スタンディングデスク',
    'admin.attr.window': '窓側',
    'admin.kiosks': '入口キオスク端末',
    'admin.noKiosks': '登録された端末はありません。',
    'admin.col.created': '登録日時',
    'admin.col.lastSeen': '最終通信',
    'admin.never': 'なし',
    'admin.kioskRevoked': '取消済',
    'admin.kioskPaired': 'ペアリング済',
    'admin.kioskUnpaired': '未ペアリング',
    'admin.revoke': '取り消す',
    'admin.revokeLabel': '{name} を取り消す',
    'admin.confirmRevoke': '端末「{name}」の登録を取り消しますか？この端末は使えなくなります。',
    'admin.revoked': '端末「{name}」の登録を取り消しました。',
    'admin.registerKiosk': 'キオスク端末を登録',
    'admin.kioskName': '端末名（例: 1 階入口）',
    'admin.registerSubmit': '登録してペアリングコードを発行',
    'admin.nameRequired': '端末名を入力してください。',
    'admin.pairingFor': '「{name}」のペアリングコード',
    'admin.pairingHelp': 'キオスク端末の画面でこのコードを入力してください。',
    'admin.pairingExpires': '有効期限: {time}',
    'admin.calendar': '今後 14 日間の開館予定',
    'admin.noCalendar': '予定がありません。',
    'admin.col.date': '日付',
    'admin.col.hours': '開館時間',
    'admin.col.note': '備考',
    'admin.open': '開館',
    'admin.closed': '休館',
    'admin.reason.weekly': '定休日',
    'admin.reason.holiday': '祝日',
    'admin.reason.holidayNamed': '祝日（{name}）',
    'admin.reason.annual_closure': '年末年始等の休館',
    'admin.reason.exception_closed': '臨時休館',
    'admin.reason.exception_open': '特別開館',
  },
  en: {
    'app.title': 'KADO Shiojiri',
    'common.skip': 'Skip to content',
    'admin.pageTitle': 'Admin | KADO',
    'admin.heading': 'Admin',
    'admin.loginRequired': 'Please log in to use this page.',
    'admin.goLogin': 'Go to the login page',
    'admin.whoami': 'Logged in as {name}',
    'admin.sites': 'Sites',
    'admin.noSites': 'There are no sites you manage.',
    'admin.col.name': 'Name',
    'admin.col.timeZone': 'Time zone',
    'admin.col.status': 'Status',
    'admin.col.action': 'Action',
    'admin.active': 'Active',
    'admin.inactive': 'Inactive',
    'admin.select': 'Show',
    'admin.selectLabel': 'Show {name}',
    'admin.spaces': 'Spaces',
    'admin.noSpaces': 'There are no spaces.',
    'admin.col.kind': 'Kind',
    'admin.col.capacity': 'Capacity',
    'admin.col.attributes': 'Attributes',
    'admin.kind.desk': 'Desk',
    'admin.kind.room': 'Private room',
    'admin.kind.secure_room': 'Secure room',
    'admin.kind.meeting_room': 'Meeting room',
    'admin.kind.childcare_room': 'Childcare room',
    'admin.attr.monitor': 'Monitor',
    'admin.attr.quiet_zone': 'Quiet zone',
    'admin.attr.wheelchair_accessible': 'Wheelchair accessible',
    'admin.attr.standing_desk': 'Standing desk',
    'admin.attr.window': 'Window seat',
    'admin.kiosks': 'Entrance kiosks',
    'admin.noKiosks': 'No kiosk devices are registered.',
    'admin.col.created': 'Registered',
    'admin.col.lastSeen': 'Last seen',
    'admin.never': 'Never',
    'admin.kioskRevoked': 'Revoked',
    'admin.kioskPaired': 'Paired',
    'admin.kioskUnpaired': 'Not paired',
    'admin.revoke': 'Revoke',
    'admin.revokeLabel': 'Revoke {name}',
    'admin.confirmRevoke': 'Revoke the kiosk "{name}"? The device will stop working.',
    'admin.revoked': 'The kiosk "{name}" has been revoked.',
    'admin.registerKiosk': 'Register a kiosk',
    'admin.kioskName': 'Device name (e.g. 1F entrance)',
    'admin.registerSubmit': 'Register and issue a pairing code',
    'admin.nameRequired': 'Please enter a device name.',
    'admin.pairingFor': 'Pairing code for "{name}"',
    'admin.pairingHelp': 'Type this code on the kiosk screen.',
    'admin.pairingExpires': 'Valid until {time}',
    'admin.calendar': 'Opening calendar: next 14 days',
    'admin.noCalendar': 'No calendar entries.',
    'admin.col.date': 'Date',
    'admin.col.hours': 'Hours',
    'admin.col.note': 'Note',
    'admin.open': 'Open',
    'admin.closed': 'Closed',
    'admin.reason.weekly': 'Regular closing day',
    'admin.reason.holiday': 'Public holiday',
    'admin.reason.holidayNamed': 'Public holiday ({name})',
    'admin.reason.annual_closure': 'Annual closure',
    'admin.reason.exception_closed': 'Special closure',
    'admin.reason.exception_open': 'Special opening',
  },
});

const $ = (id) => document.getElementById(id);
const el = {
  loading: $('loading'),
  authMessage: $('auth-message'),
  loginLink: $('login-link'),
  content: $('admin-content'),
  whoami: $('whoami'),
  sitesStatus: $('sites-status'),
  sitesList: $('sites-list'),
  detail: $('site-detail'),
  siteHeading: $('site-heading'),
  spacesStatus: $('spaces-status'),
  spacesList: $('spaces-list'),
  kiosksStatus: $('kiosks-status'),
  kiosksList: $('kiosks-list'),
  kioskForm: $('kiosk-form'),
  kioskName: $('kiosk-name'),
  kioskSubmit: $('kiosk-submit'),
  kioskFormMessage: $('kiosk-form-message'),
  newKiosk: $('new-kiosk'),
  calendarStatus: $('calendar-status'),
  calendarList: $('calendar-list'),
};

const state = {
  me: null,
  sites: [],
  siteId: null, // string
  spaces: null,
  kiosks: null,
  calendar: null,
  newKiosk: null,
};

// ---------- helpers ----------

function showMessage(target, text, kind) {
  target.className = 'message' + (kind && text ? ' ' + kind : '');
  target.textContent = text || '';
}

function asArray(v) {
  return Array.isArray(v) ? v : [];
}

/** Admins manage every site; anyone else only the sites they direct (the API refuses the rest). */
function canManage(site) {
  const me = state.me;
  if (!me || me.is_admin) return true;
  return asArray(me.roles).some((r) => r && r.role === 'director' && String(r.site_id) === String(site.id));
}

function currentSite() {
  return state.sites.find((s) => String(s.id) === state.siteId) || null;
}

function siteName(site) {
  if (!site) return '';
  const primary = getLang() === 'en' ? site.name_en || site.name_ja : site.name_ja || site.name_en;
  return primary || String(site.id);
}

function siteTimeZone() {
  const site = currentSite();
  return (site && site.time_zone) || 'Asia/Tokyo';
}

function sitePath(suffix) {
  return `/api/v1/sites/${encodeURIComponent(state.siteId)}${suffix}`;
}

function parseYmd(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(ymd || ''));
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
}

function addDays(ymd, days) {
  const ms = parseYmd(ymd);
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
}

function formatYmd(ymd) {
  const ms = parseYmd(ymd);
  if (!Number.isFinite(ms)) return String(ymd || '');
  return new Intl.DateTimeFormat(getLocale(), {
    timeZone: 'UTC', month: 'short', day: 'numeric', weekday: 'short',
  }).format(new Date(ms));
}

/** Milliseconds for a server timestamp: Unix seconds (what the API sends) or an ISO string. */
function timestampMs(value) {
  if (typeof value === 'number') return value * 1000;
  if (/^\d+$/.test(String(value))) return Number(value) * 1000;
  return Date.parse(value);
}

/** A server timestamp shown in the site's time zone. */
function formatTimestamp(value) {
  if (value === null || value === undefined || value === '') return t('admin.never');
  const ms = timestampMs(value);
  if (!Number.isFinite(ms)) return String(value);
  const options = { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat(getLocale(), { ...options, timeZone: siteTimeZone() }).format(new Date(ms));
  } catch {
    return new Intl.DateTimeFormat(getLocale(), { ...options, timeZone: 'Asia/Tokyo' }).format(new Date(ms));
  }
}

function badge(text, kind) {
  return h('span', { class: `badge ${kind}` }, text);
}

function activeBadge(active) {
  return active === false ? badge(t('admin.inactive'), 'neutral') : badge(t('admin.active'), 'ok');
}

function attributeText(a) {
  if (a === null || a === undefined) return '';
  if (typeof a === 'object') return a.name || a.key || a.label || JSON.stringify(a);
  const key = `admin.attr.${a}`;
  const text = t(key);
  return text === key ? String(a) : text;
}

function kindText(kind) {
  const key = `admin.kind.${kind}`;
  const text = t(key);
  return text === key ? String(kind || '') : text;
}

// ---------- sites ----------

function renderSites() {
  const columns = [
    {
      label: t('admin.col.name'),
      cell: (s) => {
        const other = getLang() === 'en' ? s.name_ja : s.name_en;
        return h('span', null, siteName(s), other && other !== siteName(s) ? h('span', { class: 'muted' }, ' / ', other) : null);
      },
    },
    { label: t('admin.col.timeZone'), cell: (s) => s.time_zone || '' },
    { label: t('admin.col.status'), cell: (s) => activeBadge(s.active) },
    {
      label: t('admin.col.action'),
      cell: (s) => h('button', {
        type: 'button',
        class: String(s.id) === state.siteId ? 'btn small' : 'btn small secondary',
        'aria-pressed': String(String(s.id) === state.siteId),
        'aria-label': t('admin.selectLabel', { name: siteName(s) }),
        onclick: () => selectSite(String(s.id), true),
      }, t('admin.select')),
    },
  ];
  setChildren(el.sitesList, dataTable(null, columns, state.sites, { emptyText: t('admin.noSites') }));
}

async function loadSites() {
  showMessage(el.sitesStatus, t('common.loading'), 'info');
  try {
    state.sites = asArray(await api('GET', '/api/v1/sites')).filter(canManage);
    showMessage(el.sitesStatus, '', null);
  } catch (err) {
    state.sites = [];
    showMessage(el.sitesStatus, errorText(err), 'error');
  }
  renderSites();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('site');
  if (fromHash && state.sites.some((s) => String(s.id) === fromHash)) selectSite(fromHash, false);
  else if (state.sites.length === 1) selectSite(String(state.sites[0].id), false);
}

function selectSite(id, moveFocus) {
  state.siteId = id;
  state.spaces = null;
  state.kiosks = null;
  state.calendar = null;
  state.newKiosk = null;
  try {
    history.replaceState(null, '', `#site=${encodeURIComponent(id)}`);
  } catch {
    // ignore (e.g. sandboxed frame)
  }
  renderSites();
  renderDetailHeading();
  el.detail.hidden = false;
  setChildren(el.spacesList);
  setChildren(el.kiosksList);
  setChildren(el.calendarList);
  setChildren(el.newKiosk);
  showMessage(el.kioskFormMessage, '', null);
  showMessage(el.kiosksStatus, '', null);
  el.kioskName.removeAttribute('aria-invalid');
  if (moveFocus) el.siteHeading.focus();
  loadSpaces();
  loadKiosks();
  loadCalendar();
  if (canManage(currentSite())) showPlan($('plan-editor'), Number(id));
  // sites.js draws the site's forms.
  document.dispatchEvent(new CustomEvent('console:site', { detail: { siteId: id, me: state.me } }));
}

// A space saved in the console's form: its row and its place on the plan.
document.addEventListener('console:spaces-changed', () => {
  if (!state.siteId) return;
  loadSpaces();
  showPlan($('plan-editor'), Number(state.siteId));
});

// A site created or renamed in the console's forms.
document.addEventListener('console:sites-changed', async () => {
  try {
    state.sites = asArray(await api('GET', '/api/v1/sites')).filter(canManage);
  } catch (err) {
    showMessage(el.sitesStatus, errorText(err), 'error');
  }
  renderSites();
  if (state.siteId) renderDetailHeading();
});

function renderDetailHeading() {
  el.siteHeading.textContent = siteName(currentSite());
}

// ---------- spaces ----------

function renderSpaces() {
  if (!state.spaces) return;
  const columns = [
    { label: t('admin.col.name'), cell: (s) => s.name || '' },
    { label: t('admin.col.kind'), cell: (s) => kindText(s.kind) },
    { label: t('admin.col.capacity'), cell: (s) => (s.capacity === null || s.capacity === undefined ? t('common.none') : String(s.capacity)) },
    {
      label: t('admin.col.attributes'),
      cell: (s) => asArray(s.attributes).map(attributeText).filter(Boolean).join(getLang() === 'ja' ? '、' : ', ') || t('common.none'),
    },
    { label: t('admin.col.status'), cell: (s) => activeBadge(s.active) },
  ];
  setChildren(el.spacesList, dataTable(null, columns, state.spaces, { emptyText: t('admin.noSpaces') }));
}

async function loadSpaces() {
  const siteId = state.siteId;
  showMessage(el.spacesStatus, t('common.loading'), 'info');
  try {
    const spaces = asArray(await api('GET', sitePath('/spaces')));
    if (siteId !== state.siteId) return;
    state.spaces = spaces;
    showMessage(el.spacesStatus, '', null);
    renderSpaces();
  } catch (err) {
    if (siteId !== state.siteId) return;
    showMessage(el.spacesStatus, errorText(err), 'error');
  }
}

// ---------- kiosks ----------

function kioskStatus(k) {
  if (k.revoked) return badge(t('admin.kioskRevoked'), 'error');
  if (k.paired) return badge(t('admin.kioskPaired'), 'ok');
  return badge(t('admin.kioskUnpaired'), 'neutral');
}

function renderKiosks() {
  if (!state.kiosks) return;
  const columns = [
    { label: t('admin.col.name'), cell: (k) => k.name || '' },
    { label: t('admin.col.status'), cell: kioskStatus },
    { label: t('admin.col.created'), cell: (k) => formatTimestamp(k.created_at) },
    { label: t('admin.col.lastSeen'), cell: (k) => formatTimestamp(k.last_seen_at) },
    {
      label: t('admin.col.action'),
      cell: (k) => (k.revoked
        ? t('common.none')
        : h('button', {
          type: 'button',
          class: 'btn small danger',
          'aria-label': t('admin.revokeLabel', { name: k.name || '' }),
          onclick: (ev) => revokeKiosk(k, ev.currentTarget),
        }, t('admin.revoke'))),
    },
  ];
  setChildren(el.kiosksList, dataTable(null, columns, state.kiosks, { emptyText: t('admin.noKiosks') }));
}

async function loadKiosks() {
  const siteId = state.siteId;
  try {
    const kiosks = asArray(await api('GET', sitePath('/kiosks')));
    if (siteId !== state.siteId) return;
    state.kiosks = kiosks;
    renderKiosks();
  } catch (err) {
    if (siteId !== state.siteId) return;
    showMessage(el.kiosksStatus, errorText(err), 'error');
  }
}

async function revokeKiosk(kiosk, button) {
  const name = kiosk.name || String(kiosk.id);
  if (!window.confirm(t('admin.confirmRevoke', { name }))) return;
  if (button) button.disabled = true;
  try {
    await api('POST', `/api/v1/kiosks/${encodeURIComponent(kiosk.id)}/revoke`);
    showMessage(el.kiosksStatus, t('admin.revoked', { name }), 'ok');
    if (state.newKiosk && String(state.newKiosk.id) === String(kiosk.id)) {
      state.newKiosk = null;
      renderNewKiosk();
    }
    await loadKiosks();
    $('kiosks-heading').focus(); // the row's button is gone; keep focus nearby
  } catch (err) {
    if (button) button.disabled = false;
    showMessage(el.kiosksStatus, errorText(err), 'error');
  }
}

function groupCode(code) {
  const s = String(code || '');
  return /^\d{8}$/.test(s) ? `${s.slice(0, 4)} ${s.slice(4)}` : s;
}

function renderNewKiosk() {
  const k = state.newKiosk;
  if (!k) {
    setChildren(el.newKiosk);
    return;
  }
  setChildren(el.newKiosk,
    h('div', { class: 'card' },
      h('h4', null, t('admin.pairingFor', { name: k.name || '' })),
      h('p', { class: 'big-code' }, groupCode(k.pairing_code)),
      h('p', null, t('admin.pairingHelp')),
      k.pairing_expires_at ? h('p', { class: 'muted' }, t('admin.pairingExpires', { time: formatTimestamp(k.pairing_expires_at) })) : null));
}

el.kioskForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!state.siteId || el.kioskSubmit.disabled) return;
  const name = el.kioskName.value.trim();
  el.kioskName.removeAttribute('aria-invalid');
  if (!name) {
    el.kioskName.setAttribute('aria-invalid', 'true');
    showMessage(el.kioskFormMessage, t('admin.nameRequired'), 'error');
    el.kioskName.focus();
    return;
  }
  const siteId = state.siteId;
  el.kioskSubmit.disabled = true;
  showMessage(el.kioskFormMessage, '', null);
  try {
    const created = await api('POST', sitePath('/kiosks'), { name });
    if (siteId !== state.siteId) return;
    state.newKiosk = created || null;
    el.kioskName.value = '';
    renderNewKiosk();
    loadKiosks();
  } catch (err) {
    showMessage(el.kioskFormMessage, errorText(err), 'error');
    if (err instanceof ApiError && err.errors.some((e) => e && e.field === 'name')) {
      el.kioskName.setAttribute('aria-invalid', 'true');
      el.kioskName.focus();
    }
  } finally {
    el.kioskSubmit.disabled = false;
  }
});

// ---------- calendar ----------

function reasonText(day) {
  const text = reasonLabel(day);
  return [text, day.note].filter(Boolean).join(getLang() === 'ja' ? '：' : ': ');
}

function reasonLabel(day) {
  switch (day.reason) {
    case 'holiday':
      return day.holiday_name ? t('admin.reason.holidayNamed', { name: day.holiday_name }) : t('admin.reason.holiday');
    case 'weekly':
      // "weekly" means the usual weekly hours apply: only a closed day is worth a note.
      return day.open ? '' : t('admin.reason.weekly');
    case 'annual_closure':
    case 'exception_closed':
    case 'exception_open':
      return t(`admin.reason.${day.reason}`);
    default:
      return day.holiday_name || '';
  }
}

function renderCalendar() {
  if (!state.calendar) return;
  const columns = [
    { label: t('admin.col.date'), cell: (d) => h('time', { datetime: d.date }, formatYmd(d.date)) },
    { label: t('admin.col.status'), cell: (d) => (d.open ? badge(t('admin.open'), 'ok') : badge(t('admin.closed'), 'error')) },
    {
      label: t('admin.col.hours'),
      cell: (d) => (d.open && d.hours && d.hours.open && d.hours.close ? `${d.hours.open}–${d.hours.close}` : t('common.none')),
    },
    { label: t('admin.col.note'), cell: (d) => reasonText(d) || t('common.none') },
  ];
  setChildren(el.calendarList, dataTable(null, columns, state.calendar, { emptyText: t('admin.noCalendar') }));
}

async function loadCalendar() {
  const siteId = state.siteId;
  const from = localDate(siteTimeZone());
  const to = addDays(from, 13); // 14 days, both ends included
  showMessage(el.calendarStatus, t('common.loading'), 'info');
  try {
    const days = asArray(await api('GET', `${sitePath('/calendar')}?from=${from}&to=${to}`));
    if (siteId !== state.siteId) return;
    state.calendar = days;
    showMessage(el.calendarStatus, '', null);
    renderCalendar();
  } catch (err) {
    if (siteId !== state.siteId) return;
    showMessage(el.calendarStatus, errorText(err), 'error');
  }
}

// ---------- start ----------

function renderWhoami() {
  el.whoami.textContent = state.me ? t('admin.whoami', { name: state.me.name || state.me.email || '' }) : '';
}

onLangChange(() => {
  renderWhoami();
  renderSites();
  if (state.siteId) {
    renderDetailHeading();
    renderSpaces();
    renderKiosks();
    renderNewKiosk();
    renderCalendar();
    renderPlan();
  }
  if (!el.loginLink.hidden) showMessage(el.authMessage, t('admin.loginRequired'), 'info');
});

async function init() {
  try {
    state.me = await api('GET', '/api/v1/auth/me');
  } catch (err) {
    el.loading.hidden = true;
    if (err instanceof ApiError && err.status === 401) {
      showMessage(el.authMessage, t('admin.loginRequired'), 'info');
      el.loginLink.hidden = false;
    } else {
      showMessage(el.authMessage, errorText(err), 'error');
    }
    return;
  }
  el.loading.hidden = true;
  el.content.hidden = false;
  renderWhoami();
  document.dispatchEvent(new CustomEvent('console:me', { detail: { me: state.me } }));
  await loadSites();
}

init();
