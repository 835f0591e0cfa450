// The childcare room's tablet (a caregiver of the site, logged in as themself).
//
//   GET  /api/v1/auth/me, GET /api/v1/sites
//   GET  /api/v1/sites/{id}/childcare/tablet?date=      today's children, ratio, alerts
//   POST /api/v1/sites/{id}/childcare/drop-off-by-qr    {payload}: the parent's QR
//   POST /api/v1/childcare/bookings/{id}/drop-off       one tap
//   POST /api/v1/childcare/bookings/{id}/pick-up        {guardian_id} | {qr} | {authorised_person_id, code}
//   POST /api/v1/childcare/bookings/{id}/naps | nap-checks {breathing, position} | nap-end
//   POST /api/v1/childcare/bookings/{id}/notes          {kind, body}
//
// The page reloads the day after every action, on each message of the site's live stream
// (GET /api/v1/sites/{id}/live/stream: each change at the site, and every 30 s), and when the
// next nap check falls due (so that a late check turns red on time); it polls every 20 s only
// while the stream is down. Site: ?site=ID, else the first site where the person is a caregiver.

import { getLang, initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h } from '/shared/dom.js';
import { localDate } from '/shared/time.js';
import { strings } from '/childcare/strings.js';

initI18n(strings);

const $ = (id) => document.getElementById(id);
// Polled only while the live stream is down; otherwise the stream says when to reload.
const REFRESH_MS = 20_000;

const state = { site: null, tz: 'Asia/Tokyo', day: null, open: new Set(), messages: new Map() };

/** Today's date at the site, YYYY-MM-DD. */
function today() {
  const now = new Date(Date.now() + (state.offset || 0));
  return localDate(state.tz, now);
}

function age(months) {
  return months < 24 ? t('cc.ageMonths', { n: months }) : t('cc.ageYears', { n: Math.floor(months / 12) });
}

function message(el, text, kind) {
  el.textContent = text || '';
  el.className = `message${kind ? ` ${kind}` : ''}`;
}

async function act(placeId, fn, okText, onDone) {
  try {
    await fn();
    state.messages.set(placeId, { text: okText, kind: 'ok' });
    if (onDone) onDone();
  } catch (err) {
    state.messages.set(placeId, { text: errorText(err), kind: 'error' });
  }
  await load();
}

const post = (place, what, body) => api('POST', `/api/v1/childcare/bookings/${place}/${what}`, body);

function alertText(a) {
  const vars = { name: a.child_name || '', at: a.at };
  return t(`cc.alert.${a.kind}`, vars);
}

function renderAlerts(day) {
  $('alerts').replaceChildren(...day.alerts.map((a) => h('li', { 'data-kind': a.kind }, alertText(a))));
}

function renderRatio(day) {
  const n = day.ratio_now;
  const box = $('ratio-now').closest('.ratio');
  if (n) {
    const here = n.present.reduce((a, b) => a + b, 0);
    const expected = n.expected.reduce((a, b) => a + b, 0);
    $('ratio-now').textContent = t('cc.ratioNow', {
      here, expected, duty: n.caregivers_on_duty, need: n.required_present, needAll: n.required_expected,
    });
    box.classList.toggle('short', n.required_present > n.caregivers_on_duty);
  } else {
    $('ratio-now').textContent = t('cc.closedNow');
    box.classList.remove('short');
  }
  const short = day.ratio_rest.filter((s) => s.required_expected > s.caregivers_on_duty);
  $('ratio-rest').textContent = short.length
    ? t('cc.ratioShort', { at: short.map((s) => s.start).join(', ') })
    : t('cc.ratioFine');
}

function napPanel(c) {
  const place = c.place.id;
  const running = c.naps.find((n) => !n.ended_at);
  if (c.status !== 'here') return null;
  if (!running) {
    return h('div', { class: 'panel' },
      h('button', { type: 'button', class: 'btn secondary', onclick: () => act(place, () => post(place, 'naps'), t('cc.napStarted', { name: c.child.name })) },
        t('cc.startNap')));
  }
  const check = (position) => act(place, () => post(place, 'nap-checks', { breathing: true, position }),
    t('cc.checked', { name: c.child.name }));
  const last = running.checks[running.checks.length - 1];
  return h('div', { class: 'panel', role: 'group', 'aria-label': t('cc.napGroup', { name: c.child.name }) },
    h('h4', {}, t('cc.napSince', { at: running.started_at })),
    h('p', { class: running.late ? 'late-text' : '' },
      running.late ? t('cc.checkLate', { at: running.check_due_at }) : t('cc.checkDue', { at: running.check_due_at })),
    last ? h('p', { class: running.front ? 'late-text' : 'muted' },
      t('cc.lastCheck', { at: last.at, position: t(`cc.pos.${last.position}`) })) : null,
    h('div', { class: 'actions' },
      ...['back', 'side', 'front'].map((p) => h('button', { type: 'button', class: 'btn', 'data-position': p, onclick: () => check(p) },
        t('cc.checkAs', { position: t(`cc.pos.${p}`) }))),
      h('button', { type: 'button', class: 'btn secondary', onclick: () => act(place, () => post(place, 'nap-end'), t('cc.napEnded', { name: c.child.name })) },
        t('cc.endNap'))));
}

