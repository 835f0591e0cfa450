// The trainer's page (desktop and tablet): the day's sessions at a site, a session's roster
// with the kiosk's arrivals as they come (polled every few seconds), and marks by hand with a
// reason, each kept in the record's history.
//
//   GET  /api/v1/auth/me, GET /api/v1/sites, GET /api/v1/time
//   GET  /api/v1/sites/{id}/training/sessions?from=YYYY-MM-DD
//   GET  /api/v1/training/sessions/{id}/roster
//   POST /api/v1/training/sessions/{id}/marks {person_id, attendance, reason}
//   GET  /api/v1/training/enrolments/{id}/history
//   GET  /api/v1/training/courses, /api/v1/sites/{id}/spaces, /api/v1/sites/{id}/training/trainers
//   POST /api/v1/sites/{id}/training/sessions {course_id, space_id, date, start, end, capacity, trainer_id}

import { getLang, initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';
import { localDate } from '/shared/time.js';

initI18n({
  ja: {
    'app.title': 'KADO 塩尻',
    'common.skip': '本文へ移動',
    'trainer.pageTitle': '研修 | KADO',
    'trainer.heading': '講座の日程と出欠',
    'trainer.loginRequired': 'この画面を使うにはログインが必要です。',
    'trainer.notTrainer': '講師またはセンター長の権限がありません。',
    'trainer.site': '拠点',
    'trainer.date': '日付',
    'trainer.sessions': 'この日の講座',
    'trainer.noSessions': 'この日の講座はありません。',
    'trainer.col.time': '時間',
    'trainer.col.course': '講座',
    'trainer.col.room': '場所',
    'trainer.col.places': '申込 / 定員',
    'trainer.col.open': '出欠',
    'trainer.online': 'オンライン',
    'trainer.openRoster': '出欠を開く',
    'trainer.col.cancel': '中止',
    'trainer.cancel': '中止する',
    'trainer.cancelLabel': '中止する: {time} の {course}',
    'trainer.cancelConfirm': '{time} の {course} を中止しますか？ 申込者全員にメールでお知らせし、部屋の予約を解除します。',
    'trainer.cancelled': '中止',
    'trainer.cancelledNow': '{course} を中止しました。申込者にメールでお知らせします。',
    'trainer.openRosterLabel': '{course} {time} の出欠を開く',
    'trainer.rosterHeading': '{course}（{time}）の出欠',
    'trainer.summary': '到着 {arrived} 人 / 申込 {enrolled} 人・キャンセル待ち {waitlisted} 人',
    'trainer.noPeople': 'まだ申込はありません。',
    'trainer.col.name': '氏名',
    'trainer.col.status': '申込',
    'trainer.col.attendance': '出欠',
    'trainer.col.arrived': '到着',
    'trainer.col.left': '退出',
    'trainer.col.minutes': '出席（分）',
    'trainer.col.mark': '手動で記録',
    'trainer.status.enrolled': '申込済',
    'trainer.status.waitlisted': 'キャンセル待ち',
    'trainer.att.none': '未記録',
    'trainer.att.present': '出席',
    'trainer.att.late': '遅刻',
    'trainer.att.excused': '公欠',
    'trainer.att.absent': '欠席',
    'trainer.markAs': '{name} の出欠',
    'trainer.reason': '{name} の理由',
    'trainer.reasonPlaceholder': '理由',
    'trainer.save': '記録',
    'trainer.saveLabel': '{name} の出欠を記録',
    'trainer.saved': '{name} を「{mark}」と記録しました。',
    'trainer.history': '履歴',
    'trainer.historyLabel': '{name} の履歴',
    'trainer.historyHeading': '{name} の記録の履歴',
    'trainer.noHistory': '記録はまだありません。',
    'trainer.col.when': '日時',
    'trainer.col.who': '記録者',
    'trainer.col.change': '変更',
    'trainer.col.reason': '理由',
    'trainer.kiosk': 'キオスク',
    'trainer.arrivedNow': '{name} が到着しました。',
    'nav.label': '研修メニュー',
    'nav.sessions': '講座の日程と出欠',
    'nav.courses': '講座と必修プログラム',
    'schedule.heading': '講座の日程を作る',
    'schedule.course': '講座',
    'schedule.noCourses': 'この拠点で開ける講座はありません',
    'schedule.room': '部屋',
    'schedule.online': 'オンライン（部屋なし・出欠は講師が記録）',
    'schedule.roomOption': '{name}（{seats} 席）',
    'schedule.roomHint': '部屋は予約システムで押さえます。その時間に予約があると作れません。',
    'schedule.date': '日付',
    'schedule.start': '開始',
    'schedule.end': '終了',
    'schedule.timesHint': '時刻は拠点の時間帯（{zone}）で、開館時間内にしてください。',
    'schedule.capacity': '定員（1〜500）',
    'schedule.trainer': '講師',
    'schedule.submit': '日程を作る',
    'schedule.created': '{date} {start}–{end} の {course} を作りました。',
    'schedule.fixErrors': '入力内容を確認してください。',
  },
  en: {
    'app.title': 'KADO Shiojiri',
    'common.skip': 'Skip to content',
    'trainer.pageTitle': 'Training | KADO',
    'trainer.heading': 'Sessions and attendance',
    'trainer.loginRequired': 'Please log in to use this page.',
    'trainer.notTrainer': 'You are not a trainer or director of any site.',
    'trainer.site': 'Site',
    'trainer.date': 'Date',
    'trainer.sessions': 'Sessions of the day',
    'trainer.noSessions': 'No sessions that day.',
    'trainer.col.time': 'Time',
    'trainer.col.course': 'Course',
    'trainer.col.room': 'Where',
    'trainer.col.places': 'Enrolled / places',
    'trainer.col.open': 'Attendance',
    'trainer.online': 'Online',
    'trainer.openRoster': 'Open roster',
    'trainer.col.cancel': 'Cancel',
    'trainer.cancel': 'Cancel session',
    'trainer.cancelLabel': 'Cancel session: {course} at {time}',
    'trainer.cancelConfirm': 'Cancel {course} at {time}? Everyone booked is told by e-mail and the room is freed.',
    'trainer.cancelled': 'Cancelled',
    'trainer.cancelledNow': '{course} is cancelled. Everyone booked will be told by e-mail.',
    'trainer.openRosterLabel': 'Open roster: {course} at {time}',
    'trainer.rosterHeading': 'Roster: {course} ({time})',
    'trainer.summary': '{arrived} arrived / {enrolled} enrolled, {waitlisted} waitlisted',
    'trainer.noPeople': 'Nobody has enrolled yet.',
    'trainer.col.name': 'Name',
    'trainer.col.status': 'Enrolment',
    'trainer.col.attendance': 'Attendance',
    'trainer.col.arrived': 'Arrived',
    'trainer.col.left': 'Left',
    'trainer.col.minutes': 'Minutes present',
    'trainer.col.mark': 'Mark by hand',
    'trainer.status.enrolled': 'Enrolled',
    'trainer.status.waitlisted': 'Waitlisted',
    'trainer.att.none': 'Not marked',
    'trainer.att.present': 'Present',
    'trainer.att.late': 'Late',
    'trainer.att.excused': 'Excused',
    'trainer.att.absent': 'Absent',
    'trainer.markAs': 'Attendance of {name}',
    'trainer.reason': 'Reason for {name}',
    'trainer.reasonPlaceholder': 'Reason',
    'trainer.save': 'Mark',
    'trainer.saveLabel': 'Mark the attendance of {name}',
    'trainer.saved': '{name} marked “{mark}”.',
    'trainer.history': 'History',
    'trainer.historyLabel': 'History of {name}',
    'trainer.historyHeading': 'Record history of {name}',
    'trainer.noHistory': 'Nothing recorded yet.',
    'trainer.col.when': 'When',
    'trainer.col.who': 'By',
    'trainer.col.change': 'Change',
    'trainer.col.reason': 'Reason',
    'trainer.kiosk': 'Kiosk',
    'trainer.arrivedNow': '{name} has arrived.',
    'nav.label': 'Training menu',
    'nav.sessions': 'Sessions and attendance',
    'nav.courses': 'Courses and programme',
    'schedule.heading': 'Schedule a session',
    'schedule.course': 'Course',
    'schedule.noCourses': 'No course this site can run',
    'schedule.room': 'Room',
    'schedule.online': 'Online (no room; the trainer marks attendance)',
    'schedule.roomOption': '{name} ({seats} seats)',
    'schedule.roomHint': 'The room is reserved through the booking system: it must be free at that time.',
    'schedule.date': 'Date',
    'schedule.start': 'Start',
    'schedule.end': 'End',
    'schedule.timesHint': 'Times in the site’s time zone ({zone}), within its opening hours.',
    'schedule.capacity': 'Places (1-500)',
    'schedule.trainer': 'Trainer',
    'schedule.submit': 'Schedule session',
    'schedule.created': '{course} scheduled on {date}, {start}–{end}.',
    'schedule.fixErrors': 'Please check the fields marked below.',
  },
});

const POLL_MS = 4000;
const MARKS = ['present', 'late', 'excused', 'absent'];

const el = (id) => document.getElementById(id);
const state = {
  me: null, sites: [], siteId: null, date: null, sessions: [], open: null, roster: null, timer: null,
  courses: [], rooms: [], trainers: [],
};


const attLabel = (a) => t(`trainer.att.${a || 'none'}`);

async function loadSessions() {
  const list = el('sessions-list');
  list.setAttribute('aria-busy', 'true');
  try {
    state.sessions = await api('GET', `/api/v1/sites/${state.siteId}/training/sessions?from=${state.date}`);
    renderSessions();
    el('sessions-status').textContent = '';
  } catch (err) {
    el('sessions-status').textContent = errorText(err);
  }
  list.setAttribute('aria-busy', 'false');
}

function renderSessions() {
  setChildren(el('sessions-list'), dataTable(null, [
    { label: t('trainer.col.time'), cell: (s) => `${s.start}–${s.end}` },
    { label: t('trainer.col.course'), cell: (s) => s.course_name },
    { label: t('trainer.col.room'), cell: (s) => s.room || t('trainer.online') },
    { label: t('trainer.col.places'), cell: (s) => (s.cancelled ? t('trainer.cancelled') : `${s.enrolled} / ${s.capacity}`) },
    {
      label: t('trainer.col.open'),
      cell: (s) => h('button', {
        type: 'button', class: 'btn small', id: `open-${s.id}`,
        'aria-label': t('trainer.openRosterLabel', { course: s.course_name, time: s.start }),
        onclick: () => openRoster(s.id, true),
      }, t('trainer.openRoster')),
    },
    {
      label: t('trainer.col.cancel'),
      cell: (s) => (s.cancelled ? '' : h('button', {
        type: 'button', class: 'btn secondary small', id: `cancel-${s.id}`,
        'aria-label': t('trainer.cancelLabel', { course: s.course_name, time: s.start }),
        onclick: () => cancelSession(s),
      }, t('trainer.cancel'))),
    },
  ], state.sessions, { emptyText: t('trainer.noSessions') }));
}

async function cancelSession(s) {
  if (!window.confirm(t('trainer.cancelConfirm', { course: s.course_name, time: s.start }))) return;
  try {
    await api('POST', `/api/v1/training/sessions/${s.id}/cancel`);
    // Said once the list shows it (the list's reload clears the status line).
    await loadSessions();
    el('sessions-status').textContent = t('trainer.cancelledNow', { course: s.course_name });
  } catch (err) {
    el('sessions-status').textContent = errorText(err);
  }
}

async function openRoster(id, focus) {
  state.open = id;
  el('roster-section').hidden = false;
  el('history').replaceChildren();
  await refreshRoster(true);
  if (focus) el('roster-heading').focus();
  clearInterval(state.timer);
  state.timer = setInterval(() => refreshRoster(false), POLL_MS);
}

async function refreshRoster(full) {
  if (!state.open) return;
  // A form being filled in is not redrawn under the trainer's hands.
  const active = document.activeElement;
  if (!full && active && el('roster-list').contains(active) && active.tagName !== 'BUTTON') return;
  try {
    const before = state.roster;
    const r = await api('GET', `/api/v1/training/sessions/${state.open}/roster`);
    state.roster = r;
    if (before && before.session.id === r.session.id) {
      for (const p of r.people) {
        const was = before.people.find((x) => x.enrolment_id === p.enrolment_id);
        if (p.arrived && was && !was.arrived) el('roster-status').textContent = t('trainer.arrivedNow', { name: p.name });
      }
    }
    renderRoster();
  } catch (err) {
    el('roster-status').textContent = errorText(err);
  }
}

function renderRoster() {
  const r = state.roster;
  if (!r) return;
  const s = r.session;
  el('roster-heading').textContent = t('trainer.rosterHeading', { course: s.course_name, time: `${s.start}–${s.end}` });
  const enrolled = r.people.filter((p) => p.status === 'enrolled');
  el('roster-summary').textContent = t('trainer.summary', {
    arrived: enrolled.filter((p) => p.arrived).length, enrolled: enrolled.length, waitlisted: r.people.length - enrolled.length,
  });
  const focused = document.activeElement && document.activeElement.id;
  setChildren(el('roster-list'), dataTable(null, [
    { label: t('trainer.col.name'), cell: (p) => p.name },
    { label: t('trainer.col.status'), cell: (p) => t(`trainer.status.${p.status}`) },
    {
      label: t('trainer.col.attendance'),
      cell: (p) => h('span', { class: `badge${p.attendance === 'present' ? ' ok' : ''}`, 'data-attendance': p.attendance || 'none', id: `att-${p.person_id}` },
        attLabel(p.attendance)),
    },
    { label: t('trainer.col.arrived'), cell: (p) => p.arrived || '—' },
    { label: t('trainer.col.left'), cell: (p) => p.left || '—' },
    { label: t('trainer.col.minutes'), cell: (p) => String(p.minutes_present) },
    { label: t('trainer.col.mark'), cell: (p) => (p.status === 'enrolled' ? markForm(p) : '—') },
  ], r.people, { emptyText: t('trainer.noPeople') }));
  if (focused) {
    const again = document.getElementById(focused);
    if (again) again.focus();
  }
}

function markForm(p) {
  const select = h('select', { id: `mark-${p.person_id}`, 'aria-label': t('trainer.markAs', { name: p.name }) },
    MARKS.map((m) => h('option', { value: m, selected: m === (p.attendance || 'present') }, attLabel(m))));
  const reason = h('input', {
    type: 'text', id: `reason-${p.person_id}`, maxlength: '500', required: true,
    placeholder: t('trainer.reasonPlaceholder'), 'aria-label': t('trainer.reason', { name: p.name }),
  });
  const form = h('form', {
    class: 'mark-form', novalidate: true,
    onsubmit: async (ev) => {
      ev.preventDefault();
      const status = el('roster-status');
      try {
        await api('POST', `/api/v1/training/sessions/${state.open}/marks`, {
          person_id: p.person_id, attendance: select.value, reason: reason.value,
        });
        status.textContent = t('trainer.saved', { name: p.name, mark: attLabel(select.value) });
        reason.value = '';
        document.activeElement.blur();
        await refreshRoster(true);
      } catch (err) {
        status.textContent = errorText(err);
        reason.focus();
      }
    },
  },
  select, reason,
  h('button', { type: 'submit', class: 'btn small', id: `save-${p.person_id}`, 'aria-label': t('trainer.saveLabel', { name: p.name }) }, t('trainer.save')),
  h('button', {
    type: 'button', class: 'btn secondary small', id: `history-${p.person_id}`,
    'aria-label': t('trainer.historyLabel', { name: p.name }),
    onclick: () => showHistory(p),
  }, t('trainer.history')));
  return form;
}

async function showHistory(p) {
  const box = el('history');
  try {
    const lines = await api('GET', `/api/v1/training/enrolments/${p.enrolment_id}/history`);
    setChildren(box, h('h3', { id: 'history-heading', tabindex: '-1' }, t('trainer.historyHeading', { name: p.name })),
      dataTable(null, [
        { label: t('trainer.col.when'), cell: (l) => new Date(l.at).toLocaleString() },
        { label: t('trainer.col.who'), cell: (l) => (l.source === 'kiosk' ? t('trainer.kiosk') : l.by_name || '—') },
        { label: t('trainer.col.change'), cell: (l) => `${l.before} → ${l.after}` },
        { label: t('trainer.col.reason'), cell: (l) => l.reason || '—' },
      ], lines, { emptyText: t('trainer.noHistory') }));
    el('history-heading').focus();
  } catch (err) {
    el('roster-status').textContent = errorText(err);
  }
}

// ---- scheduling a session

const site = () => state.sites.find((x) => x.id === state.siteId);

async function loadScheduleData() {
  const id = state.siteId;
  try {
    const [courses, spaces, trainers] = await Promise.all([
      api('GET', '/api/v1/training/courses'),
      api('GET', `/api/v1/sites/${id}/spaces`),
      api('GET', `/api/v1/sites/${id}/training/trainers`),
    ]);
    if (id !== state.siteId) return;
    state.courses = courses.filter((c) => c.active && (c.site_id === null || c.site_id === id));
    state.rooms = spaces.filter((x) => x.active && (x.kind === 'room' || x.kind === 'meeting_room'));
    state.trainers = trainers;
    renderScheduleForm();
  } catch (err) {
    renderScheduleForm();
    el('schedule-status').textContent = errorText(err);
  }
}

/** A labelled control with its hint and its inline error slot. */
function scheduleField(name, label, control, hint) {
  const id = `schedule-${name}`;
  control.id = id;
  control.name = name;
  control.setAttribute('aria-describedby', [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' '));
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint muted', id: `${id}-hint` }, hint) : null,
    control,
    h('p', { class: 'field-error', id: `${id}-error` }));
}

