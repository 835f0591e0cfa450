// Staff page: the site live (map, seats, people, children, arrivals, alerts) from the
// server-sent events of GET /api/v1/sites/{id}/live/stream, and the evacuation roll call,
// phone first: the list stays on the page when the network goes, marks are kept in
// localStorage and sent when it comes back.
//   GET  /api/v1/auth/me
//   GET  /api/v1/sites
//   GET  /api/v1/sites/{id}/live/stream   (event: snapshot)
//   POST /api/v1/sites/{id}/roll-calls
//   POST /api/v1/roll-calls/{id}/marks {entry_id, marked_at}
//   POST /api/v1/roll-calls/{id}/end

import { initI18n, onLangChange, getLang, getLocale, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';
import { strings } from '/staff/strings.js';
import { showHistory } from '/staff/history.js';

initI18n(strings);

const $ = (id) => document.getElementById(id);
const LIVE_ROLES = ['reception', 'caregiver', 'director'];
const MARKS_KEY = 'kado.staff.marks';
const ROLLCALL_KEY = 'kado.staff.rollcall';
const OWNER_KEY = 'kado.staff.owner';
const STATES = ['free', 'reserved', 'occupied', 'released', 'out_of_service'];

const state = {
  me: null,
  sites: [],
  siteId: null,
  snap: null,
  source: null,
  connected: false,
  rollCall: loadJson(ROLLCALL_KEY),
  pending: [],
  flushing: false,
  loggedOut: false,
};

/**
 * The marks kept on this device, {person_id, marks}: only the person who made them sends
 * them (after logging in again if the session ended), never the next person on the device.
 */
function loadMarks(personId) {
  const kept = loadJson(MARKS_KEY);
  if (kept && kept.person_id === personId && Array.isArray(kept.marks)) return kept.marks;
  if (kept) saveJson(MARKS_KEY, null);
  return [];
}

function saveMarks() {
  saveJson(MARKS_KEY, state.pending.length && state.me ? { person_id: state.me.id, marks: state.pending } : null);
}

/** Logging out leaves nothing of the roll call on the device. */
function forgetStaffData() {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith('kado.staff.')) localStorage.removeItem(key);
  } catch {
    // Storage disabled: nothing was kept.
  }
}

function loadJson(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

function saveJson(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage disabled: the page still works while it stays open.
  }
}

function timeText(iso) {
  if (!iso) return t('common.none');
  const tz = state.snap && state.snap.time_zone;
  try {
    return new Intl.DateTimeFormat(getLocale(), { hour: '2-digit', minute: '2-digit', timeZone: tz || undefined })
      .format(new Date(iso));
  } catch {
    return iso;
  }
}

function message(el, text, kind) {
  el.className = 'message' + (kind ? ' ' + kind : '');
  el.textContent = text || '';
}

// ---- connection

function connect() {
  if (state.source) state.source.close();
  const es = new EventSource(`/api/v1/sites/${state.siteId}/live/stream`);
  state.source = es;
  es.addEventListener('snapshot', (ev) => {
    try {
      state.snap = JSON.parse(ev.data);
    } catch {
      return;
    }
    state.connected = true;
    adoptRollCall(state.snap.roll_call);
    render();
    flushMarks();
  });
  es.onerror = () => {
    state.connected = false;
    renderConnection();
    // EventSource retries by itself; a closed one (HTTP error) is opened again later, and the
    // service's reason (too many screens open, the service full) is shown meanwhile.
    if (es.readyState === EventSource.CLOSED) {
      explainRefusal();
      setTimeout(() => { if (state.source === es) connect(); }, 5000);
    }
  };
}

/** Asks the stream once as JSON: a refusal comes back as a problem whose text is shown. */
async function explainRefusal() {
  try {
    const res = await fetch(`/api/v1/sites/${state.siteId}/live/stream`, {
      headers: { Accept: 'application/json', 'Accept-Language': getLang() }, credentials: 'same-origin',
    });
    if (res.status === 429 || res.status === 503) {
      const problem = await res.json();
      $('connection').textContent = problem.detail || t('staff.offline');
    } else if (res.body) {
      res.body.cancel().catch(() => {});
    }
  } catch {
    // offline: the badge already says so
  }
}

