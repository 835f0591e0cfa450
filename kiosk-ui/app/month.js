// My month (phone first): each day's time at the center (from the kiosk), the remote hours I
// entered and the center time I allocated to projects, the month's totals and status, the
// flags to resolve, and the month's submission. A check-out the system closed gets my
// proposed end; a reopened month asks for the reason of each change.
//
//   GET    /api/v1/me/months/{YYYY-MM}?site_id=
//   GET    /api/v1/me/assignments
//   POST   /api/v1/me/time-entries?site_id=          {kind, date, start, end, project_id, note, reason}
//   PUT    /api/v1/me/time-entries/{id}?site_id=     (the same)
//   DELETE /api/v1/me/time-entries/{id}?site_id=&reason=
//   POST   /api/v1/me/presence/{id}/correction?site_id= {end, reason}
//   POST   /api/v1/me/months/{YYYY-MM}/submit?site_id=

import { addStrings, getLocale, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';
import { field, formatDate, messageBox, nextId } from '/app/util.js';

addStrings({
  ja: {
    'month.title': '勤務',
    'month.heading': '{month}の勤務',
    'month.prev': '前の月',
    'month.next': '次の月',
    'month.status': '状態: {status}',
    'month.st.open': '入力中',
    'month.st.submitted': '提出済',
    'month.st.returned': '差し戻し',
    'month.st.approved': '承認済',
    'month.st.reopened': '再開',
    'month.comment': 'センター長のコメント: {comment}',
    'month.totals': '合計',
    'month.center': 'センター',
    'month.remote': '在宅',
    'month.total': '合計',
    'month.unallocated': '未割り振り',
    'month.days': '日ごとの時間',
    'month.col.date': '日付',
    'month.col.center': 'センター',
    'month.col.allocated': '割り振り済',
    'month.col.remote': '在宅',
    'month.col.flags': '確認',
    'month.noDays': 'この月の記録はまだありません。',
    'month.flags': '提出の前に確認してください',
    'month.flag.closed_by_system': 'チェックアウト忘れ(自動で終了)',
    'month.flag.still_in': 'チェックイン中',
    'month.flag.overlap': '時間の重なり',
    'month.flag.closed_day': '休館日の時間',
    'month.sessions': 'センターにいた時間',
    'month.autoClosed': '自動で終了',
    'month.proposeEnd': '本当の終了時刻',
    'month.proposeReason': '理由',
    'month.propose': '訂正を申請',
    'month.proposed': '申請中: {time}',
    'month.correction.confirmed': '訂正済: {time}',
    'month.correction.refused': '訂正は認められませんでした',
    'month.entries': '記録',
    'month.noEntries': '記録はまだありません。',
    'month.kind.remote': '在宅',
    'month.kind.center': 'センター',
    'month.edit': '直す',
    'month.editLabel': '{date} {time} の記録を直す',
    'month.delete': '削除',
    'month.deleteLabel': '{date} {time} の記録を削除',
    'month.add': '時間を入力',
    'month.editing': '記録を直す',
    'month.kind': '種類',
    'month.date': '日付',
    'month.start': '開始',
    'month.end': '終了',
    'month.project': 'プロジェクト',
    'month.note': '内容',
    'month.reason': '変更の理由',
    'month.save': '保存',
    'month.cancelEdit': 'やめる',
    'month.noProjects': '割り当てられたプロジェクトがありません。センター長にお問い合わせください。',
    'month.saved': '保存しました。',
    'month.deleted': '削除しました。',
    'month.proposedDone': '訂正を申請しました。センター長が確認します。',
    'month.submit': 'この月を提出',
    'month.submitted': '提出しました。',
    'month.minutes': '{h}時間{m}分',
    'month.history': '履歴',
    'month.what.submitted': '提出',
    'month.what.returned': '差し戻し',
    'month.what.approved': '承認',
    'month.what.reopened': '再開',
    'month.what.entry_added': '記録の追加',
    'month.what.entry_changed': '記録の変更',
    'month.what.entry_removed': '記録の削除',
    'month.what.end_proposed': '終了時刻の訂正申請',
    'month.what.end_confirmed': '訂正の承認',
    'month.what.end_refused': '訂正の却下',
  },
  en: {
    'month.title': 'My month',
    'month.heading': 'My month: {month}',
    'month.prev': 'Previous month',
    'month.next': 'Next month',
    'month.status': 'Status: {status}',
    'month.st.open': 'Open',
    'month.st.submitted': 'Submitted',
    'month.st.returned': 'Returned',
    'month.st.approved': 'Approved',
    'month.st.reopened': 'Reopened',
    'month.comment': "Director's comment: {comment}",
    'month.totals': 'Totals',
    'month.center': 'At the center',
    'month.remote': 'Remote',
    'month.total': 'Total',
    'month.unallocated': 'Not allocated',
    'month.days': 'Day by day',
    'month.col.date': 'Date',
    'month.col.center': 'Center',
    'month.col.allocated': 'Allocated',
    'month.col.remote': 'Remote',
    'month.col.flags': 'To check',
    'month.noDays': 'Nothing recorded this month yet.',
    'month.flags': 'Check these before you submit',
    'month.flag.closed_by_system': 'Forgotten check-out (closed by the system)',
    'month.flag.still_in': 'Still checked in',
    'month.flag.overlap': 'Overlapping times',
    'month.flag.closed_day': 'Hours on a closed day',
    'month.sessions': 'Time at the center',
    'month.autoClosed': 'Closed by the system',
    'month.proposeEnd': 'Real end time',
    'month.proposeReason': 'Reason',
    'month.propose': 'Propose the correction',
    'month.proposed': 'Proposed: {time}',
    'month.correction.confirmed': 'Corrected: {time}',
    'month.correction.refused': 'The correction was refused',
    'month.entries': 'Entries',
    'month.noEntries': 'No entries yet.',
    'month.kind.remote': 'Remote',
    'month.kind.center': 'Center',
    'month.edit': 'Edit',
    'month.editLabel': 'Edit the entry of {date} {time}',
    'month.delete': 'Delete',
    'month.deleteLabel': 'Delete the entry of {date} {time}',
    'month.add': 'Enter time',
    'month.editing': 'Edit the entry',
    'month.kind': 'Kind',
    'month.date': 'Date',
    'month.start': 'Start',
    'month.end': 'End',
    'month.project': 'Project',
    'month.note': 'What was done',
    'month.reason': 'Reason for the change',
    'month.save': 'Save',
    'month.cancelEdit': 'Cancel',
    'month.noProjects': 'You have no project assigned. Please ask your director.',
    'month.saved': 'Saved.',
    'month.deleted': 'Deleted.',
    'month.proposedDone': 'Correction proposed. A director will check it.',
    'month.submit': 'Submit this month',
    'month.submitted': 'Submitted.',
    'month.minutes': '{h} h {m} min',
    'month.history': 'History',
    'month.what.submitted': 'Submitted',
    'month.what.returned': 'Returned',
    'month.what.approved': 'Approved',
    'month.what.reopened': 'Reopened',
    'month.what.entry_added': 'Entry added',
    'month.what.entry_changed': 'Entry changed',
    'month.what.entry_removed': 'Entry removed',
    'month.what.end_proposed': 'End time proposed',
    'month.what.end_confirmed': 'Correction confirmed',
    'month.what.end_refused': 'Correction refused',
  },
});

export const titleKey = 'month.title';

/** The entry form's ids of the API's fields. */
const ENTRY_FIELDS = {
  kind: 'entry-kind', date: 'entry-date', start: 'entry-start', end: 'entry-end',
  project_id: 'entry-project', note: 'entry-note', reason: 'entry-reason',
};

/** "3時間30分" / "3 h 30 min". */
export function duration(minutes) {
  return t('month.minutes', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

function shiftMonth(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function monthName(ym) {
  const [y, m] = ym.split('-').map(Number);
  return new Intl.DateTimeFormat(getLocale(), { year: 'numeric', month: 'long', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}

function localTime(iso, timeZone) {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

export function mount(main, ctx, params) {
  const siteId = ctx.defaultSiteId();
  const tz = ctx.site(siteId).time_zone || 'Asia/Tokyo';
  const asked = params.get('m');
  let month = /^\d{4}-\d{2}$/.test(asked || '') ? asked : ctx.today(siteId).slice(0, 7);
  let alive = true;
  let data = null;
  let projects = [];
  let history = [];
  let editing = null;
  const root = h('div', { class: 'view month' });
  const status = h('div', { class: 'message', id: 'month-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { id: 'month-body', 'aria-busy': 'true' });
  main.append(root);
  const q = `site_id=${siteId}`;

  function render() {
    setChildren(root,
      h('h1', { id: 'month-heading' }, t('month.heading', { month: monthName(month) })),
      h('div', { class: 'actions month-nav' },
        h('button', { type: 'button', class: 'btn secondary small', id: 'month-prev', onclick: () => go(-1) }, t('month.prev')),
        h('button', { type: 'button', class: 'btn secondary small', id: 'month-next', onclick: () => go(1) }, t('month.next'))),
      status, body);
    if (data) draw();
  }

  function go(n) {
    month = shiftMonth(month, n);
    editing = null;
    ctx.navigate(`#/month?m=${month}`);
  }

  function say(kind, text) {
    status.className = `message ${kind}`;
    status.textContent = text;
  }

  function draw() {
    const m = data;
    const editable = ['open', 'returned', 'reopened'].includes(m.status);
    setChildren(body,
      h('p', { id: 'month-state', 'data-status': m.status }, h('span', { class: `badge${m.status === 'approved' ? ' ok' : ''}` },
        t('month.status', { status: t(`month.st.${m.status}`) }))),
      m.comment ? h('p', { class: 'message info' }, t('month.comment', { comment: m.comment })) : null,
      h('section', { 'aria-labelledby': 'month-totals' },
        h('h2', { id: 'month-totals' }, t('month.totals')),
        h('dl', { class: 'totals', id: 'month-totals-list' },
          h('dt', null, t('month.center')), h('dd', { id: 'total-center' }, duration(m.total_center_minutes)),
          h('dt', null, t('month.remote')), h('dd', { id: 'total-remote' }, duration(m.total_remote_minutes)),
          h('dt', null, t('month.total')), h('dd', { id: 'total-all' }, duration(m.total_minutes)),
          h('dt', null, t('month.unallocated')), h('dd', { id: 'total-unallocated' }, duration(m.unallocated_minutes)))),
      m.flags.length ? h('section', { 'aria-labelledby': 'month-flags', class: 'message info', id: 'month-flag-box' },
        h('h2', { id: 'month-flags' }, t('month.flags')),
        h('ul', { id: 'month-flag-list' }, m.flags.map((f) => h('li', null, `${formatDate(f.date)}: ${t(`month.flag.${f.flag}`)}`)))) : null,
      h('section', { 'aria-labelledby': 'month-days' },
        h('h2', { id: 'month-days' }, t('month.days')),
        dataTable(null, [
          { label: t('month.col.date'), cell: (d) => formatDate(d.date) },
          { label: t('month.col.center'), cell: (d) => duration(d.center_minutes) },
          { label: t('month.col.allocated'), cell: (d) => duration(d.allocated_minutes) },
          { label: t('month.col.remote'), cell: (d) => duration(d.remote_minutes) },
          { label: t('month.col.flags'), cell: (d) => d.flags.map((f) => t(`month.flag.${f}`)).join(', ') },
        ], m.days, { emptyText: t('month.noDays') })),
      m.sessions.length ? h('section', { 'aria-labelledby': 'month-sessions' },
        h('h2', { id: 'month-sessions' }, t('month.sessions')),
        h('ul', { class: 'items' }, m.sessions.map((s) => sessionCard(s, editable)))) : null,
      h('section', { 'aria-labelledby': 'month-entries' },
        h('h2', { id: 'month-entries' }, t('month.entries')),
        m.entries.length === 0 ? h('p', { class: 'empty' }, t('month.noEntries'))
          : h('ul', { class: 'items', id: 'entry-list' }, m.entries.map((e) => entryCard(e, editable)))),
      editable ? entryForm(m) : null,
      editable ? h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', id: 'month-submit', onclick: submit }, t('month.submit'))) : null,
      history.length ? h('section', { 'aria-labelledby': 'month-history' },
        h('h2', { id: 'month-history' }, t('month.history')),
        h('ol', { class: 'items', id: 'history-list' }, history.map((c) => h('li', { class: 'card' },
          h('strong', null, `${formatDate(new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(c.changed_at)))} ${localTime(c.changed_at, tz)}`),
          ` ${c.changed_by_name}: ${t(`month.what.${c.what}`)}`,
          c.reason ? h('p', { class: 'hint' }, c.reason) : null)))) : null);
  }

  function sessionCard(s, editable) {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(s.checked_in_at));
    const span = `${formatDate(day)} ${localTime(s.checked_in_at, tz)}-${s.checked_out_at ? localTime(s.checked_out_at, tz) : ''}`;
    const c = s.correction;
    let extra = null;
    if (c && c.status === 'proposed') extra = h('p', { class: 'hint' }, t('month.proposed', { time: localTime(c.proposed_end, tz) }));
    else if (c && c.status === 'confirmed') extra = h('p', { class: 'hint' }, t('month.correction.confirmed', { time: localTime(c.proposed_end, tz) }));
    else if (c) extra = h('p', { class: 'hint' }, t('month.correction.refused'));
    else if (s.closed_by_system && editable) extra = proposeForm(s);
    return h('li', { class: 'card', 'data-session': String(s.id) },
      h('strong', null, span), s.closed_by_system ? [' ', h('span', { class: 'badge' }, t('month.autoClosed'))] : null, extra);
  }

  function proposeForm(s) {
    const endId = nextId('propose-end');
    const reasonId = nextId('propose-reason');
    const end = h('input', { id: endId, type: 'time', required: true });
    const reason = h('input', { id: reasonId, type: 'text', required: true, maxlength: '500' });
    return h('form', {
      class: 'inline-form', novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        await act(() => api('POST', `/api/v1/me/presence/${s.id}/correction?${q}`, { end: end.value, reason: reason.value }), 'month.proposedDone',
          { end: endId, reason: reasonId });
      },
    },
    field({ id: endId, label: t('month.proposeEnd'), control: end }),
    field({ id: reasonId, label: t('month.proposeReason'), control: reason }),
    h('button', { type: 'submit', class: 'btn small' }, t('month.propose')));
  }

  function entryCard(e, editable) {
    const date = formatDate(e.date);
    const time = `${e.start}-${e.end}`;
    return h('li', { class: 'card', 'data-entry': String(e.id) },
      h('strong', null, `${date} ${time}`), ' ',
      h('span', { class: 'badge' }, t(`month.kind.${e.kind}`)),
      h('p', null, `${e.project_name || ''} · ${duration(e.minutes)}`),
      e.note ? h('p', { class: 'hint' }, e.note) : null,
      editable ? h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'btn secondary small', 'aria-label': t('month.editLabel', { date, time }),
          onclick: () => { editing = e; draw(); document.getElementById('entry-kind')?.focus(); },
        }, t('month.edit')),
        h('button', {
          type: 'button', class: 'btn secondary small', 'aria-label': t('month.deleteLabel', { date, time }),
          onclick: () => remove(e),
        }, t('month.delete'))) : null);
  }

  function entryForm(m) {
    if (projects.length === 0) return h('p', { class: 'message info', id: 'no-projects' }, t('month.noProjects'));
    const e = editing || {};
    const kind = h('select', { id: 'entry-kind' },
      ['remote', 'center'].map((k) => h('option', { value: k, selected: (e.kind || 'remote') === k }, t(`month.kind.${k}`))));
    const date = h('input', { id: 'entry-date', type: 'date', required: true, value: e.date || '', min: `${month}-01`, max: `${month}-31` });
    const start = h('input', { id: 'entry-start', type: 'time', required: true, value: e.start || '' });
    const end = h('input', { id: 'entry-end', type: 'time', required: true, value: e.end === '24:00' ? '' : (e.end || '') });
    const project = h('select', { id: 'entry-project' },
      projects.map((p) => h('option', { value: String(p.project_id), selected: e.project_id === p.project_id }, `${p.client_name} / ${p.project_name}`)));
    const note = h('input', { id: 'entry-note', type: 'text', maxlength: '500', value: e.note || '' });
    const reason = m.status === 'reopened' ? h('input', { id: 'entry-reason', type: 'text', required: true, maxlength: '500' }) : null;
    const form = h('form', {
      class: 'card', id: 'entry-form', novalidate: true, 'aria-labelledby': 'entry-form-heading',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const payload = {
          kind: kind.value, date: date.value, start: start.value, end: end.value,
          project_id: Number(project.value), note: note.value,
        };
        if (reason) payload.reason = reason.value;
        const path = editing ? `/api/v1/me/time-entries/${editing.id}?${q}` : `/api/v1/me/time-entries?${q}`;
        const ok = await act(() => api(editing ? 'PUT' : 'POST', path, payload), 'month.saved', ENTRY_FIELDS);
        if (ok) editing = null;
      },
    },
    h('h2', { id: 'entry-form-heading' }, t(editing ? 'month.editing' : 'month.add')),
    field({ id: 'entry-kind', label: t('month.kind'), control: kind }),
    field({ id: 'entry-date', label: t('month.date'), control: date }),
    field({ id: 'entry-start', label: t('month.start'), control: start }),
    field({ id: 'entry-end', label: t('month.end'), control: end }),
    field({ id: 'entry-project', label: t('month.project'), control: project }),
    field({ id: 'entry-note', label: t('month.note'), control: note }),
    reason ? field({ id: 'entry-reason', label: t('month.reason'), control: reason }) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn', id: 'entry-save' }, t('month.save')),
      editing ? h('button', { type: 'button', class: 'btn secondary', onclick: () => { editing = null; draw(); } }, t('month.cancelEdit')) : null));
    return form;
  }

  async function remove(e) {
    let reason = '';
    if (data.status === 'reopened') {
      reason = window.prompt(t('month.reason')) || '';
    }
    await act(() => api('DELETE', `/api/v1/me/time-entries/${e.id}?${q}&reason=${encodeURIComponent(reason)}`), 'month.deleted');
  }

  async function submit() {
    await act(() => api('POST', `/api/v1/me/months/${month}/submit?${q}`), 'month.submitted');
  }

  /** Runs a change, says how it went (and next to the field the server named: `fields` maps
   *  the API's field names to the form's ids), reloads. */
  async function act(call, done, fields = ENTRY_FIELDS) {
    try {
      await call();
      say('ok', t(done));
      await load();
      return true;
    } catch (err) {
      const fieldName = err instanceof ApiError && err.errors && err.errors[0] ? err.errors[0].field : null;
      say('error', errorText(err));
      const id = fieldName ? fields[fieldName] : null;
      const el = id && document.getElementById(id);
      const note = id && document.getElementById(`${id}-error`);
      if (el && note) {
        el.setAttribute('aria-invalid', 'true');
        el.setAttribute('aria-describedby', note.id);
        note.textContent = err.errors[0].message || errorText(err);
        note.hidden = false;
      }
      return false;
    }
  }

  async function load() {
    body.setAttribute('aria-busy', 'true');
    try {
      const [m, mine] = await Promise.all([
        api('GET', `/api/v1/me/months/${month}?${q}`),
        api('GET', '/api/v1/me/assignments'),
      ]);
      history = m.timesheet_id ? await api('GET', `/api/v1/timesheets/${m.timesheet_id}/history`) : [];
      if (!alive) return;
      data = m;
      projects = mine.filter((a) => a.site_id === siteId);
      draw();
    } catch (err) {
      if (!alive) return;
      body.replaceChildren(messageBox(errorText(err)));
    }
    body.setAttribute('aria-busy', 'false');
  }

  render();
  load();
  return {
    rerender() {
      render();
    },
    unmount() {
      alive = false;
    },
  };
}