function renderScheduleForm() {
  const form = el('schedule-form');
  // Keep what was typed across a language change or a reload of the lists.
  const kept = {};
  for (const c of form.querySelectorAll('[name]')) kept[c.name] = c.value;
  const value = (name, fallback) => (kept[name] !== undefined ? kept[name] : fallback);
  const name = (c) => (getLang() === 'en' ? c.name_en || c.name_ja : c.name_ja || c.name_en);
  const courses = h('select', { required: true }, state.courses.length === 0
    ? h('option', { value: '' }, t('schedule.noCourses'))
    : state.courses.map((c) => h('option', { value: String(c.id), selected: value('course_id', '') === String(c.id) }, name(c))));
  const room = h('select', null,
    h('option', { value: '' }, t('schedule.online')),
    state.rooms.map((r) => h('option', { value: String(r.id), selected: value('space_id', '') === String(r.id) },
      t('schedule.roomOption', { name: r.name, seats: r.capacity }))));
  const me = state.me ? String(state.me.id) : '';
  const trainer = h('select', null, state.trainers.map((p) => h('option', { value: String(p.id), selected: value('trainer_id', me) === String(p.id) }, p.name)));
  const zone = (site() && site().time_zone) || 'Asia/Tokyo';
  setChildren(form,
    h('div', { id: 'schedule-status', class: 'message', role: 'status', 'aria-live': 'polite' }),
    h('div', { class: 'form-row' },
      scheduleField('course_id', t('schedule.course'), courses),
      scheduleField('trainer_id', t('schedule.trainer'), trainer)),
    scheduleField('space_id', t('schedule.room'), room, t('schedule.roomHint')),
    h('p', { class: 'hint muted', id: 'schedule-times-hint' }, t('schedule.timesHint', { zone })),
    h('div', { class: 'form-row' },
      scheduleField('date', t('schedule.date'), h('input', { type: 'date', required: true, value: value('date', state.date || '') })),
      scheduleField('start', t('schedule.start'), h('input', { type: 'time', required: true, step: '300', value: value('start', '10:00') })),
      scheduleField('end', t('schedule.end'), h('input', { type: 'time', required: true, step: '300', value: value('end', '11:00') })),
      scheduleField('capacity', t('schedule.capacity'), h('input', { type: 'number', min: '1', max: '500', step: '1', required: true, inputmode: 'numeric', value: value('capacity', '8') }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'schedule-submit' }, t('schedule.submit'))));
  for (const f of ['date', 'start', 'end']) {
    const c = el(`schedule-${f}`);
    c.setAttribute('aria-describedby', `${c.getAttribute('aria-describedby')} schedule-times-hint`);
  }
}