function renderConnection() {
  const el = $('connection');
  el.textContent = state.connected ? t('staff.live') : t('staff.offline');
  el.className = 'badge ' + (state.connected ? 'ok' : 'warn');
  $('updated').textContent = state.snap ? t('staff.updated', { time: timeText(state.snap.at) }) : '';
}

// ---- roll call (kept on the page and in localStorage)

function adoptRollCall(rc) {
  if (rc && rc.site_id === state.siteId) {
    state.rollCall = rc;
    saveJson(ROLLCALL_KEY, rc);
  } else if (state.rollCall && state.rollCall.site_id === state.siteId && state.connected) {
    // Ended elsewhere.
    state.rollCall = null;
    saveJson(ROLLCALL_KEY, null);
  }
}

async function startRollCall(button) {
  button.disabled = true;
  message($('rollcall-status'), '', null);
  try {
    const rc = await api('POST', `/api/v1/sites/${state.siteId}/roll-calls`);
    state.rollCall = rc;
    saveJson(ROLLCALL_KEY, rc);
    renderRollCall();
    $('rollcall-heading').focus();
  } catch (e) {
    message($('rollcall-status'), errorText(e), 'error');
    button.disabled = false;
  }
}

function markSafe(entry) {
  const rc = state.rollCall;
  if (!rc) return;
  state.pending.push({ roll_call_id: rc.id, entry_id: entry.id, marked_at: new Date().toISOString() });
  saveMarks();
  renderRollCall();
  message($('rollcall-status'), t('staff.marked', { name: entry.name }), 'ok');
  flushMarks();
}

async function flushMarks() {
  if (state.flushing || state.pending.length === 0 || !state.me) return;
  state.flushing = true;
  try {
    if (state.loggedOut) {
      // Sent only as the person who marked: another login on this device does not send them.
      let now = null;
      try {
        now = await api('GET', '/api/v1/auth/me');
      } catch {
        return; // still logged out, or offline: kept for later
      }
      if (now.id !== state.me.id) {
        state.pending = [];
        forgetStaffData();
        location.reload();
        return;
      }
      state.loggedOut = false;
    }
    while (state.pending.length) {
      const m = state.pending[0];
      try {
        const rc = await api('POST', `/api/v1/roll-calls/${m.roll_call_id}/marks`,
          { entry_id: m.entry_id, marked_at: m.marked_at });
        // Once ended the answer carries the counts, not the list: the roll call is over here.
        if (state.rollCall && rc.id === state.rollCall.id) {
          state.rollCall = rc.ended_at ? null : rc;
          saveJson(ROLLCALL_KEY, state.rollCall);
        }
        state.loggedOut = false;
      } catch (e) {
        // Offline: keep it for later. The session ended: keep it until this person logs in
        // again. Refused (ended, not on the list): drop it.
        if (e instanceof ApiError && e.status === 0) break;
        if (e instanceof ApiError && e.status >= 500) break;
        if (e instanceof ApiError && e.status === 401) {
          state.loggedOut = true;
          message($('rollcall-status'), t('staff.loginToSend', { count: state.pending.length }), 'error');
          $('login-link').hidden = false;
          break;
        }
        message($('rollcall-status'), errorText(e), 'error');
      }
      state.pending.shift();
      saveMarks();
    }
  } finally {
    state.flushing = false;
    renderRollCall();
  }
}

async function endRollCall(button) {
  const rc = state.rollCall;
  if (!rc || !window.confirm(t('staff.confirmEnd'))) return;
  button.disabled = true;
  try {
    await flushMarks();
    const report = await api('POST', `/api/v1/roll-calls/${rc.id}/end`);
    state.rollCall = null;
    saveJson(ROLLCALL_KEY, null);
    message($('rollcall-status'), t('staff.ended', { marked: report.marked, inside: report.inside }), 'ok');
    renderRollCall();
  } catch (e) {
    message($('rollcall-status'), errorText(e), 'error');
    button.disabled = false;
  }
}