function pickupPanel(c) {
  const place = c.place.id;
  if (c.status !== 'here') return null;
  const done = t('cc.collected', { name: c.child.name });
  const codeId = `code-${place}`;
  const whoId = `who-${place}`;
  const qrId = `pqr-${place}`;
  const active = c.authorised.filter((a) => a.active);
  return h('div', { class: 'panel' },
    h('h4', {}, t('cc.pickUp')),
    h('div', { class: 'actions' },
      ...c.guardians.map((g) => h('button', { type: 'button', class: 'btn secondary',
        onclick: () => act(place, () => post(place, 'pick-up', { guardian_id: g.id }), done) },
      t('cc.handTo', { name: g.name })))),
    h('form', { class: 'inline-form', novalidate: true, onsubmit: (ev) => {
      ev.preventDefault();
      const qr = ev.target.querySelector('input').value.trim();
      act(place, () => post(place, 'pick-up', { qr }), done);
    } },
    h('div', { class: 'field' }, h('label', { for: qrId }, t('cc.guardianQr')), h('input', { id: qrId, type: 'text', autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'btn secondary' }, t('cc.handOverQr'))),
    active.length ? h('form', { class: 'inline-form', novalidate: true, onsubmit: (ev) => {
      ev.preventDefault();
      const who = Number(ev.target.querySelector('select').value);
      const code = ev.target.querySelector('input').value.trim();
      act(place, () => post(place, 'pick-up', { authorised_person_id: who, code }), done);
    } },
    h('div', { class: 'field' }, h('label', { for: whoId }, t('cc.authorisedAdult')),
      h('select', { id: whoId }, ...active.map((a) => h('option', { value: String(a.id) }, `${a.name}${a.relation ? ` (${a.relation})` : ''}`)))),
    h('div', { class: 'field' }, h('label', { for: codeId }, t('cc.code')),
      h('input', { id: codeId, type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: '6' })),
    h('button', { type: 'submit', class: 'btn secondary' }, t('cc.handOverCode'))) : null);
}

function notePanel(c) {
  const place = c.place.id;
  if (c.status !== 'here' && c.status !== 'collected') return null;
  const kindId = `kind-${place}`;
  const bodyId = `body-${place}`;
  return h('div', { class: 'panel' },
    h('h4', {}, t('cc.notes')),
    c.notes.length ? h('ul', { class: 'notes-list' }, ...c.notes.map((n) => h('li', {}, `${n.at} ${t(`cc.kind.${n.kind}`)}: ${n.body}`))) : null,
    h('form', { class: 'inline-form', novalidate: true, onsubmit: (ev) => {
      ev.preventDefault();
      const kind = ev.target.querySelector('select').value;
      const input = ev.target.querySelector('input');
      const body = input.value;
      act(place, () => api('POST', `/api/v1/childcare/bookings/${place}/notes`, { kind, body }), t('cc.noteSaved'),
        () => { input.value = ''; });
    } },
    h('div', { class: 'field' }, h('label', { for: kindId }, t('cc.kind')),
      h('select', { id: kindId }, ...['meal', 'toilet', 'mood', 'note'].map((k) => h('option', { value: k }, t(`cc.kind.${k}`))))),
    h('div', { class: 'field' }, h('label', { for: bodyId }, t('cc.noteText')),
      h('input', { id: bodyId, type: 'text', maxlength: '2000', autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'btn secondary' }, t('cc.addNote'))));
}

function childCard(c) {
  const place = c.place.id;
  const running = c.naps.find((n) => !n.ended_at);
  const late = running && running.late;
  const alarm = c.alerts.length > 0;
  const headingId = `child-${place}`;
  const cls = ['child', c.status, late ? 'late' : '', alarm ? 'alarm' : ''].filter(Boolean).join(' ');
  const msg = state.messages.get(place);
  const refused = c.attempts.filter((a) => !a.allowed);
  const ho = c.handover;
  return h('li', { class: cls, 'data-place': String(place), 'data-status': c.status },
    h('div', { class: 'child-head' },
      h('span', { class: 'photo', 'aria-hidden': 'true' }, c.child.name.slice(0, 1)),
      h('div', {},
        h('h3', { id: headingId }, c.child.name),
        h('span', { class: 'muted' }, `${age(c.age_months)} · `),
        h('span', { class: `badge ${c.status === 'here' ? 'ok' : 'neutral'}` }, t(`cc.status.${c.status}`)))),
    late ? h('p', { class: 'late-text' }, t('cc.lateBanner', { name: c.child.name })) : null,
    h('dl', {},
      h('dt', {}, t('cc.times')), h('dd', {}, `${c.place.start}–${c.place.end}`),
      ho.arrived_at_kiosk && c.status === 'expected' ? [h('dt', {}, t('cc.atKiosk')), h('dd', {}, ho.arrived_at_kiosk)] : null,
      ho.dropped_off_at ? [h('dt', {}, t('cc.droppedOff')), h('dd', {}, `${ho.dropped_off_at} (${ho.received_by || ''})`)] : null,
      ho.picked_up_at ? [h('dt', {}, t('cc.pickedUp')), h('dd', {}, `${ho.picked_up_at} → ${ho.collected_by || ''}`)] : null,
      h('dt', {}, t('cc.allergies')), h('dd', { class: c.child.allergies ? 'medical' : '' }, c.child.allergies || t('cc.noneRecorded')),
      h('dt', {}, t('cc.medical')), h('dd', { class: c.child.medical_notes ? 'medical' : '' }, c.child.medical_notes || t('cc.noneRecorded')),
      h('dt', {}, t('cc.guardians')), h('dd', {}, c.guardians.map((g) => g.name).join('、') || t('cc.noneRecorded')),
      h('dt', {}, t('cc.authorised')), h('dd', {}, c.authorised.filter((a) => a.active).map((a) => a.name).join('、') || t('cc.noneRecorded'))),
    refused.length ? h('div', { class: 'refusals-box' },
      h('p', { class: 'late-text' }, t('cc.refusedHeading')),
      h('ul', { class: 'refusals' }, ...refused.map((a) => h('li', {}, `${a.at} ${a.presented}`)))) : null,
    c.status === 'expected' ? h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', onclick: () => act(place, () => post(place, 'drop-off'), t('cc.received', { name: c.child.name })) },
        t('cc.receive', { name: c.child.name }))) : null,
    napPanel(c),
    pickupPanel(c),
    notePanel(c),
    h('div', { class: `message${msg ? ` ${msg.kind}` : ''}`, role: 'status', 'aria-live': 'polite' }, msg ? msg.text : ''));
}

