// My bookings: desks and childcare places by day; cancel one day, the rest of a series, or a
// childcare place; waitlist positions; the private calendar feed.
//
//   GET  /api/v1/bookings?from=&to=
//   GET  /api/v1/childcare/bookings
//   POST /api/v1/bookings/{id}/cancel[?childcare=cancel|keep]
//   POST /api/v1/booking-series/{id}/cancel {from}
//   POST /api/v1/childcare/bookings/{id}/cancel
//   POST /api/v1/me/calendar-feed -> {url}

import { t } from '/shared/i18n.js';
import { api, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';
import { addDays, confirmButton, formatDate, placeStatus, serverNow, timeRange } from '/app/util.js';

export const titleKey = 'bookings.title';

const feed = { url: '' };
// The series whose dates are open, kept across re-renders (a cancel re-draws the list).
const openSeries = new Set();

/** A button that opens a question with several answers (and "go back"). */
function choices({ label, question, answers, id }) {
  const wrap = h('div', { class: 'confirm' });
  const ask = h('button', { type: 'button', class: 'btn secondary small', id }, label);
  const show = (open) => {
    wrap.replaceChildren();
    if (!open) {
      wrap.append(ask);
      return;
    }
    const q = h('p', { class: 'confirm-question', tabindex: '-1' }, question);
    const buttons = answers.map((a) => h('button', {
      type: 'button', class: a.danger ? 'btn danger small' : 'btn secondary small', 'data-answer': a.key,
      onclick: async (ev) => {
        for (const b of wrap.querySelectorAll('button')) b.disabled = true;
        try {
          await a.run(ev);
        } finally {
          if (wrap.isConnected) for (const b of wrap.querySelectorAll('button')) b.disabled = false;
        }
      },
    }, a.label));
    const back = h('button', { type: 'button', class: 'btn secondary small', onclick: () => {
      show(false);
      ask.focus();
    } }, t('common.back'));
    wrap.append(h('div', { class: 'confirm-box', role: 'group', 'aria-label': question }, q,
      h('div', { class: 'actions' }, buttons, back)));
    q.focus();
  };
  ask.addEventListener('click', () => show(true));
  show(false);
  return wrap;
}

export function mount(main, ctx, params) {
  const siteId = ctx.defaultSiteId();
  // The booking an e-mail links to (#/bookings?id=N): shown open and focused once loaded.
  let linked = Number((params && params.get('id')) || 0) || null;
  let alive = true;
  let data = null;
  let message = null; // {text, kind}
  let loadError = '';
  const root = h('div', { class: 'view bookings' });
  main.append(root);

  const upcoming = (iso) => Date.parse(iso) > serverNow().getTime();

  async function load() {
    const from = ctx.today(siteId);
    try {
      const [list, places] = await Promise.all([
        api('GET', `/api/v1/bookings?from=${from}&to=${addDays(from, 90)}`),
        api('GET', '/api/v1/childcare/bookings'),
      ]);
      data = { list, places };
      loadError = '';
    } catch (err) {
      loadError = errorText(err);
    }
    if (alive) render();
    if (alive && data && linked) showLinked();
  }

  function showLinked() {
    const item = root.querySelector(`li.booking[data-booking-id="${linked}"]`);
    linked = null;
    if (!item) return;
    const details = item.closest('details');
    if (details) {
      details.open = true;
      openSeries.add(Number(item.dataset.seriesId));
    }
    item.classList.add('linked');
    item.setAttribute('tabindex', '-1');
    item.scrollIntoView({ block: 'center' });
    item.focus();
  }

  async function act(fn, done) {
    try {
      const text = await fn();
      message = { text: typeof text === 'string' ? text : done, kind: 'ok' };
    } catch (err) {
      message = { text: errorText(err), kind: 'error' };
    }
    await load();
    const box = document.getElementById('bookings-message');
    if (box) box.focus();
  }

  function placeItem(p) {
    const when = `${formatDate(p.date)} ${timeRange(p.start, p.end)}`;
    return h('li', { class: `place status-${p.status}`, 'data-place-id': String(p.id), 'data-status': p.status,
      'data-position': p.waitlist_position || null },
    h('p', { class: 'item-line' },
      h('span', null, t('bookings.childcareFor', { name: p.child_name })),
      h('span', null, timeRange(p.start, p.end)),
      h('span', { class: `badge ${p.status === 'waitlisted' ? 'neutral' : 'ok'}` }, placeStatus(p))),
    (p.status === 'booked' || p.status === 'waitlisted') && upcoming(p.starts_at) ? confirmButton({
      label: t('bookings.cancelPlace'),
      question: t('bookings.cancelPlaceQuestion', { name: p.child_name, date: formatDate(p.date), time: timeRange(p.start, p.end) }),
      confirmLabel: t('bookings.cancelConfirm'),
      onconfirm: () => act(() => api('POST', `/api/v1/childcare/bookings/${p.id}/cancel`),
        t('bookings.cancelledPlace', { name: p.child_name })),
    }) : null);
  }

  function bookingItem(b, linked) {
    const when = timeRange(b.start, b.end);
    const live = linked.filter((p) => p.status === 'booked' || p.status === 'waitlisted');
    const canCancel = b.status === 'active' && upcoming(b.starts_at);
    const q = { date: formatDate(b.date), time: when };
    const cancel = !canCancel ? null : live.length ? choices({
      id: `cancel-${b.id}`,
      label: t('bookings.cancel'),
      question: t('bookings.cancelLinkedQuestion', q),
      answers: [
        { key: 'cancel', danger: true, label: t('bookings.cancelWithChildcare'),
          run: () => act(() => api('POST', `/api/v1/bookings/${b.id}/cancel?childcare=cancel`), t('bookings.cancelled', q)) },
        { key: 'keep', label: t('bookings.cancelKeepChildcare'),
          run: () => act(() => api('POST', `/api/v1/bookings/${b.id}/cancel?childcare=keep`), t('bookings.cancelled', q)) },
      ],
    }) : confirmButton({
      label: t('bookings.cancel'), question: t('bookings.cancelQuestion', q), confirmLabel: t('bookings.cancelConfirm'),
      onconfirm: () => act(() => api('POST', `/api/v1/bookings/${b.id}/cancel`), t('bookings.cancelled', q)),
    });
    const rest = canCancel && b.series_id ? confirmButton({
      label: t('bookings.cancelRest'), question: t('bookings.cancelRestQuestion', { date: formatDate(b.date) }),
      confirmLabel: t('bookings.cancelRestConfirm'),
      onconfirm: () => act(async () => {
        const res = await api('POST', `/api/v1/booking-series/${b.series_id}/cancel`, { from: b.date });
        return t('bookings.cancelledRest', { n: res.cancelled.length });
      }),
    }) : null;
    return h('li', { class: `booking status-${b.status}`, 'data-booking-id': String(b.id), 'data-date': b.date,
      'data-series-id': b.series_id || null },
    h('p', { class: 'item-line' },
      h('span', { class: 'item-time' }, when),
      h('span', null, `${t('word.desk')} ${b.space_name}`),
      b.series_id ? h('span', { class: 'badge neutral' }, t('word.series')) : null,
      b.status !== 'active' ? h('span', { class: 'badge ok' }, t(`booking.${b.status}`)) : null),
    cancel || rest ? h('div', { class: 'item-actions' }, cancel, rest) : null,
    linked.length ? h('ul', { class: 'sub-items' }, linked.map(placeItem)) : null);
  }

  function listSection() {
    if (loadError) return h('div', { class: 'message error', role: 'alert' }, loadError);
    if (!data) return h('p', { class: 'muted' }, t('common.loading'));
    const days = new Map();
    const day = (date) => {
      if (!days.has(date)) days.set(date, { bookings: [], places: [] });
      return days.get(date);
    };
    const liveBookings = data.list.filter((b) => b.status === 'active' || b.status === 'checked_in');
    const ids = new Set(liveBookings.map((b) => b.id));
    for (const b of liveBookings) day(b.date).bookings.push(b);
    const livePlaces = data.places.filter((p) => ['booked', 'waitlisted', 'dropped_off'].includes(p.status));
    for (const p of livePlaces) if (!p.desk_booking_id || !ids.has(p.desk_booking_id)) day(p.date).places.push(p);
    // A series is one card (its dates inside, opened on demand) instead of a card per date.
    const series = new Map();
    for (const [date, entry] of days) {
      entry.bookings = entry.bookings.filter((b) => {
        if (!b.series_id) return true;
        if (!series.has(b.series_id)) series.set(b.series_id, []);
        series.get(b.series_id).push(b);
        return false;
      });
      if (entry.bookings.length === 0 && entry.places.length === 0) days.delete(date);
    }
    if (days.size === 0 && series.size === 0) return h('p', { class: 'empty', id: 'bookings-empty' }, t('bookings.none'));
    const cards = [];
    for (const [date, entry] of days) {
      entry.bookings.sort((a, b) => a.starts_at.localeCompare(b.starts_at));
      const headingId = `day-${date}`;
      cards.push({ key: date, card: h('section', { class: 'day-card', 'aria-labelledby': headingId, 'data-date': date },
        h('h2', { id: headingId }, formatDate(date)),
        h('ul', { class: 'items' },
          entry.bookings.map((b) => bookingItem(b, livePlaces.filter((p) => p.desk_booking_id === b.id))),
          entry.places.map(placeItem))) });
    }
    for (const [id, list] of series) {
      list.sort((a, b) => a.starts_at.localeCompare(b.starts_at));
      cards.push({ key: list[0].date, card: seriesCard(id, list, livePlaces) });
    }
    cards.sort((a, b) => a.key.localeCompare(b.key));
    return h('div', { id: 'bookings-list' }, cards.map((c) => c.card));
  }

  /** One card for a series: when it runs, how many dates, and the dates behind a disclosure. */
  function seriesCard(id, list, livePlaces) {
    const first = list[0];
    const last = list[list.length - 1];
    const headingId = `series-${id}`;
    const times = [...new Set(list.map((b) => timeRange(b.start, b.end)))].join(', ');
    const kids = livePlaces.filter((p) => list.some((b) => b.id === p.desk_booking_id));
    const open = openSeries.has(id);
    const details = h('details', { class: 'series-dates', open, ontoggle: (ev) => {
      if (ev.target.open) openSeries.add(id);
      else openSeries.delete(id);
    } },
    h('summary', null, t('bookings.seriesShow', { n: list.length })),
    h('ul', { class: 'items' }, list.map((b) => {
      const item = bookingItem(b, livePlaces.filter((p) => p.desk_booking_id === b.id));
      item.querySelector('.item-line').prepend(h('span', { class: 'item-date' }, formatDate(b.date)));
      return item;
    })));
    return h('section', { class: 'day-card series-card', 'aria-labelledby': headingId, 'data-series-id': String(id),
      'data-count': String(list.length) },
    h('h2', { id: headingId }, t('bookings.seriesHeading', { from: formatDate(first.date), to: formatDate(last.date) })),
    h('p', { class: 'series-summary' }, t('bookings.seriesSummary', { n: list.length, times }),
      kids.length ? ` ${t('bookings.seriesChildcare', { n: kids.length })}` : ''),
    details);
  }

  function feedSection() {
    const urlField = feed.url ? h('div', { class: 'feed' },
      h('label', { for: 'feed-url' }, t('bookings.calendarUrl')),
      h('input', { type: 'text', id: 'feed-url', readonly: true, value: feed.url, spellcheck: 'false',
        onfocus: (ev) => ev.target.select() }),
      h('div', { class: 'actions' },
        h('a', { class: 'btn secondary small', href: feed.url.replace(/^https?:/, 'webcal:') }, t('bookings.calendarOpen')),
        h('button', { type: 'button', class: 'btn secondary small', onclick: async () => {
          try {
            await navigator.clipboard.writeText(feed.url);
            ctx.announce(t('bookings.calendarCopied'));
          } catch {
            document.getElementById('feed-url').select();
          }
        } }, t('bookings.calendarCopy')))) : null;
    return h('section', { class: 'calendar-feed', 'aria-labelledby': 'feed-heading' },
      h('h2', { id: 'feed-heading' }, t('bookings.calendar')),
      h('p', null, t('bookings.calendarIntro')),
      h('p', { class: 'hint' }, t('bookings.calendarWarn')),
      h('button', { type: 'button', class: 'btn secondary', id: 'feed-make', onclick: async () => {
        try {
          const res = await api('POST', '/api/v1/me/calendar-feed');
          feed.url = res.url;
          render();
          document.getElementById('feed-url').focus();
        } catch (err) {
          message = { text: errorText(err), kind: 'error' };
          render();
        }
      } }, t('bookings.calendarMake')),
      urlField);
  }

  function render() {
    setChildren(root, 
      h('h1', { id: 'bookings-heading' }, t('bookings.heading')),
      h('div', { id: 'bookings-message', tabindex: '-1', class: message ? `message ${message.kind}` : 'message',
        role: message && message.kind === 'error' ? 'alert' : 'status' }, message ? message.text : ''),
      listSection(),
      h('p', null, h('a', { class: 'btn secondary', href: '#/series' }, t('bookings.newSeries'))),
      feedSection());
  }

  render();
  load();
  return {
    rerender() {
      message = null;
      render();
    },
    unmount() {
      alive = false;
    },
  };
}
