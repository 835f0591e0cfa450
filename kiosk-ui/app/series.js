// Recurring booking: weekdays + times + until when; the skipped (closed) days and the days
// that could not be booked are listed with the reason; childcare on each day if asked.
//
//   POST /api/v1/booking-series {site_id, weekdays, start, end, from, until|count,
//        attributes, mode} -> {series_id, booked[], skipped[], conflicts[]}
//        409 booking.series_conflict (all_or_nothing): errors[{field: date, message}]
//   POST /api/v1/childcare/bookings {..., desk: null} for each booked day (if asked)
//   POST /api/v1/booking-series/{id}/cancel {}
//   GET  /api/v1/sites/{id}/calendar (why a skipped day is closed)

import { getLocale, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';
import {
  ATTRIBUTES, addDays, attributeLabel, closedReason, confirmButton, field, focusFirstError,
  formatDate, formatTime, group, loadPrefs, messageBox, option, quarterHours, select, timeRange,
} from '/app/util.js';
import { placeErrors } from '/app/home.js';

export const titleKey = 'series.title';

const ORDER = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const CODE_FIELD = {
  'booking.bad_weekdays': 'weekdays',
  'booking.series_end_required': 'until',
  'booking.series_empty': 'until',
  'booking.series_conflict': 'mode',
};
const KNOWN = ['weekdays', 'start', 'end', 'from', 'until', 'count', 'desk', 'mode'];

const state = { personId: null, draft: null, errors: {}, formError: '', conflicts: [], result: null, busy: false };

function weekdayName(w) {
  // 2026-11-23 is a Monday.
  const date = addDays('2026-11-23', ORDER.indexOf(w));
  return new Intl.DateTimeFormat(getLocale(), { timeZone: 'UTC', weekday: 'short' }).format(new Date(`${date}T00:00:00Z`));
}

export function mount(main, ctx) {
  const siteId = ctx.defaultSiteId();
  const site = ctx.site(siteId);
  const today = ctx.today(siteId);
  const last = ctx.lastBookable(siteId);
  if (!state.draft || state.personId !== ctx.me.id) {
    const prefs = loadPrefs(ctx.me.id) || {};
    state.personId = ctx.me.id;
    state.draft = {
      weekdays: [],
      start: prefs.start || '09:00',
      end: prefs.end || '17:00',
      from: addDays(today, 1),
      endMode: 'until',
      until: last,
      count: '',
      attributes: Array.isArray(prefs.attributes) ? prefs.attributes : [],
      mode: 'skip_conflicts',
      child_ids: [],
    };
    state.result = null;
  }
  const d = state.draft;
  const open = new Set((site.opening_hours || []).map((x) => x.weekday));
  const hours = site.opening_hours || [];
  const first = hours.map((x) => x.open).sort()[0] || '08:00';
  const lastClose = hours.map((x) => x.close).sort().slice(-1)[0] || '20:00';
  let alive = true;
  const root = h('div', { class: 'view series' });
  main.append(root);

  function weekdaysGroup() {
    return group({
      id: 'series-weekdays', legend: t('series.weekdays'), error: state.errors.weekdays,
      content: h('div', { class: 'options weekdays' }, ORDER.map((w) => option({
        id: `series-wd-${w}`, name: 'weekdays', value: w, checked: d.weekdays.includes(w), disabled: !open.has(w),
        label: weekdayName(w), sub: open.has(w) ? null : t('series.closedWeekday'),
        onchange: (ev) => {
          d.weekdays = ev.target.checked ? [...new Set([...d.weekdays, w])] : d.weekdays.filter((x) => x !== w);
        },
      }))),
    });
  }

  function timeRow() {
    const startOpts = quarterHours(first, lastClose).slice(0, -2).map((v) => ({ value: v, label: formatTime(v) }));
    const endOpts = quarterHours(first, lastClose).slice(2).map((v) => ({ value: v, label: formatTime(v) }));
    return h('div', { class: 'time-row' },
      field({ id: 'series-start', label: t('home.start'), error: state.errors.start,
        control: select({ options: startOpts, value: d.start, onchange: (ev) => { d.start = ev.target.value; } }) }),
      h('span', { class: 'time-dash', 'aria-hidden': 'true' }, '–'),
      field({ id: 'series-end', label: t('home.end'), error: state.errors.end,
        control: select({ options: endOpts, value: d.end, onchange: (ev) => { d.end = ev.target.value; } }) }));
  }

  function endGroup() {
    const until = field({
      id: 'series-until', label: t('series.until'), error: state.errors.until,
      control: h('input', { type: 'date', value: d.until, min: today, onchange: (ev) => { d.until = ev.target.value; } }),
    });
    const count = field({
      id: 'series-count', label: t('series.count'), hint: t('series.countHint'), error: state.errors.count,
      control: h('input', {
        type: 'number', inputmode: 'numeric', min: '1', max: '120', value: d.count,
        oninput: (ev) => { d.count = ev.target.value; },
      }),
    });
    until.hidden = d.endMode !== 'until';
    count.hidden = d.endMode !== 'count';
    const modeRadio = (mode, label) => option({
      type: 'radio', name: 'endMode', value: mode, id: `series-end-${mode}`, checked: d.endMode === mode, label,
      onchange: () => {
        d.endMode = mode;
        until.hidden = mode !== 'until';
        count.hidden = mode !== 'count';
      },
    });
    return group({
      id: 'series-end-group', legend: t('series.endGroup'),
      hint: t('series.windowHint', { n: site.booking_window_days || 28, date: formatDate(last) }),
      content: [h('div', { class: 'options inline' }, modeRadio('until', t('series.untilMode')), modeRadio('count', t('series.countMode'))),
        until, count],
    });
  }

  function modeGroup() {
    const list = state.conflicts.length ? h('div', { class: 'conflict-list' },
      h('h3', null, t('series.conflictDates')),
      h('ul', null, state.conflicts.map((c) => h('li', { 'data-date': c.field },
        h('strong', null, formatDate(c.field)), ' ', c.message)))) : null;
    const radio = (mode, label, sub) => option({
      type: 'radio', name: 'mode', value: mode, id: `series-mode-${mode}`, checked: d.mode === mode, label, sub,
      onchange: () => { d.mode = mode; },
    });
    return group({
      id: 'series-mode', legend: t('series.mode'), error: state.errors.mode,
      content: h('div', { class: 'options' },
        radio('skip_conflicts', t('series.skip'), t('series.skipSub')),
        radio('all_or_nothing', t('series.all'), t('series.allSub'))),
      after: list,
    });
  }

  function childrenGroup() {
    const kids = ctx.activeChildren();
    if (!kids.length) return null;
    return group({
      id: 'series-children', legend: t('series.children'), hint: t('series.childrenHint'),
      content: h('div', { class: 'options' }, kids.map((c) => option({
        id: `series-child-${c.id}`, name: 'child_ids', value: String(c.id), checked: d.child_ids.includes(c.id), label: c.name,
        onchange: (ev) => {
          d.child_ids = ev.target.checked ? [...new Set([...d.child_ids, c.id])] : d.child_ids.filter((x) => x !== c.id);
        },
      }))),
    });
  }

  function resultSection() {
    const r = state.result;
    if (!r) return null;
    const when = (b) => `${formatDate(b.date)} ${timeRange(b.start, b.end)}`;
    return h('section', { class: 'result-card', id: 'series-result', 'aria-labelledby': 'series-result-heading' },
      h('h2', { id: 'series-result-heading', tabindex: '-1' }, t('series.resultTitle', { n: r.booked.length })),
      r.booked.length ? [h('h3', null, t('series.booked')),
        h('ul', { id: 'series-booked' }, r.booked.map((b) => h('li', { 'data-date': b.date }, `${when(b)} · ${b.space_name}`)))] : null,
      r.skipped.length ? [h('h3', null, t('series.skipped')),
        h('ul', { id: 'series-skipped' }, r.skipped.map((s) => h('li', { 'data-date': s.date },
          h('strong', null, formatDate(s.date)), ' ', r.days && r.days.get(s.date) ? closedReason(r.days.get(s.date)) : s.message)))] : null,
      r.conflicts.length ? [h('h3', null, t('series.conflicts')),
        h('ul', { id: 'series-conflicts' }, r.conflicts.map((c) => h('li', { 'data-date': c.date },
          h('strong', null, formatDate(c.date)), ' ', c.message)))] : null,
      r.childcare && r.childcare.length ? [h('h3', null, t('series.childcareResults')),
        h('ul', { id: 'series-childcare' }, r.childcare.map((c) => h('li', { 'data-date': c.date, 'data-ok': String(c.ok) },
          c.ok ? t('series.childcareOk', { date: formatDate(c.date) })
            : t('series.childcareFail', { date: formatDate(c.date), message: c.message }))))] : null,
      r.cancelled != null ? h('p', { class: 'message ok', role: 'status' }, t('series.cancelledAll', { n: r.cancelled }))
        : r.series_id ? h('div', { class: 'actions' }, confirmButton({
          label: t('series.cancelAll'), question: t('series.cancelAllQuestion'), confirmLabel: t('series.cancelAllConfirm'),
          onconfirm: async () => {
            try {
              const res = await api('POST', `/api/v1/booking-series/${r.series_id}/cancel`, {});
              r.cancelled = res.cancelled.length;
              render();
              ctx.announce(t('series.cancelledAll', { n: r.cancelled }));
            } catch (err) {
              ctx.announce(errorText(err));
            }
          },
        })) : null,
      h('p', { class: 'muted' }, t('series.cancelOne'), ' ', h('a', { href: '#/bookings' }, t('nav.bookings'))));
  }

  function render() {
    if (!alive) return;
    setChildren(root, 
      h('h1', { id: 'series-heading' }, t('series.heading')),
      h('p', null, t('series.intro')),
      resultSection(),
      h('form', { id: 'series-form', novalidate: true, 'aria-labelledby': 'series-heading', onsubmit: (ev) => {
        ev.preventDefault();
        submit();
      } },
      weekdaysGroup(),
      timeRow(),
      field({ id: 'series-from', label: t('series.from'), error: state.errors.from,
        control: h('input', { type: 'date', value: d.from, min: today, onchange: (ev) => { d.from = ev.target.value; } }) }),
      endGroup(),
      group({
        id: 'series-desk', legend: t('home.deskWishes'), error: state.errors.desk,
        content: h('div', { class: 'options' }, ATTRIBUTES.map((a) => option({
          id: `series-attr-${a}`, name: 'attributes', value: a, checked: d.attributes.includes(a), label: attributeLabel(a),
          onchange: (ev) => {
            d.attributes = ev.target.checked ? [...new Set([...d.attributes, a])] : d.attributes.filter((x) => x !== a);
          },
        }))),
      }),
      modeGroup(),
      childrenGroup(),
      state.formError ? messageBox(state.formError) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn wide', id: 'series-submit' },
          state.busy ? t('series.submitting') : t('series.submit')))));
  }

  async function submit() {
    if (state.busy) return;
    state.errors = {};
    state.formError = '';
    state.conflicts = [];
    if (d.weekdays.length === 0) state.errors.weekdays = t('series.chooseWeekday');
    if (Object.keys(state.errors).length) {
      render();
      focusFirstError(root);
      return;
    }
    const body = {
      site_id: siteId, weekdays: ORDER.filter((w) => d.weekdays.includes(w)), start: d.start, end: d.end,
      from: d.from, attributes: d.attributes, mode: d.mode,
    };
    if (d.endMode === 'count') body.count = Number(d.count) || 0;
    else body.until = d.until;
    state.busy = true;
    const button = document.getElementById('series-submit');
    if (button) {
      button.setAttribute('aria-disabled', 'true');
      button.textContent = t('series.submitting');
    }
    try {
      const res = await api('POST', '/api/v1/booking-series', body);
      const result = { ...res, days: null, childcare: [] };
      if (res.skipped.length) {
        const dates = res.skipped.map((s) => s.date).sort();
        try {
          result.days = await ctx.days(siteId, dates[0], dates[dates.length - 1]);
        } catch {
          // the service's own words then
        }
      }
      for (const b of d.child_ids.length ? res.booked : []) {
        try {
          await api('POST', '/api/v1/childcare/bookings', {
            site_id: siteId, date: b.date, start: b.start, end: b.end, child_ids: d.child_ids, desk: null, waitlist: false,
          });
          result.childcare.push({ date: b.date, ok: true });
        } catch (err) {
          result.childcare.push({ date: b.date, ok: false, message: errorText(err) });
        }
      }
      state.result = result;
      state.busy = false;
      render();
      document.getElementById('series-result-heading').focus();
    } catch (err) {
      state.busy = false;
      if (err instanceof ApiError && err.code === 'booking.series_conflict') {
        state.errors.mode = err.detail;
        state.conflicts = err.errors;
      } else {
        const placed = placeErrors(err, CODE_FIELD, { date: 'from' }, KNOWN);
        for (const p of placed) {
          // "Until when" is one question: its error goes to the half that is shown.
          const key = p.key === 'until' || p.key === 'count' ? (d.endMode === 'count' ? 'count' : 'until') : p.key;
          state.errors[key] = p.message;
        }
        if (placed.length === 0) state.formError = errorText(err);
      }
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

  render();
  return {
    rerender() {
      state.errors = {};
      state.formError = '';
      render();
    },
    unmount() {
      alive = false;
    },
  };
}