let dueTimer = null;

/** A reload just after the earliest nap check due (HH:MM at the site) of the running naps. */
function reloadWhenDue(day) {
  clearTimeout(dueTimer);
  const [h, m] = (day.now || '').split(':').map(Number);
  if (!Number.isFinite(h) || !Number.isFinite(m)) return;
  const nowMin = h * 60 + m;
  const waits = day.children
    .flatMap((c) => c.naps.filter((n) => !n.ended_at && n.check_due_at && !n.late))
    .map((n) => n.check_due_at.split(':').map(Number))
    .map(([dh, dm]) => dh * 60 + dm - nowMin)
    .filter((d) => d >= 0 && d < 24 * 60);
  if (waits.length === 0) return;
  const seconds = new Date(Date.now() + (state.offset || 0)).getSeconds();
  const next = Math.min(...waits);
  // Due within this minute (the time shown is cut to the minute): look again in 15 s.
  const ms = next > 0 ? Math.max(1000, (next * 60 - seconds + 1) * 1000) : 15_000;
  dueTimer = setTimeout(load, ms);
}

function render() {
  const day = state.day;
  if (!day) return;
  $('clock').textContent = t('cc.now', { now: day.now });
  renderAlerts(day);
  renderRatio(day);
  // Keep focus where it was across a re-render (a tap, then the list is redrawn).
  const focused = document.activeElement;
  const key = focused && focused.closest('[data-place]') ? {
    place: focused.closest('[data-place]').dataset.place,
    id: focused.id,
    position: focused.dataset.position,
    text: focused.textContent,
  } : null;
  // What was typed or chosen survives the redraw (the list refreshes every 20 seconds).
  const typed = [...$('children').querySelectorAll('input[id], select[id]')].map((el) => [el.id, el.value]);
  $('children').replaceChildren(...day.children.map(childCard));
  for (const [id, value] of typed) {
    const el = document.getElementById(id);
    if (el) el.value = value;
  }
  $('none').hidden = day.children.length > 0;
  reloadWhenDue(day);
  if (key) {
    const card = document.querySelector(`[data-place="${key.place}"]`);
    const target = card && ((key.id && card.querySelector(`#${CSS.escape(key.id)}`))
      || [...card.querySelectorAll('button')].find((b) => b.textContent === key.text)
      || card.querySelector('button'));
    if (target) target.focus();
  }
}

