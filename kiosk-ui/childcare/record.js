// The childcare room's day record, printable (a caregiver of the site).
//
//   GET /api/v1/sites/{id}/childcare/record?date=YYYY-MM-DD
//
// ?site=ID&date=YYYY-MM-DD; the date defaults to today at the site.

import { initI18n, onLangChange, getLang, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h } from '/shared/dom.js';
import { localDate } from '/shared/time.js';
import { strings } from '/childcare/strings.js';

initI18n(strings);

const $ = (id) => document.getElementById(id);
let record = null;

function list(items) {
  return items.length ? h('ul', {}, ...items) : '—';
}

function row(c) {
  const ho = c.handover;
  return h('tr', {},
    h('th', { scope: 'row' }, c.child.name, h('br'), h('span', { class: 'muted' }, t(`cc.status.${c.status}`))),
    h('td', {}, `${c.place.start}–${c.place.end}`),
    h('td', {}, list([
      ho.dropped_off_at ? h('li', {}, `${t('cc.droppedOff')} ${ho.dropped_off_at} (${ho.received_by || ''})`) : null,
      ho.picked_up_at ? h('li', {}, `${t('cc.pickedUp')} ${ho.picked_up_at} → ${ho.collected_by || ''} (${ho.handed_by || ''})`) : null,
    ].filter(Boolean))),
    h('td', {}, list(c.naps.map((n) => h('li', {}, `${n.started_at}–${n.ended_at || ''}: `,
      n.checks.map((k) => `${k.at} ${t(`cc.pos.${k.position}`)}${k.breathing ? '' : ' !'}`).join(', ') || '—')))),
    h('td', {}, list(c.notes.map((n) => h('li', {}, `${n.at} ${t(`cc.kind.${n.kind}`)}: ${n.body}`)))),
    h('td', {}, list(c.attempts.map((a) => h('li', { class: a.allowed ? '' : 'refused' },
      `${a.at} ${a.presented}: ${a.allowed ? t('rec.allowed') : t('rec.refused')}`)))));
}

function render() {
  if (!record) return;
  $('heading').textContent = t('rec.heading', { date: record.date });
  document.title = `${t('rec.heading', { date: record.date })} | KADO`;
  $('site').textContent = getLang() === 'ja' ? record.site_name_ja : record.site_name_en;
  // The header names the record's site, not one site for everybody.
  const brand = document.getElementById('brand');
  if (brand) {
    brand.removeAttribute('data-i18n');
    brand.textContent = `KADO ${$('site').textContent}`;
  }
  if (!record.children.length) {
    $('record').replaceChildren(h('p', {}, t('rec.none')));
    return;
  }
  $('record').replaceChildren(h('table', { class: 'record' },
    h('caption', { class: 'visually-hidden' }, t('rec.heading', { date: record.date })),
    h('thead', {}, h('tr', {}, ...['rec.child', 'rec.times', 'rec.handover', 'rec.naps', 'rec.notes', 'rec.attempts']
      .map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, ...record.children.map(row))));
}

async function boot() {
  const q = new URLSearchParams(location.search);
  const site = Number(q.get('site')) || 1;
  let date = q.get('date');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date || '')) {
    // Today is the site's day on the service's clock, not the device's.
    let [zone, now] = ['Asia/Tokyo', new Date()];
    try {
      const [sites, time] = await Promise.all([api('GET', '/api/v1/sites'), api('GET', '/api/v1/time')]);
      zone = sites.find((s) => s.id === site)?.time_zone || zone;
      now = new Date(time.now);
    } catch {
      // Unreachable or logged out: the record's own request below says so.
    }
    date = localDate(zone, now);
  }
  const path = `/api/v1/sites/${site}/childcare/record?date=${date}`;
  $('download').setAttribute('href', path);
  $('back').setAttribute('href', `/childcare/?site=${site}`);
  try {
    record = await api('GET', path);
    render();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      location.replace(`/?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    $('page-message').className = 'message error';
    $('page-message').textContent = errorText(err);
  }
}

$('print').addEventListener('click', () => window.print());
onLangChange(render);
boot();
