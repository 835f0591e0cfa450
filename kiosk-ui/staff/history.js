// Utilisation history for directors: heat maps (weekday x hour) of desks, rooms and childcare
// places in use, drawn as SVG by the page, the no-show rate and the peak, and the CSV.
//   GET /api/v1/sites/{id}/utilisation?from=&to=
//   GET /api/v1/sites/{id}/utilisation.csv?from=&to=

import { t } from '/shared/i18n.js';
import { api, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const HOURS = [...Array(24).keys()].filter((x) => x >= 7 && x <= 21);

function node(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function heat(title, grid) {
  const cell = 28;
  const left = 40;
  const top = 24;
  const days = t('history.weekdays').split(',');
  const svg = node('svg', { viewBox: `0 0 ${left + HOURS.length * cell} ${top + 7 * cell}`, role: 'img', 'aria-label': title, class: 'heat' });
  HOURS.forEach((hour, i) => svg.append(node('text', { x: left + i * cell + 4, y: 16 }, String(hour))));
  grid.forEach((row, w) => {
    svg.append(node('text', { x: 2, y: top + w * cell + 19 }, days[w] || ''));
    HOURS.forEach((hour, i) => {
      const v = row[hour] || 0;
      // Light to dark blue; the share is also in the table below for screen readers.
      const light = Math.round(97 - v * 60);
      svg.append(node('rect', { x: left + i * cell, y: top + w * cell, width: cell - 2, height: cell - 2, fill: `hsl(210 70% ${light}%)` }));
    });
  });
  return h('figure', null, h('figcaption', null, title), svg);
}

function table(title, grid) {
  const days = t('history.weekdays').split(',');
  return h('details', null, h('summary', null, t('history.table', { title })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('history.weekday')), HOURS.map((x) => h('th', { scope: 'col' }, `${x}:00`)))),
      h('tbody', null, grid.map((row, w) => h('tr', null, h('th', { scope: 'row' }, days[w]),
        HOURS.map((x) => h('td', null, `${Math.round((row[x] || 0) * 100)}%`))))))));
}

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

/** The history section of a site in `box`. */
export function showHistory(box, siteId) {
  const to = new Date(Date.now() - 86400000);
  const from = new Date(to.getTime() - 27 * 86400000);
  const fromInput = h('input', { type: 'date', id: 'history-from', value: isoDay(from) });
  const toInput = h('input', { type: 'date', id: 'history-to', value: isoDay(to) });
  const out = h('div', { id: 'history-out' });
  const status = h('div', { class: 'message', role: 'status', 'aria-live': 'polite' });
  const csv = h('a', { class: 'btn secondary', href: '#', download: '' }, t('history.csv'));
  const load = async () => {
    const q = `from=${fromInput.value}&to=${toInput.value}`;
    csv.setAttribute('href', `/api/v1/sites/${siteId}/utilisation.csv?${q}`);
    try {
      const u = await api('GET', `/api/v1/sites/${siteId}/utilisation?${q}`);
      status.textContent = '';
      setChildren(out,
        h('p', null, t('history.summary', {
          days: u.days, rate: Math.round(u.no_show_rate * 1000) / 10, peak: u.peak, day: u.peak_day || t('common.none'),
        })),
        heat(t('history.desks'), u.desks), table(t('history.desks'), u.desks),
        heat(t('history.rooms'), u.rooms), table(t('history.rooms'), u.rooms),
        heat(t('history.childcare'), u.childcare), table(t('history.childcare'), u.childcare));
    } catch (e) {
      status.className = 'message error';
      status.textContent = errorText(e);
    }
  };
  setChildren(box,
    h('h2', { id: 'history-heading' }, t('history.heading')),
    h('div', { class: 'staff-bar' },
      h('label', { for: 'history-from' }, t('history.from')), fromInput,
      h('label', { for: 'history-to' }, t('history.to')), toInput,
      h('button', { type: 'button', class: 'btn', onclick: load }, t('history.show')), csv),
    status, out);
  load();
}
