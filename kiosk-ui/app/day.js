// A day at a glance: free desks per hour (and childcare places when the service tells them),
// with a link to book from that hour.
//
//   GET /api/v1/sites/{id}/availability?date=&kind=desk&attributes=
//   GET /api/v1/sites/{id}/childcare/availability?date=&child_ids=

import { t } from '/shared/i18n.js';
import { api, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';
import {
  ATTRIBUTES, addDays, attributeLabel, closedReason, daysBetween, field, formatDate, formatTime, group,
  isYmd, loadPrefs, messageBox, minutes, option, hhmm, timeRange,
} from '/app/util.js';

export const titleKey = 'day.title';

const state = { date: null, attributes: null };

export function mount(main, ctx, params) {
  const siteId = ctx.defaultSiteId();
  const today = ctx.today(siteId);
  if (isYmd(params.get('date'))) state.date = params.get('date');
  if (!state.date || state.date < today) state.date = addDays(today, 1);
  if (!state.attributes) {
    const prefs = loadPrefs(ctx.me.id) || {};
    state.attributes = Array.isArray(prefs.attributes) ? prefs.attributes : [];
  }
  let alive = true;
  let seq = 0;
  const root = h('div', { class: 'view day' });
  const results = h('div', { id: 'day-results', 'aria-busy': 'true' });
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  main.append(root);

  function render() {
    const prev = h('button', {
      type: 'button', class: 'btn secondary small', id: 'day-prev', disabled: state.date <= today,
      onclick: () => go(addDays(state.date, -1)),
    }, h('span', { 'aria-hidden': 'true' }, '‹ '), t('day.prev'));
    const next = h('button', {
      type: 'button', class: 'btn secondary small', id: 'day-next', onclick: () => go(addDays(state.date, 1)),
    }, t('day.next'), h('span', { 'aria-hidden': 'true' }, ' ›'));
    const input = h('input', {
      type: 'date', value: state.date, min: today,
      onchange: (ev) => {
        if (isYmd(ev.target.value)) go(ev.target.value, false);
      },
    });
    setChildren(root, 
      h('h1', { id: 'day-heading' }, t('day.heading')),
      h('div', { class: 'day-nav' }, field({ id: 'day-date', label: t('day.dateLabel'), control: input }), prev, next),
      group({
        id: 'day-filter', legend: t('day.filter'),
        content: h('div', { class: 'options wrap' }, ATTRIBUTES.map((a) => option({
          name: 'attributes', value: a, id: `day-attr-${a}`, checked: state.attributes.includes(a), label: attributeLabel(a),
          onchange: (ev) => {
            state.attributes = ev.target.checked ? [...new Set([...state.attributes, a])] : state.attributes.filter((x) => x !== a);
            load();
          },
        }))),
      }),
      live,
      results);
  }

  function go(date, focusNav = true) {
    state.date = date;
    const active = document.activeElement && document.activeElement.id;
    render();
    if (focusNav && active) {
      const el = document.getElementById(active);
      if (el && !el.disabled) el.focus();
      else document.getElementById('day-next').focus();
    }
    history.replaceState(null, '', `#/day?date=${date}`);
    load();
  }

  async function load() {
    const my = ++seq;
    results.setAttribute('aria-busy', 'true');
    const date = state.date;
    try {
      const q = `date=${date}&kind=desk${state.attributes.length ? `&attributes=${state.attributes.join(',')}` : ''}`;
      const kids = ctx.activeChildren().map((c) => c.id);
      const [av, cc] = await Promise.all([
        api('GET', `/api/v1/sites/${siteId}/availability?${q}`),
        kids.length ? ctx.childcareAvailability(siteId, date, kids) : Promise.resolve(null),
      ]);
      if (!alive || my !== seq) return;
      results.replaceChildren(...table(av, cc));
      const line = document.getElementById('day-status');
      live.textContent = line ? line.textContent : '';
    } catch (err) {
      if (!alive || my !== seq) return;
      results.replaceChildren(messageBox(errorText(err)));
    }
    results.setAttribute('aria-busy', 'false');
  }

  function table(av, cc) {
    const out = [];
    const date = state.date;
    const windowDays = ctx.site(siteId).booking_window_days || 28;
    if (!av.day.open) {
      out.push(h('p', { class: 'message info', id: 'day-status', 'data-open': 'false' },
        t('day.closedDay', { date: formatDate(date), reason: closedReason(av.day) })));
      return out;
    }
    out.push(h('p', { class: 'day-status', id: 'day-status', 'data-open': 'true' },
      `${formatDate(date)} · ${t('day.open', { hours: timeRange(av.day.hours.open, av.day.hours.close) })}`));
    if (daysBetween(ctx.today(siteId), date) > windowDays) {
      out.push(h('p', { class: 'message info' }, t('day.outsideWindow', { n: windowDays })));
    }
    const total = av.spaces.length;
    const close = av.day.hours.close;
    // Hours of the day: each row covers the quarter hours that start in it.
    const rows = [];
    av.slots.forEach((slot, i) => {
      const hour = slot.slice(0, 2);
      let row = rows[rows.length - 1];
      if (!row || row.hour !== hour) {
        row = { hour, from: slot, idx: [] };
        rows.push(row);
      }
      row.idx.push(i);
    });
    for (const row of rows) {
      const end = Math.min(minutes(`${row.hour}:00`) + 60, minutes(close));
      row.to = hhmm(end);
      row.free = row.idx.reduce((min, i) => Math.min(min, av.spaces.filter((s) => s.free[i] > 0).length), total);
      row.cc = cc ? row.idx.every((i) => cc.fits[cc.slots.indexOf(av.slots[i])] !== false) : null;
    }
    const head = [t('day.colTime'), t('day.colDesks')];
    if (cc) head.push(t('day.colChildcare'));
    head.push(t('day.colBook'));
    out.push(h('div', { class: 'table-wrap' }, h('table', { class: 'data glance-table', id: 'day-table' },
      h('caption', null, t('day.caption', { date: formatDate(date) })),
      h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, rows.map((row) => {
        const pct = total ? Math.round((row.free / total) * 100) : 0;
        const cells = [
          h('th', { scope: 'row' }, timeRange(row.from, row.to)),
          h('td', { 'data-free': String(row.free) },
            h('span', { class: 'meter', 'aria-hidden': 'true' },
              h('span', { class: `meter-fill${row.free === 0 ? ' empty' : ''}`, style: `width:${pct}%` })),
            h('span', { class: 'meter-text' }, t('day.desksOf', { n: row.free, total }))),
        ];
        if (cc) {
          cells.push(h('td', { class: row.cc ? 'ok' : 'full' }, row.cc ? t('day.childcareOk') : t('day.childcareFull')));
        }
        cells.push(h('td', null, h('a', {
          class: 'btn secondary small', href: `#/?date=${date}&start=${row.from}`,
          'aria-label': t('day.bookFromLabel', { date: formatDate(date), time: formatTime(row.from) }),
        }, t('day.bookFrom', { time: formatTime(row.from) }))));
        return h('tr', null, cells);
      })))));
    if (!cc && ctx.activeChildren().length) out.push(h('p', { class: 'hint' }, t('day.childcareNote')));
    return out;
  }

  render();
  load();
  return {
    rerender() {
      render();
      load();
    },
    unmount() {
      alive = false;
    },
  };
}
