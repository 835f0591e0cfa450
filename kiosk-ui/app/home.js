// Home: book a desk and childcare in a few taps, with the usual site, times, desk wishes and
// children remembered on this device.
//
//   POST /api/v1/bookings {site_id, date, start, end, attributes}          (desk only)
//   POST /api/v1/childcare/bookings {site_id, date, start, end, child_ids,
//        desk: {attributes} | null, waitlist, keep_desk}                    (with children)
//   GET  /api/v1/sites/{id}/availability?date=&kind=desk&attributes=      (the glance)
//   GET  /api/v1/childcare/bookings                                        (waitlist position)
//   GET  /api/v1/bookings                                                  (next booking)

import { t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';
import {
  ATTRIBUTES, addDays, ageOn, attributeLabel, closedReason, daysBetween, field, isYmd, focusFirstError, formatDate,
  formatTime, group, hhmm, loadPrefs, messageBox, minutes, option, placeStatus, quarterHours, savePrefs,
  select, serverNow, shortDate, siteName, timeRange, weekdayShort,
} from '/app/util.js';

export const titleKey = 'home.title';

// Kept while the page is open: leaving the view and coming back keeps what was typed.
const state = {
  personId: null,
  draft: null,
  errors: {},
  formError: '',
  result: null,
  waitlistOffer: false,
  busy: false,
};

/** Where a refusal belongs on the form when the service names no field (the rules of a
 * booking's date and times name theirs). */
const CODE_FIELD = {
  'booking.person_overlap': 'start',
  'booking.daily_limit': 'start',
  'booking.no_free_desk': 'desk',
  'booking.overlap': 'desk',
  'booking.not_bookable': 'desk',
  'childcare.full': 'children',
  'childcare.child_overlap': 'children',
  'childcare.not_born': 'children',
  'childcare.unavailable': 'children',
  'childcare.not_within_booking': 'children',
};
const FIELD_ALIAS = { child_ids: 'children', attributes: 'desk', space_id: 'desk', other: 'date' };

/** Field keys of an API error: [{key, message}] (the detail when it names no field). */
export function placeErrors(err, codeField = CODE_FIELD, alias = FIELD_ALIAS, known = []) {
  const out = [];
  if (err instanceof ApiError) {
    for (const e of err.errors) {
      const key = alias[e.field] || e.field;
      if (known.includes(key)) out.push({ key, message: e.message || err.detail });
    }
    if (out.length === 0 && codeField[err.code]) out.push({ key: codeField[err.code], message: err.detail });
  }
  return out;
}

function timeBounds(site) {
  const hours = site.opening_hours || [];
  if (hours.length === 0) return { open: '08:00', close: '20:00' };
  const open = hours.map((x) => x.open).sort()[0];
  const close = hours.map((x) => x.close).sort().slice(-1)[0];
  return { open, close };
}

function initialDraft(ctx) {
  const prefs = loadPrefs(ctx.me.id) || {};
  const active = new Set(ctx.activeChildren().map((c) => c.id));
  return {
    site_id: ctx.defaultSiteId(),
    date: null,
    other: '',
    start: typeof prefs.start === 'string' ? prefs.start : '09:00',
    end: typeof prefs.end === 'string' ? prefs.end : '17:00',
    desk: prefs.desk !== false,
    attributes: Array.isArray(prefs.attributes) ? prefs.attributes.filter((a) => typeof a === 'string') : [],
    child_ids: Array.isArray(prefs.child_ids) ? prefs.child_ids.filter((id) => active.has(id)) : [],
    keep_desk: true,
  };
}

export function mount(main, ctx, params) {
  if (!state.draft || state.personId !== ctx.me.id) {
    state.personId = ctx.me.id;
    state.draft = initialDraft(ctx);
    state.result = null;
    state.errors = {};
    state.formError = '';
  }
  const d = state.draft;
  const asked = params.get('date');
  if (isYmd(asked)) {
    // A date among the seven buttons is chosen there; any other goes to "another day".
    const ahead = daysBetween(ctx.today(d.site_id), asked);
    if (ahead >= 0 && ahead < 7) {
      d.date = asked;
      d.other = '';
    } else {
      d.date = 'other';
      d.other = asked;
    }
  }
  if (/^\d\d:\d\d$/.test(params.get('start') || '')) {
    d.start = params.get('start');
    if (minutes(d.end) <= minutes(d.start)) {
      d.end = hhmm(Math.min(minutes(d.start) + 240, minutes(timeBounds(ctx.site(d.site_id)).close)));
    }
  }

  let calendar = null;
  let glanceTimer = null;
  let glanceSeq = 0;
  let alive = true;

  const root = h('div', { class: 'view home' });
  const nextBox = h('div', { id: 'next-list' }, h('p', { class: 'muted' }, t('common.loading')));
  main.append(root);

  const site = () => ctx.site(d.site_id);
  const today = () => ctx.today(d.site_id);
  const chosenDate = () => (d.date === 'other' ? d.other : d.date);

  function pickDefaultDate() {
    if (d.date || !calendar) return;
    const tomorrow = addDays(today(), 1);
    for (let i = 0; i < 28; i++) {
      const date = addDays(tomorrow, i);
      const day = calendar && calendar.get(date);
      if (!calendar || (day && day.open)) {
        if (i < 6) {
          d.date = date;
        } else {
          d.date = 'other';
          d.other = date;
        }
        return;
      }
    }
    d.date = tomorrow;
  }

  function dateHint() {
    const date = chosenDate();
    if (!date || !calendar) return '';
    const day = calendar.get(date);
    if (!day) return '';
    if (!day.open) return t('home.closedHint', { date: formatDate(date), reason: closedReason(day) });
    return t('home.hoursHint', { date: formatDate(date), hours: timeRange(day.hours.open, day.hours.close) });
  }

  // ---------- the form ----------

  function dateGroup() {
    const first = today();
    const chips = [];
    for (let i = 0; i < 7; i++) {
      const date = addDays(first, i);
      const day = calendar && calendar.get(date);
      const closed = day && !day.open;
      const top = i === 0 ? t('word.today') : i === 1 ? t('word.tomorrow') : weekdayShort(date);
      const sub = i <= 1 ? `${shortDate(date)} ${weekdayShort(date)}` : shortDate(date);
      const input = h('input', {
        type: 'radio', name: 'date', value: date, id: `date-${date}`,
        checked: d.date === date, disabled: !!closed,
        onchange: () => {
          d.date = date;
          update();
        },
      });
      // Shown short; read out in full ("明日 11月25日(水)").
      const spoken = `${i <= 1 ? `${top} ` : ''}${formatDate(date)}${closed ? ` ${t('home.closedChip')}` : ''}`;
      chips.push(h('label', { class: `chip${closed ? ' closed' : ''}`, for: `date-${date}` }, input,
        h('span', { class: 'chip-top', 'aria-hidden': 'true' }, top),
        h('span', { class: 'chip-sub', 'aria-hidden': 'true' }, closed ? t('home.closedChip') : sub),
        h('span', { class: 'visually-hidden' }, spoken)));
    }
    const other = h('input', {
      type: 'radio', name: 'date', value: 'other', id: 'date-other', checked: d.date === 'other',
      onchange: () => {
        d.date = 'other';
        update();
      },
    });
    chips.push(h('label', { class: 'chip', for: 'date-other' }, other,
      h('span', { class: 'chip-top' }, t('home.otherDate')), h('span', { class: 'chip-sub' }, '…')));

    const otherInput = h('input', {
      type: 'date', value: d.other, min: today(), max: ctx.lastBookable(d.site_id),
      onchange: (ev) => {
        d.other = ev.target.value;
        update();
      },
    });
    const otherField = field({
      id: 'book-other-date', label: t('home.otherDateLabel'), control: otherInput,
      error: state.errors.other, className: 'other-date',
    });
    otherField.hidden = d.date !== 'other';
    return group({
      id: 'book-date', legend: t('home.date'), error: state.errors.date,
      content: [h('div', { class: 'chips' }, chips), otherField,
        h('p', { class: 'hint day-hint', id: 'book-day-hint' }, dateHint())],
    });
  }

  function timeRow() {
    const { open, close } = timeBounds(site());
    const startOpts = quarterHours(open, close).slice(0, -2).map((v) => ({ value: v, label: formatTime(v) }));
    const endOpts = quarterHours(open, close).slice(2).map((v) => ({ value: v, label: formatTime(v) }));
    const start = select({ options: startOpts, value: d.start, name: 'start', onchange: (ev) => {
      d.start = ev.target.value;
      if (minutes(d.end) <= minutes(d.start)) {
        const after = endOpts.filter((o) => minutes(o.value) > minutes(d.start));
        const hourLater = after.find((o) => minutes(o.value) >= minutes(d.start) + 60);
        d.end = (hourLater || after[after.length - 1] || { value: d.end }).value;
        const end = document.getElementById('book-end');
        if (end) end.value = d.end;
      }
      update();
    } });
    const end = select({ options: endOpts, value: d.end, name: 'end', onchange: (ev) => {
      d.end = ev.target.value;
      update();
    } });
    return h('div', { class: 'time-row' },
      field({ id: 'book-start', label: t('home.start'), control: start, error: state.errors.start }),
      h('span', { class: 'time-dash', 'aria-hidden': 'true' }, '–'),
      field({ id: 'book-end', label: t('home.end'), control: end, error: state.errors.end }));
  }

  function deskGroup() {
    const wishes = h('div', { class: 'options wishes', id: 'book-wishes', hidden: !d.desk },
      ATTRIBUTES.map((a) => option({
        name: 'attributes', value: a, id: `book-attr-${a}`, checked: d.attributes.includes(a), label: attributeLabel(a),
        onchange: (ev) => {
          d.attributes = ev.target.checked ? [...new Set([...d.attributes, a])] : d.attributes.filter((x) => x !== a);
          update();
        },
      })));
    return group({
      id: 'book-desk-group', legend: t('home.desk'), error: state.errors.desk,
      content: [
        h('div', { class: 'options' }, option({
          id: 'book-desk', name: 'desk', checked: d.desk, label: t('home.bookDesk'),
          onchange: (ev) => {
            d.desk = ev.target.checked;
            wishes.hidden = !d.desk;
            update();
          },
        })),
        wishes,
      ],
    });
  }

  function childrenGroup() {
    const kids = ctx.activeChildren();
    if (kids.length === 0) {
      return h('div', { class: 'group-note' },
        h('p', { class: 'muted' }, t('home.noChildren'), ' ', h('a', { href: '#/children' }, t('home.addChild'))));
    }
    const date = chosenDate();
    const offer = state.waitlistOffer ? h('div', { class: 'waitlist-offer', id: 'waitlist-offer' },
      h('p', null, t('home.waitlistOffer')),
      d.desk ? h('div', { class: 'options' }, option({
        id: 'book-keep-desk', name: 'keep_desk', checked: d.keep_desk, label: t('home.keepDesk'),
        onchange: (ev) => {
          d.keep_desk = ev.target.checked;
        },
      })) : null,
      h('button', { type: 'button', class: 'btn', id: 'waitlist-button', onclick: () => submit(true) },
        state.busy === 'waitlist' ? t('home.joining') : t('home.joinWaitlist'))) : null;
    return group({
      id: 'book-children', legend: t('home.children'), error: state.errors.children,
      hint: t('home.childrenHint'),
      after: offer,
      content: [
        h('div', { class: 'options' }, kids.map((c) => {
          const age = date ? ageOn(c.birth_date, date) : null;
          return option({
            id: `book-child-${c.id}`, name: 'child_ids', value: String(c.id), checked: d.child_ids.includes(c.id),
            label: c.name, sub: age != null && age >= 0 ? t('word.age', { n: age }) : null,
            onchange: (ev) => {
              d.child_ids = ev.target.checked ? [...new Set([...d.child_ids, c.id])] : d.child_ids.filter((x) => x !== c.id);
              state.waitlistOffer = false;
              const o = document.getElementById('waitlist-offer');
              if (o) o.hidden = true;
              update();
            },
          });
        })),
      ],
    });
  }

  function siteField() {
    if (ctx.sites.length < 2) return h('p', { class: 'site-line' }, siteName(site()));
    const sel = select({
      name: 'site', value: String(d.site_id),
      options: ctx.sites.map((s) => ({ value: String(s.id), label: siteName(s) })),
      onchange: async (ev) => {
        d.site_id = Number(ev.target.value);
        d.date = null;
        calendar = null;
        render();
        await loadCalendar();
      },
    });
    return field({ id: 'book-site', label: t('home.site'), control: sel });
  }

  function resultCard() {
    const r = state.result;
    if (!r) return null;
    const lines = [];
    if (r.desk) {
      lines.push(h('li', null, `${t('word.desk')}: ${r.desk.space_name}`,
        r.usual ? h('span', { class: 'badge ok' }, t('word.usualDesk')) : null));
    } else if (r.waitlisted) {
      lines.push(h('li', null, t('home.noDeskKept')));
    }
    for (const p of r.places || []) {
      lines.push(h('li', { 'data-status': p.status, 'data-position': p.waitlist_position || null },
        p.status === 'waitlisted'
          ? (p.waitlist_position
            ? t('home.waitlistPosition', { name: p.child_name, n: p.waitlist_position })
            : t('home.waitlistPositionUnknown', { name: p.child_name }))
          : `${t('word.childcare')}: ${p.child_name} ${timeRange(p.start, p.end)}`));
    }
    const heading = h('h2', { id: 'result-heading', tabindex: '-1' }, r.waitlisted ? t('home.waitlistedTitle') : t('home.booked'));
    return h('section', {
      class: `result-card${r.waitlisted ? ' waitlisted' : ''}`, id: 'book-result',
      'aria-labelledby': 'result-heading', 'data-outcome': r.waitlisted ? 'waitlisted' : 'booked',
    },
    heading,
    h('p', { class: 'result-when' }, `${formatDate(r.date)} ${timeRange(r.start, r.end)}`),
    h('ul', { class: 'result-lines' }, lines),
    h('p', { class: 'muted' }, t('home.mailNote')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn small', id: 'book-another', onclick: bookAnother }, t('home.bookAnother')),
      h('a', { class: 'btn secondary small', href: '#/bookings' }, t('home.seeBookings')),
      h('a', { class: 'btn secondary small', href: '#/qr' }, t('home.showQr'))));
  }

  /** The form again, on a fresh date: a second tap must not book the same day twice. */
  function bookAnother() {
    state.result = null;
    d.date = null;
    d.other = '';
    render();
    const heading = document.getElementById('home-heading');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }

  function render() {
    if (!alive) return;
    pickDefaultDate();
    // After a booking the form steps aside (the result offers "book another"), so that a second
    // tap cannot send the same booking again.
    const form = state.result ? null : h('form', { id: 'book-form', novalidate: true, 'aria-labelledby': 'home-heading', onsubmit: (ev) => {
      ev.preventDefault();
      submit(false);
    } },
    siteField(),
    calendar ? dateGroup() : h('p', { class: 'muted' }, t('common.loading')),
    timeRow(),
    deskGroup(),
    childrenGroup(),
    h('div', { class: 'glance', id: 'book-glance', 'aria-live': 'polite', 'aria-atomic': 'true' }),
    state.formError ? messageBox(state.formError) : null,
    h('div', { class: 'actions sticky-submit' },
      h('button', { type: 'submit', class: 'btn wide', id: 'book-submit', 'aria-disabled': state.busy ? 'true' : null },
        state.busy === 'book' ? t('home.submitting') : t('home.submit'))));

    setChildren(root, 
      h('h1', { id: 'home-heading' }, t('home.heading')),
      resultCard(),
      form,
      h('section', { class: 'more', 'aria-labelledby': 'more-heading' },
        h('h2', { id: 'more-heading' }, t('home.more')),
        h('ul', { class: 'link-list' },
          h('li', null, h('a', { class: 'btn secondary', href: '#/series' }, t('home.series'))),
          h('li', null, h('a', { class: 'btn secondary', href: `#/day?date=${chosenDate() || ''}` }, t('home.dayView'))))),
      h('section', { class: 'next', 'aria-labelledby': 'next-heading' },
        h('h2', { id: 'next-heading' }, t('home.next')),
        nextBox));
    scheduleGlance();
  }

  /** After a change: the hint, the date field, the glance; no re-render (focus stays). */
  function update() {
    const hint = document.getElementById('book-day-hint');
    if (hint) hint.textContent = dateHint();
    const other = root.querySelector('.other-date');
    if (other) other.hidden = d.date !== 'other';
    const dayLink = root.querySelector('a[href^="#/day"]');
    if (dayLink) dayLink.setAttribute('href', `#/day?date=${chosenDate() || ''}`);
    scheduleGlance();
  }

  // ---------- the glance: what is free for these choices ----------

  function scheduleGlance() {
    clearTimeout(glanceTimer);
    glanceTimer = setTimeout(glance, 250);
  }

  async function glance() {
    const box = document.getElementById('book-glance');
    const date = chosenDate();
    if (!box || !date || !calendar) return;
    const seq = ++glanceSeq;
    const day = calendar.get(date);
    if (date < today()) {
      // Nothing can be booked on a day that has passed: no desk or childcare availability.
      box.replaceChildren(h('p', { class: 'glance-line warn', id: 'glance-past' }, t('home.glancePast')));
      return;
    }
    if (day && !day.open) {
      box.replaceChildren(h('p', { class: 'glance-line warn' }, t('home.glanceClosed')));
      return;
    }
    const lines = [];
    try {
      const from = minutes(d.start);
      const to = minutes(d.end);
      const inRange = (slot) => minutes(slot) >= from && minutes(slot) < to;
      if (d.desk) {
        const q = `date=${date}&kind=desk${d.attributes.length ? `&attributes=${d.attributes.join(',')}` : ''}`;
        const av = await api('GET', `/api/v1/sites/${d.site_id}/availability?${q}`);
        if (seq !== glanceSeq) return;
        const idx = av.slots.map((s, i) => (inRange(s) ? i : -1)).filter((i) => i >= 0);
        const free = av.spaces.filter((s) => idx.length > 0 && idx.every((i) => s.free[i] > 0)).length;
        const wishes = d.attributes.map(attributeLabel).join('・');
        lines.push(h('p', { class: `glance-line ${free > 0 ? 'ok' : 'warn'}`, 'data-free-desks': String(free) },
          free === 0 ? t('home.glanceNoDesk')
            : wishes ? t('home.glanceDesksFiltered', { wishes, n: free }) : t('home.glanceDesks', { n: free })));
      }
      if (d.child_ids.length) {
        const cc = await ctx.childcareAvailability(d.site_id, date, d.child_ids);
        if (seq !== glanceSeq) return;
        if (cc) {
          const full = cc.slots.findIndex((s, i) => inRange(s) && !cc.fits[i]);
          lines.push(h('p', { class: `glance-line ${full < 0 ? 'ok' : 'warn'}` }, full < 0
            ? t('home.glanceChildcareOk') : t('home.glanceChildcareFull', { time: formatTime(cc.slots[full]) })));
        } else {
          lines.push(h('p', { class: 'glance-line muted' }, t('home.glanceChildcareUnknown')));
        }
      }
    } catch {
      return; // the glance is a help; the booking answer is what counts
    }
    if (seq === glanceSeq && box.isConnected) box.replaceChildren(...lines);
  }

  // ---------- booking ----------

  async function submit(waitlist) {
    if (state.busy) return;
    const date = chosenDate();
    state.errors = {};
    state.formError = '';
    if (!waitlist) state.waitlistOffer = false;
    if (!date) {
      state.errors[d.date === 'other' ? 'other' : 'date'] = t('home.chooseDate');
    } else if (!d.desk && d.child_ids.length === 0) {
      state.errors.desk = t('home.nothingChosen');
    }
    if (Object.keys(state.errors).length) {
      render();
      focusFirstError(root);
      return;
    }
    state.busy = waitlist ? 'waitlist' : 'book';
    const button = document.getElementById(waitlist ? 'waitlist-button' : 'book-submit');
    if (button) {
      button.setAttribute('aria-disabled', 'true');
      button.textContent = waitlist ? t('home.joining') : t('home.submitting');
    }
    const base = { site_id: d.site_id, date, start: d.start, end: d.end };
    try {
      let result;
      if (d.child_ids.length) {
        const res = await api('POST', '/api/v1/childcare/bookings', {
          ...base,
          child_ids: d.child_ids,
          desk: d.desk ? { attributes: d.attributes } : null,
          waitlist,
          keep_desk: waitlist && d.desk ? d.keep_desk : false,
        });
        let places = res.places;
        if (res.waitlisted) {
          // The position in line comes with my list of places.
          try {
            const mine = await api('GET', '/api/v1/childcare/bookings');
            places = places.map((p) => mine.find((m) => m.id === p.id) || p);
          } catch {
            // shown without the number
          }
        }
        result = { ...base, desk: res.desk, usual: res.usual_desk, places, waitlisted: res.waitlisted };
      } else {
        const res = await api('POST', '/api/v1/bookings', { ...base, attributes: d.attributes });
        result = { ...base, desk: res.booking, usual: res.usual_desk, places: [], waitlisted: false };
      }
      state.result = result;
      state.waitlistOffer = false;
      savePrefs(ctx.me.id, {
        site_id: d.site_id, start: d.start, end: d.end, desk: d.desk, attributes: d.attributes, child_ids: d.child_ids,
      });
      state.busy = false;
      render();
      loadNext();
      const heading = document.getElementById('result-heading');
      if (heading) heading.focus();
    } catch (err) {
      state.busy = false;
      const placed = placeErrors(err, CODE_FIELD, FIELD_ALIAS, ['date', 'other', 'start', 'end', 'desk', 'children']);
      for (const p of placed) {
        // A date typed in "another day" gets its error there.
        const key = p.key === 'date' && d.date === 'other' ? 'other' : p.key;
        state.errors[key] = state.errors[key] ? `${state.errors[key]} ${p.message}` : p.message;
      }
      if (placed.length === 0) state.formError = errorText(err);
      if (err instanceof ApiError && err.code === 'childcare.full' && !waitlist) state.waitlistOffer = true;
      render();
      if (!focusFirstError(root)) {
        const box = root.querySelector('.message.error');
        if (box) {
          box.setAttribute('tabindex', '-1');
          box.focus();
        }
      }
    }
  }

  // ---------- the next booking ----------

  let nextData = null;

  /** The next booking's card, from the last answer (drawn again when the language changes). */
  function drawNext() {
    if (!nextData) return;
    if (nextData.error) {
      nextBox.replaceChildren(h('p', { class: 'muted' }, errorText(nextData.error)));
      return;
    }
    const { next, kids } = nextData;
    if (!next) {
      nextBox.replaceChildren(h('p', { class: 'muted' }, t('home.noUpcoming')));
      return;
    }
    nextBox.replaceChildren(h('div', { class: 'card next-card' },
      h('p', { class: 'next-when' }, `${formatDate(next.date)} ${timeRange(next.start, next.end)}`),
      h('p', null, `${t('word.desk')}: ${next.space_name}`),
      kids.map((p) => h('p', null, `${t('word.childcare')}: ${p.child_name} · ${placeStatus(p)}`)),
      h('a', { href: '#/bookings' }, t('home.seeBookings'))));
  }

  async function loadNext() {
    try {
      const from = today();
      const [list, places] = await Promise.all([
        api('GET', `/api/v1/bookings?from=${from}&to=${addDays(from, 60)}`),
        api('GET', '/api/v1/childcare/bookings'),
      ]);
      if (!alive) return;
      const now = serverNow().getTime();
      const live = list.filter((b) => (b.status === 'active' || b.status === 'checked_in') && Date.parse(b.ends_at) > now)
        .sort((a, b) => a.starts_at.localeCompare(b.starts_at));
      const next = live[0] || null;
      const kids = next ? places.filter((p) => p.desk_booking_id === next.id && p.status !== 'cancelled') : [];
      nextData = { next, kids };
    } catch (err) {
      if (!alive) return;
      nextData = { error: err };
    }
    drawNext();
  }

  async function loadCalendar() {
    try {
      calendar = await ctx.calendar(d.site_id);
    } catch (err) {
      calendar = new Map();
      state.formError = errorText(err);
    }
    if (alive) render();
  }

  render();
  loadCalendar();
  loadNext();

  return {
    rerender() {
      state.errors = {};
      state.formError = '';
      render();
      drawNext();
    },
    unmount() {
      alive = false;
      clearTimeout(glanceTimer);
    },
  };
}