function isMarked(rc, entry) {
  return Boolean(entry.marked_at) || state.pending.some((m) => m.roll_call_id === rc.id && m.entry_id === entry.id);
}

function entryLine(rc, e) {
  const marked = isMarked(rc, e);
  const waiting = !e.marked_at && marked;
  const details = [t('staff.kind.' + e.kind), e.place,
    e.guardian ? t('staff.guardian', { name: e.guardian }) : '',
    e.caregiver ? t('staff.caregiver', { name: e.caregiver }) : ''].filter(Boolean).join(' / ');
  const status = e.marked_at
    ? t('staff.safeBy', { name: e.marked_by || '', time: timeText(e.marked_at) })
    : waiting ? t('staff.safePending') : '';
  return h('li', { class: marked ? 'safe' : null },
    h('span', { class: 'who' }, e.name, h('small', null, details), status ? h('small', null, status) : null),
    marked ? h('span', { class: 'badge ok' }, t('staff.safe'))
      : h('button', { type: 'button', class: 'btn', 'aria-label': t('staff.markLabel', { name: e.name }),
        onclick: () => markSafe(e) }, t('staff.mark')));
}

function renderRollCall() {
  const box = $('rollcall');
  const rc = state.rollCall && state.rollCall.site_id === state.siteId ? state.rollCall : null;
  if (!rc) {
    setChildren(box, h('button', { type: 'button', class: 'btn danger', id: 'start-rollcall',
      onclick: (ev) => startRollCall(ev.currentTarget) }, t('staff.startRollCall')));
    return;
  }
  const inside = rc.entries.filter((e) => !e.expected);
  const expected = rc.entries.filter((e) => e.expected);
  const marked = inside.filter((e) => isMarked(rc, e)).length;
  setChildren(box,
    h('p', null, t('staff.rollCallSince', { time: timeText(rc.started_at), name: rc.started_by })),
    h('p', { class: 'big' }, t('staff.progress', { marked, total: inside.length })),
    state.pending.length ? h('p', { class: 'message warn' }, t('staff.pending', { count: state.pending.length })) : null,
    h('h3', null, t('staff.inside')),
    h('ul', { class: 'rollcall-list', id: 'rollcall-inside' }, inside.map((e) => entryLine(rc, e))),
    expected.length ? h('h3', null, t('staff.notArrived')) : null,
    expected.length ? h('ul', { class: 'rollcall-list' }, expected.map((e) => entryLine(rc, e))) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', onclick: (ev) => endRollCall(ev.currentTarget) }, t('staff.endRollCall'))));
}

// ---- the live view

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

function seatText(space, seat) {
  const label = space.seats.length > 1 ? `${space.name} #${seat.seat}` : space.name;
  const who = seat.person ? ` — ${seat.person}` : '';
  return `${label}: ${t('staff.state.' + seat.state)}${who}`;
}

function spaceSummary(space) {
  if (space.seats.length === 0) {
    if (space.kind === 'childcare_room' && state.snap) return `${space.name}: ${t('staff.childrenCount', { count: state.snap.children.length })}`;
    return `${space.name}: ${t('staff.state.' + space.state)}`;
  }
  return space.seats.map((s) => seatText(space, s)).join('\n');
}

function renderMap() {
  const snap = state.snap;
  const root = svg('svg', { viewBox: '0 0 1000 1000', role: 'group', 'aria-labelledby': 'map-title' },
    svg('title', { id: 'map-title' }, document.createTextNode(t('staff.mapTitle'))));
  for (const space of snap.spaces) {
    const n = Math.max(space.seats.length, 1);
    const g = svg('g', { class: 'space', tabindex: '0', role: 'button', 'aria-label': spaceSummary(space),
      onclick: () => { $('map-detail').textContent = spaceSummary(space); },
      onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); $('map-detail').textContent = spaceSummary(space); } } },
      svg('title', null, document.createTextNode(spaceSummary(space))));
    const w = space.width / n;
    if (space.seats.length === 0) {
      g.append(svg('rect', { x: space.x, y: space.y, width: space.width, height: space.height, class: 'seat-' + space.state }));
    }
    space.seats.forEach((seat, i) => {
      g.append(svg('rect', { x: space.x + i * w, y: space.y, width: w, height: space.height, class: 'seat-' + seat.state }));
    });
    g.append(svg('rect', { x: space.x, y: space.y, width: space.width, height: space.height, class: 'outline' }));
    g.append(svg('text', { x: space.x + 4, y: space.y + Math.min(space.height - 4, 22) }, document.createTextNode(space.name)));
    root.append(g);
  }
  setChildren($('map'), root);
  const rows = [];
  for (const space of snap.spaces) {
    if (space.seats.length === 0) rows.push({ name: space.name, state: space.state, person: null, until: null });
    for (const seat of space.seats) {
      rows.push({ name: space.seats.length > 1 ? `${space.name} #${seat.seat}` : space.name, ...seat });
    }
  }
  setChildren($('seats'), dataTable(t('staff.seatList'), [
    { label: t('staff.col.space'), cell: (r) => r.name },
    { label: t('staff.col.state'), cell: (r) => t('staff.state.' + r.state) },
    { label: t('staff.col.person'), cell: (r) => r.person || t('common.none') },
    { label: t('staff.col.until'), cell: (r) => (r.until ? timeText(r.until) : t('common.none')) },
  ], rows));
}