async function load() {
  try {
    state.day = await api('GET', `/api/v1/sites/${state.site}/childcare/tablet?date=${today()}`);
    render();
  } catch (err) {
    message($('page-message'), errorText(err), 'error');
  }
}

// ---------- live: the site's event stream (the staff live view's) says when to reload ----------

const live = { source: null, poll: null, pending: null };

/** A reload soon after a burst of snapshots (a scan and its drop-off arrive together). */
function reloadSoon() {
  if (live.pending) return;
  live.pending = setTimeout(() => {
    live.pending = null;
    load();
  }, 150);
}

function polling(on) {
  if (on && !live.poll) live.poll = setInterval(load, REFRESH_MS);
  if (!on && live.poll) {
    clearInterval(live.poll);
    live.poll = null;
  }
}

/**
 * Follows GET /api/v1/sites/{id}/live/stream: a snapshot comes after each change at the site
 * (a kiosk scan, a hand-over, a booking) and every 30 s, each a cue to reload the day. While
 * the stream is down the page polls, and the browser reconnects by itself.
 */
function follow() {
  if (typeof EventSource !== 'function') {
    polling(true);
    return;
  }
  if (live.source) live.source.close();
  const es = new EventSource(`/api/v1/sites/${state.site}/live/stream`);
  live.source = es;
  es.addEventListener('snapshot', () => {
    polling(false);
    reloadSoon();
  });
  es.onerror = () => {
    polling(true);
    // A refused stream (closed, e.g. too many screens) is tried again later.
    if (es.readyState === EventSource.CLOSED) setTimeout(() => { if (live.source === es) follow(); }, 30_000);
  };
}

async function boot() {
  let me;
  try {
    me = await api('GET', '/api/v1/auth/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      location.replace(`/?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    message($('page-message'), errorText(err), 'error');
    return;
  }
  const caring = (me.roles || []).filter((g) => g.role === 'caregiver').map((g) => g.site_id);
  const asked = Number(new URLSearchParams(location.search).get('site'));
  state.site = caring.includes(asked) ? asked : caring[0];
  $('loading').hidden = true;
  if (!state.site) {
    message($('page-message'), t('cc.notCaregiver'), 'error');
    return;
  }
  try {
    const [sites, time] = await Promise.all([api('GET', '/api/v1/sites'), api('GET', '/api/v1/time')]);
    const site = sites.find((s) => s.id === state.site);
    if (site && site.time_zone) state.tz = site.time_zone;
    state.offset = new Date(time.now).getTime() - Date.now();
    state.siteName = site ? site : null;
    setBrand();
  } catch {
    // The site's zone and the server's clock are refinements: go on with the defaults.
  }
  $('record-link').setAttribute('href', `/childcare/record.html?site=${state.site}&date=${today()}`);
  $('tablet').hidden = false;
  await load();
  $('qr-input').focus();
  follow();
}

$('qr-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = $('qr-input');
  const payload = input.value.trim();
  if (!payload) return;
  input.value = '';
  try {
    const got = await api('POST', `/api/v1/sites/${state.site}/childcare/drop-off-by-qr`, { payload });
    const names = got.map((p) => p.child_name).join('、');
    message($('qr-message'), t('cc.received', { name: names }), 'ok');
  } catch (err) {
    message($('qr-message'), errorText(err), 'error');
  }
  await load();
  input.focus();
});

/** The header names the room's site, not one site for everybody. */
function setBrand() {
  const s = state.siteName;
  const brand = document.getElementById('brand');
  if (!s || !brand) return;
  brand.removeAttribute('data-i18n');
  brand.textContent = `KADO ${getLang() === 'ja' ? s.name_ja : s.name_en}`;
}

onLangChange(() => {
  setBrand();
  render();
});

boot();