function showFieldErrors(form, err) {
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
  let first = null;
  for (const e of err instanceof ApiError ? err.errors : []) {
    const c = form.querySelector(`[name="${CSS.escape(e.field || '')}"]`);
    if (!c) continue;
    c.setAttribute('aria-invalid', 'true');
    const slot = el(`${c.id}-error`);
    if (slot) slot.textContent = e.message;
    first = first || c;
  }
  if (first) first.focus();
  return first !== null;
}

async function submitSchedule(ev) {
  ev.preventDefault();
  const form = el('schedule-form');
  const val = (n) => el(`schedule-${n}`).value;
  const capacity = Number(val('capacity'));
  const body = {
    course_id: Number(val('course_id')) || 0,
    space_id: val('space_id') ? Number(val('space_id')) : null,
    date: val('date'),
    start: val('start'),
    end: val('end'),
    capacity: Number.isInteger(capacity) ? capacity : 0,
  };
  if (val('trainer_id')) body.trainer_id = Number(val('trainer_id'));
  try {
    const made = await api('POST', `/api/v1/sites/${state.siteId}/training/sessions`, body);
    showFieldErrors(form, null);
    if (made.date !== state.date) {
      state.date = made.date;
      el('day-date').value = made.date;
    }
    await loadSessions();
    el('schedule-status').textContent = t('schedule.created', { course: made.course_name, date: made.date, start: made.start, end: made.end });
  } catch (err) {
    const placed = showFieldErrors(form, err);
    el('schedule-status').textContent = placed ? `${t('schedule.fixErrors')} ${errorText(err)}` : errorText(err);
  }
}

