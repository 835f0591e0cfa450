// Helpers for the worker's pages: dates at the site, the service's clock, remembered
// preferences, and form fields whose errors sit next to them.

import { getLang, getLocale, t } from '/shared/i18n.js';
import { api } from '/shared/api.js';
import { h } from '/shared/dom.js';
import { localDate } from '/shared/time.js';

// ---------- local dates as "YYYY-MM-DD" strings ----------

const pad = (n) => String(n).padStart(2, '0');

function parseYmd(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
}

function toYmd(d) {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function isYmd(s) {
  return !!parseYmd(s);
}

export function addDays(ymd, n) {
  const d = parseYmd(ymd);
  d.setUTCDate(d.getUTCDate() + n);
  return toYmd(d);
}

export function daysBetween(a, b) {
  return Math.round((parseYmd(b) - parseYmd(a)) / 86400000);
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** "mon".."sun" of a local date. */
export function weekdayOf(ymd) {
  return WEEKDAYS[parseYmd(ymd).getUTCDay()];
}

/** "11月25日(水)" / "Wed 25 Nov". */
export function formatDate(ymd, { year = false } = {}) {
  const d = parseYmd(ymd);
  if (!d) return ymd || '';
  const opts = { timeZone: 'UTC', month: getLang() === 'ja' ? 'long' : 'short', day: 'numeric', weekday: 'short' };
  if (year) opts.year = 'numeric';
  return new Intl.DateTimeFormat(getLocale(), opts).format(d);
}

/** "11/25" and the weekday, for the compact date buttons. */
export function shortDate(ymd) {
  const d = parseYmd(ymd);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}`;
}

export function weekdayShort(ymd) {
  return new Intl.DateTimeFormat(getLocale(), { timeZone: 'UTC', weekday: 'short' }).format(parseYmd(ymd));
}

/** "09:00" -> "9:00". */
export function formatTime(hhmm) {
  return (hhmm || '').replace(/^0(\d)/, '$1');
}

export function timeRange(a, b) {
  return `${formatTime(a)}–${formatTime(b)}`;
}

export function minutes(hhmm) {
  const [hh, mm] = (hhmm || '0:0').split(':').map(Number);
  return hh * 60 + mm;
}

export function hhmm(mins) {
  return `${pad(Math.floor(mins / 60))}:${pad(mins % 60)}`;
}

/** Quarter hours from `from` to `to` inclusive, "HH:MM". */
export function quarterHours(from, to) {
  const out = [];
  for (let m = minutes(from); m <= minutes(to); m += 15) out.push(hhmm(m));
  return out;
}

// ---------- the service's clock ----------
// The service may run on a clock of its own (KADO_CLOCK_START in demos and tests), and a
// phone's clock may be wrong: "today" comes from the service (GET /api/v1/time), taken as
// the middle of the request's round trip.

let clockOffsetMs = 0;

export async function syncClock() {
  try {
    const sent = Date.now();
    const { now } = await api('GET', '/api/v1/time');
    const back = Date.now();
    const server = Date.parse(now);
    clockOffsetMs = Number.isFinite(server) ? server - (sent + back) / 2 : 0;
  } catch {
    clockOffsetMs = 0; // the phone's own clock, then
  }
}

export function serverNow() {
  return new Date(Date.now() + clockOffsetMs);
}

/** Today at a site, "YYYY-MM-DD", in its time zone. */
export function todayAt(timeZone) {
  return localDate(timeZone, serverNow());
}

// ---------- remembered preferences (per person, on this device) ----------

const prefsKey = (personId) => `kado.app.prefs.${personId}`;

export function loadPrefs(personId) {
  try {
    const v = JSON.parse(window.localStorage.getItem(prefsKey(personId)) || 'null');
    return v && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

export function savePrefs(personId, prefs) {
  try {
    window.localStorage.setItem(prefsKey(personId), JSON.stringify(prefs));
  } catch {
    // storage disabled: nothing remembered, the booking itself is made
  }
}

// ---------- wording shared by several pages ----------

export const ATTRIBUTES = ['monitor', 'quiet_zone', 'wheelchair_accessible'];

export function attributeLabel(a) {
  const key = `attr.${a}`;
  const s = t(key);
  return s === key ? a : s;
}

/** Why a day is closed, in words (a DayView from the API). */
export function closedReason(day) {
  if (!day) return t('day.closed');
  switch (day.reason) {
    case 'holiday':
      return day.holiday_name ? t('reason.holidayNamed', { name: day.holiday_name }) : t('reason.holiday');
    case 'annual_closure':
      return day.note ? t('reason.annualNamed', { name: localNote(day.note) }) : t('reason.annual_closure');
    case 'exception_closed':
      return day.note ? t('reason.exceptionNamed', { name: localNote(day.note) }) : t('reason.exception_closed');
    case 'weekly':
      return t('reason.weekly');
    default:
      return t('day.closed');
  }
}

/** Notes are often written "日本語 / English": show the reader's half. */
export function localNote(note) {
  const parts = String(note || '').split(' / ');
  if (parts.length === 2) return getLang() === 'ja' ? parts[0] : parts[1];
  return note || '';
}

export function siteName(site) {
  if (!site) return '';
  return getLang() === 'ja' ? site.name_ja || site.name_en : site.name_en || site.name_ja;
}

export function placeStatus(p) {
  if (p.status === 'waitlisted') {
    return p.waitlist_position ? t('place.waitlistedAt', { n: p.waitlist_position }) : t('place.waitlisted');
  }
  return t(`place.${p.status}`);
}

export function ageOn(birth, ymd) {
  const b = parseYmd(birth);
  const d = parseYmd(ymd);
  if (!b || !d) return null;
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  if (d.getUTCMonth() < b.getUTCMonth() || (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate())) age -= 1;
  return age;
}

// ---------- form fields with their errors beside them ----------

let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

function describe(el, ids) {
  const list = ids.filter(Boolean).join(' ');
  if (list) el.setAttribute('aria-describedby', list);
}

/**
 * A labelled control: { id, label, control, error, hint }. The error is a sentence under the
 * control, tied to it with aria-describedby; the control is marked aria-invalid.
 */
export function field({ id, label, control, error, hint, className }) {
  control.id = id;
  const hintEl = hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  const errorEl = h('p', { id: `${id}-error`, class: 'field-error', hidden: !error }, error || '');
  describe(control, [hintEl && hintEl.id, error && errorEl.id]);
  if (error) control.setAttribute('aria-invalid', 'true');
  return h('div', { class: `field${className ? ' ' + className : ''}` },
    h('label', { for: id }, label), hintEl, control, errorEl);
}

/**
 * A fieldset of radios or checkboxes: { id, legend, content, error, hint, after }: the error
 * comes right under the content, then `after` (e.g. what to do about it). Each input in the
 * content gets the error in its description too (screen readers do not all read a group's).
 */
export function group({ id, legend, content, error, hint, className, after }) {
  const hintEl = hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  const errorEl = h('p', { id: `${id}-error`, class: 'field-error', hidden: !error }, error || '');
  const fs = h('fieldset', { id, class: `group${className ? ' ' + className : ''}${error ? ' invalid' : ''}` },
    h('legend', null, legend), hintEl, content, errorEl, after);
  describe(fs, [hintEl && hintEl.id, error && errorEl.id]);
  if (error) {
    for (const input of [content].flat().filter(Boolean).flatMap((c) => [...c.querySelectorAll('input')])) {
      const own = input.getAttribute('aria-describedby');
      describe(input, [own, errorEl.id]);
      if (input.type === 'checkbox') input.setAttribute('aria-invalid', 'true');
    }
  }
  return fs;
}

/** A big tappable checkbox or radio with its label. */
export function option({ type = 'checkbox', name, value, checked, disabled, label, sub, onchange, id }) {
  const input = h('input', { type, name, value, id: id || null, checked: !!checked, disabled: !!disabled, onchange });
  return h('label', { class: `option${disabled ? ' disabled' : ''}` }, input,
    h('span', { class: 'option-text' }, label, sub ? h('span', { class: 'option-sub' }, sub) : null));
}

export function select({ options, value, onchange, name }) {
  const el = h('select', { name, onchange },
    options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  if (value != null && ![...el.options].some((o) => o.value === value)) {
    el.append(h('option', { value, selected: true }, value));
  }
  return el;
}

/** Focus the first control marked invalid inside root (or root's first error group). */
export function focusFirstError(root) {
  const first = root.querySelector('[aria-invalid="true"], fieldset.invalid');
  if (!first) return false;
  // In a group: its chosen radio, else its first control.
  const el = first.matches('fieldset')
    ? first.querySelector('input:checked:not([disabled])') || first.querySelector('input:not([disabled]), select, textarea')
    : first;
  if (!el) return false;
  el.focus();
  return true;
}

/** The message box for what concerns no single field (role=alert when it is an error). */
export function messageBox(text, kind = 'error') {
  if (!text) return h('div', { class: 'message', role: 'status', 'aria-live': 'polite' });
  return h('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** A button that asks again before it does something that cannot be undone. */
export function confirmButton({ label, confirmLabel, question, onconfirm, className = 'btn secondary small', danger = true }) {
  const wrap = h('div', { class: 'confirm' });
  const ask = h('button', { type: 'button', class: className }, label);
  const render = (asking) => {
    wrap.replaceChildren();
    if (!asking) {
      wrap.append(ask);
      return;
    }
    const q = h('p', { class: 'confirm-question', tabindex: '-1' }, question);
    const yes = h('button', { type: 'button', class: danger ? 'btn danger small' : 'btn small' }, confirmLabel);
    const no = h('button', { type: 'button', class: 'btn secondary small' }, t('common.back'));
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      no.disabled = true;
      try {
        await onconfirm();
      } finally {
        if (wrap.isConnected) {
          yes.disabled = false;
          no.disabled = false;
        }
      }
    });
    no.addEventListener('click', () => {
      render(false);
      ask.focus();
    });
    wrap.append(h('div', { class: 'confirm-box', role: 'group', 'aria-label': question }, q,
      h('div', { class: 'actions' }, yes, no)));
    q.focus();
  };
  ask.addEventListener('click', () => render(true));
  render(false);
  return wrap;
}
