// My child today (a guardian, on the phone): dropped off at, by whom received, naps, the
// caregivers' notes, collected at and by whom. One section per child with a place today.
//
//   GET /api/v1/children/{id}/today -> {child_id, name, places: [...]}

import { addStrings, t } from '/shared/i18n.js';
import { errorText, api } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';

addStrings({
  ja: {
    'today.title': '今日のお子さま',
    'today.heading': '今日のお子さま',
    'today.none': '今日の託児はありません。',
    'today.booked': '予約 {start}–{end}',
    'today.dropped': 'お預かり {at}({by})',
    'today.notYet': 'まだお預かりしていません。',
    'today.naps': 'お昼寝',
    'today.napRunning': '{from}から お昼寝中',
    'today.nap': '{from}–{to}',
    'today.notes': '保育士からのひとこと',
    'today.collected': 'お迎え {at}({by})',
    'today.refresh': '更新',
    'today.kind.meal': '食事',
    'today.kind.toilet': 'トイレ',
    'today.kind.mood': '機嫌',
    'today.kind.note': 'メモ',
    'today.status.expected': 'お預かり前',
    'today.status.here': '託児室にいます',
    'today.status.collected': 'お迎え済み',
    'today.status.absent': '欠席',
    'today.status.waitlisted': 'キャンセル待ち',
  },
  en: {
    'today.title': 'My child today',
    'today.heading': 'My child today',
    'today.none': 'No childcare today.',
    'today.booked': 'Booked {start}–{end}',
    'today.dropped': 'Dropped off {at} (received by {by})',
    'today.notYet': 'Not dropped off yet.',
    'today.naps': 'Naps',
    'today.napRunning': 'Napping since {from}',
    'today.nap': '{from}–{to}',
    'today.notes': 'From the caregivers',
    'today.collected': 'Collected {at} (by {by})',
    'today.refresh': 'Refresh',
    'today.kind.meal': 'Meal',
    'today.kind.toilet': 'Toilet',
    'today.kind.mood': 'Mood',
    'today.kind.note': 'Note',
    'today.status.expected': 'Not dropped off yet',
    'today.status.here': 'In the childcare room',
    'today.status.collected': 'Collected',
    'today.status.waitlisted': 'Waitlisted',
    'today.status.absent': 'Absent',
  },
});

export const titleKey = 'today.title';

function placeView(p) {
  return h('div', { class: 'card' },
    h('p', {}, h('strong', {}, t(`today.status.${p.status}`)), ' · ', t('today.booked', { start: p.start, end: p.end })),
    h('p', {}, p.dropped_off_at ? t('today.dropped', { at: p.dropped_off_at, by: p.received_by || '' }) : t('today.notYet')),
    p.naps.length ? [h('h3', {}, t('today.naps')), h('ul', {}, ...p.naps.map((n) => h('li', {},
      n.ended_at ? t('today.nap', { from: n.started_at, to: n.ended_at }) : t('today.napRunning', { from: n.started_at }))))] : null,
    p.notes.length ? [h('h3', {}, t('today.notes')), h('ul', {}, ...p.notes.map((n) => h('li', {},
      `${n.at} ${t(`today.kind.${n.kind}`)}: ${n.body}`)))] : null,
    p.picked_up_at ? h('p', {}, t('today.collected', { at: p.picked_up_at, by: p.collected_by || '' })) : null);
}

export function mount(main, ctx) {
  let alive = true;
  let days = null;
  let error = '';
  const root = h('div', { class: 'view child-day' });
  main.append(root);

  function render() {
    const shown = (days || []).filter((d) => d.places.length);
    setChildren(root,
      h('h1', {}, t('today.heading')),
      error ? h('div', { class: 'message error', role: 'alert' }, error) : null,
      days === null && !error ? h('p', { class: 'muted' }, t('common.loading')) : null,
      days !== null && !shown.length ? h('p', {}, t('today.none')) : null,
      ...shown.map((d) => h('section', { 'aria-labelledby': `today-${d.child_id}` },
        h('h2', { id: `today-${d.child_id}` }, d.name), ...d.places.map(placeView))),
      h('button', { type: 'button', class: 'btn secondary', onclick: load }, t('today.refresh')));
  }

  async function load() {
    try {
      const list = await Promise.all(ctx.activeChildren().map((c) => api('GET', `/api/v1/children/${c.id}/today`)));
      if (!alive) return;
      days = list;
      error = '';
    } catch (err) {
      error = errorText(err);
    }
    if (alive) render();
  }

  render();
  load();
  return {
    unmount() { alive = false; },
    rerender: render,
  };
}