function render() {
  renderConnection();
  renderRollCall();
  const snap = state.snap;
  if (!snap) return;
  const alerts = snap.alerts || [];
  $('alerts-section').hidden = alerts.length === 0;
  setChildren($('alerts'), alerts.map((a) => h('li', null, t('staff.alert.' + a.kind, { name: a.name }))));
  renderMap();
  setChildren($('people'), dataTable(t('staff.people'), [
    { label: t('staff.col.name'), cell: (p) => p.name },
    { label: t('staff.col.kind'), cell: (p) => t('staff.kind.' + p.kind) },
    { label: t('staff.col.since'), cell: (p) => timeText(p.since) },
    { label: t('staff.col.space'), cell: (p) => p.space || t('common.none') },
  ], snap.people, { emptyText: t('staff.nobody') }));
  setChildren($('duty'), dataTable(t('staff.onDuty'), [
    { label: t('staff.col.name'), cell: (d) => d.name },
    { label: t('staff.col.until'), cell: (d) => timeText(d.until) },
  ], snap.staff_on_duty, { emptyText: t('staff.nobody') }));
  const cc = snap.childcare;
  setChildren($('ratio'), cc
    ? h('div', null,
      h('p', null, t('staff.ratio', { onDuty: cc.caregivers_on_duty, required: cc.caregivers_required })),
      h('ul', null, cc.bands.map((b, i) => h('li', { class: 'ratio-' + b },
        t('staff.band.' + i, { count: cc.children[i] }) + ': ' + t('staff.ratio.' + b)))))
    : h('p', { class: 'muted' }, t('staff.noChildcare')));
  const caregiverView = snap.children.some((c) => c.allergies !== undefined);
  const columns = [
    { label: t('staff.col.name'), cell: (c) => c.name },
    { label: t('staff.col.age'), cell: (c) => t('staff.age', { age: c.age }) },
    { label: t('staff.col.room'), cell: (c) => c.room },
    { label: t('staff.col.since'), cell: (c) => timeText(c.since) },
  ];
  if (caregiverView) {
    columns.push({ label: t('staff.col.allergies'), cell: (c) => c.allergies || t('common.none') });
    columns.push({ label: t('staff.col.guardian'), cell: (c) => c.guardian || t('common.none') });
  }
  setChildren($('children'), dataTable(t('staff.children'), columns, snap.children, { emptyText: t('staff.noChildren') }));
  setChildren($('expected'), dataTable(t('staff.expected'), [
    { label: t('staff.col.time'), cell: (e) => timeText(e.at) },
    { label: t('staff.col.name'), cell: (e) => e.name },
    { label: t('staff.col.space'), cell: (e) => e.space },
  ], snap.expected, { emptyText: t('staff.noExpected') }));
}