async function boot() {
  let me;
  try {
    me = await api('GET', '/api/v1/auth/me');
    state.me = me;
  } catch (err) {
    el('loading').hidden = true;
    el('auth-message').textContent = err instanceof ApiError && err.status === 401 ? t('trainer.loginRequired') : errorText(err);
    return;
  }
  const roles = me.roles || [];
  const mine = new Set(roles.filter((g) => g.role === 'trainer' || g.role === 'director').map((g) => g.site_id));
  const [sites, time] = await Promise.all([api('GET', '/api/v1/sites'), api('GET', '/api/v1/time')]);
  state.sites = sites.filter((s) => s.active && (me.is_admin || mine.has(s.id)));
  el('loading').hidden = true;
  if (state.sites.length === 0) {
    el('auth-message').textContent = t('trainer.notTrainer');
    return;
  }
  const select = el('site-select');
  const fill = () => setChildren(select, state.sites.map((s) => h('option', { value: String(s.id) }, getLang() === 'ja' ? s.name_ja : s.name_en)));
  fill();
  state.siteId = state.sites[0].id;
  const site = state.sites[0];
  state.date = localDate(site.time_zone || 'Asia/Tokyo', new Date(time.now));
  el('day-date').value = state.date;
  select.addEventListener('change', () => {
    state.siteId = Number(select.value);
    loadSessions();
    loadScheduleData();
  });
  el('schedule-form').addEventListener('submit', submitSchedule);
  el('day-date').addEventListener('change', (ev) => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(ev.target.value)) {
      state.date = ev.target.value;
      loadSessions();
    }
  });
  el('day-form').addEventListener('submit', (ev) => ev.preventDefault());
  onLangChange(() => {
    fill();
    select.value = String(state.siteId);
    // Course names come in the language asked for: fetch the day again.
    loadSessions();
    renderRoster();
    renderScheduleForm();
  });
  el('trainer-content').hidden = false;
  await Promise.all([loadSessions(), loadScheduleData()]);
}

boot();