function renderLegend() {
  setChildren($('legend'), STATES.map((s) => h('li', null,
    h('span', { class: 'swatch seat-' + s, 'aria-hidden': 'true' }), t('staff.state.' + s))));
}

// ---- start

function liveSites() {
  const me = state.me;
  const open = state.sites.filter((s) => s.active);
  if (me.is_admin) return open;
  const ids = new Set((me.roles || []).filter((g) => LIVE_ROLES.includes(g.role)).map((g) => g.site_id));
  return open.filter((s) => ids.has(s.id));
}

function siteName(s) {
  return getLang() === 'ja' ? s.name_ja : s.name_en;
}

/** The header names the site on screen, not one site for everybody. */
function setBrand() {
  const s = state.sites.find((x) => x.id === state.siteId);
  const brand = document.getElementById('brand');
  if (!s || !brand) return;
  brand.removeAttribute('data-i18n');
  brand.textContent = `KADO ${siteName(s)}`;
}

function chooseSite(id) {
  state.siteId = id;
  setBrand();
  state.snap = null;
  try {
    history.replaceState(null, '', `#site=${id}`);
  } catch {
    // ignore
  }
  renderRollCall();
  connect();
  const directs = state.me.is_admin || (state.me.roles || []).some((g) => g.role === 'director' && g.site_id === id);
  $('history-section').hidden = !directs;
  if (directs) showHistory($('history-section'), id);
}

async function init() {
  renderLegend();
  try {
    state.me = await api('GET', '/api/v1/auth/me');
  } catch (e) {
    $('loading').hidden = true;
    if (e instanceof ApiError && e.status === 401) {
      message($('auth-message'), t('staff.loginRequired'), 'error');
      $('login-link').hidden = false;
    } else {
      message($('auth-message'), errorText(e), 'error');
    }
    return;
  }
  // What the device keeps belongs to the person who kept it: someone else logging in on it
  // sees none of their roll call.
  if (loadJson(OWNER_KEY) !== state.me.id) {
    forgetStaffData();
    state.rollCall = null;
    saveJson(OWNER_KEY, state.me.id);
  }
  state.pending = loadMarks(state.me.id);
  state.sites = await api('GET', '/api/v1/sites');
  const sites = liveSites();
  $('loading').hidden = true;
  if (sites.length === 0) {
    message($('auth-message'), t('staff.notStaff'), 'error');
    return;
  }
  const select = $('site-select');
  setChildren(select, sites.map((s) => h('option', { value: s.id }, siteName(s))));
  const fromHash = Number((location.hash.match(/site=(\d+)/) || [])[1]);
  const first = sites.some((s) => s.id === fromHash) ? fromHash : sites[0].id;
  select.value = String(first);
  select.addEventListener('change', () => chooseSite(Number(select.value)));
  $('staff-content').hidden = false;
  chooseSite(first);
}

$('logout-button').addEventListener('click', async () => {
  if (state.pending.length && !window.confirm(t('staff.logoutUnsent', { count: state.pending.length }))) return;
  forgetStaffData();
  state.pending = [];
  try {
    await api('POST', '/api/v1/auth/logout');
  } catch {
    // Logged out already, or offline: the device keeps nothing either way.
  }
  location.href = '/';
});

window.addEventListener('online', () => flushMarks());
setInterval(() => flushMarks(), 10000);
onLangChange(() => {
  renderLegend();
  setBrand();
  if (state.me) {
    for (const opt of $('site-select').options) {
      const s = state.sites.find((x) => String(x.id) === opt.value);
      if (s) opt.textContent = siteName(s);
    }
  }
  render();
});

init();
