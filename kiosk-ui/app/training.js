// My training (phone first): the onboarding programme's courses with where I stand (done /
// next / overdue), my record's expiry dates, and the coming sessions at my site to book a
// place in (or join the waitlist of) and to cancel.
//
//   GET    /api/v1/me/training
//   GET    /api/v1/sites/{id}/training/sessions?from=YYYY-MM-DD&days=28
//   POST   /api/v1/training/sessions/{id}/enrolments {waitlist}
//   DELETE /api/v1/training/enrolments/{id}

import { addStrings, t } from '/shared/i18n.js';
import { api, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';
import { formatDate, messageBox, timeRange } from '/app/util.js';

addStrings({
  ja: {
    'training.title': '研修',
    'training.heading': '研修',
    'training.progress': 'オンボーディングの進み具合',
    'training.noProgramme': '必須の研修はありません。',
    'training.standing.done': '修了',
    'training.standing.next': '次に受講',
    'training.standing.overdue': '期限超過',
    'training.standing.later': '未受講',
    'training.expires': '有効期限 {date}',
    'training.booked': '申込済の講座あり',
    'training.sessions': 'これからの講座',
    'training.noSessions': '予定されている講座はありません。',
    'training.online': 'オンライン',
    'training.places': '残り {n} 席',
    'training.full': '満席',
    'training.book': '申し込む',
    'training.waitlist': 'キャンセル待ちに登録',
    'training.cancel': '取り消す',
    'training.bookLabel': '{course} {date} に申し込む',
    'training.waitlistLabel': '{course} {date} のキャンセル待ちに登録',
    'training.cancelLabel': '{course} {date} の申込を取り消す',
    'training.enrolled': '申込済',
    'training.waitlisted': 'キャンセル待ち',
    'training.doneBooked': '申し込みました。確認メールをお送りします。',
    'training.doneWaitlisted': 'キャンセル待ちに登録しました。',
    'training.doneCancelled': '申込を取り消しました。',
  },
  en: {
    'training.title': 'Training',
    'training.heading': 'Training',
    'training.progress': 'Onboarding progress',
    'training.noProgramme': 'No required courses.',
    'training.standing.done': 'Done',
    'training.standing.next': 'Next',
    'training.standing.overdue': 'Overdue',
    'training.standing.later': 'To do',
    'training.expires': 'Valid until {date}',
    'training.booked': 'A session is booked',
    'training.sessions': 'Coming sessions',
    'training.noSessions': 'No sessions are planned.',
    'training.online': 'Online',
    'training.places': '{n} places left',
    'training.full': 'Full',
    'training.book': 'Book',
    'training.waitlist': 'Join the waitlist',
    'training.cancel': 'Cancel',
    'training.bookLabel': 'Book {course} on {date}',
    'training.waitlistLabel': 'Join the waitlist of {course} on {date}',
    'training.cancelLabel': 'Cancel {course} on {date}',
    'training.enrolled': 'Booked',
    'training.waitlisted': 'Waitlisted',
    'training.doneBooked': 'Booked. A confirmation e-mail is on its way.',
    'training.doneWaitlisted': 'You are on the waitlist.',
    'training.doneCancelled': 'Cancelled.',
  },
});

export const titleKey = 'training.title';

/** The day before an expiry instant, in the site's zone (the last day it is valid). */
function lastValidDay(iso, timeZone) {
  const d = new Date(Date.parse(iso) - 1000);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function mount(main, ctx) {
  const siteId = ctx.defaultSiteId();
  const tz = ctx.site(siteId).time_zone || 'Asia/Tokyo';
  let alive = true;
  let data = null;
  const root = h('div', { class: 'view training' });
  const status = h('div', { class: 'message', id: 'training-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { id: 'training-body', 'aria-busy': 'true' });
  main.append(root);

  function render() {
    setChildren(root, h('h1', { id: 'training-heading' }, t('training.heading')), status, body);
    if (data) draw();
  }

  function draw() {
    const { mine, sessions } = data;
    const required = mine.courses.filter((c) => c.required);
    const byEnrolment = new Map(mine.enrolments.map((e) => [e.session_id, e]));
    setChildren(body,
      h('section', { 'aria-labelledby': 'training-progress' },
        h('h2', { id: 'training-progress' }, t('training.progress')),
        required.length === 0 ? h('p', { class: 'empty' }, t('training.noProgramme'))
          : h('ol', { class: 'items', id: 'training-courses' }, required.map((c) => h('li', { class: 'card', 'data-standing': c.standing },
            h('strong', null, c.course_name), ' ',
            h('span', { class: `badge${c.standing === 'done' ? ' ok' : ''}` }, t(`training.standing.${c.standing}`)),
            c.expires_at ? h('p', { class: 'hint' }, t('training.expires', { date: formatDate(lastValidDay(c.expires_at, tz)) })) : null,
            c.booked_session_id && c.standing !== 'done' ? h('p', { class: 'hint' }, t('training.booked')) : null)))),
      h('section', { 'aria-labelledby': 'training-sessions' },
        h('h2', { id: 'training-sessions' }, t('training.sessions')),
        sessions.length === 0 ? h('p', { class: 'empty' }, t('training.noSessions'))
          : h('ul', { class: 'items', id: 'training-session-list' }, sessions.map((s) => sessionCard(s, byEnrolment.get(s.id))))));
  }

  function sessionCard(s, mineIn) {
    const date = formatDate(s.date);
    const left = s.capacity - s.enrolled;
    let action;
    if (mineIn) {
      action = [
        h('span', { class: 'badge ok' }, t(mineIn.status === 'waitlisted' ? 'training.waitlisted' : 'training.enrolled')), ' ',
        h('button', {
          type: 'button', class: 'btn secondary small', 'aria-label': t('training.cancelLabel', { course: s.course_name, date }),
          onclick: () => act('DELETE', `/api/v1/training/enrolments/${mineIn.id}`, undefined, 'training.doneCancelled'),
        }, t('training.cancel')),
      ];
    } else if (left > 0) {
      action = h('button', {
        type: 'button', class: 'btn small', 'aria-label': t('training.bookLabel', { course: s.course_name, date }),
        onclick: () => act('POST', `/api/v1/training/sessions/${s.id}/enrolments`, { waitlist: false }, 'training.doneBooked'),
      }, t('training.book'));
    } else {
      action = h('button', {
        type: 'button', class: 'btn secondary small', 'aria-label': t('training.waitlistLabel', { course: s.course_name, date }),
        onclick: () => act('POST', `/api/v1/training/sessions/${s.id}/enrolments`, { waitlist: true }, 'training.doneWaitlisted'),
      }, t('training.waitlist'));
    }
    return h('li', { class: 'card', 'data-session': String(s.id) },
      h('strong', null, s.course_name),
      h('p', null, `${date} ${timeRange(s.start, s.end)} · ${s.room || t('training.online')}`),
      h('p', { class: 'hint' }, left > 0 ? t('training.places', { n: left }) : t('training.full')),
      h('div', { class: 'actions' }, action));
  }

  async function act(method, path, payload, done) {
    try {
      await api(method, path, payload);
      status.className = 'message ok';
      status.textContent = t(done);
      await load();
    } catch (err) {
      status.className = 'message error';
      status.textContent = errorText(err);
    }
  }

  async function load() {
    body.setAttribute('aria-busy', 'true');
    try {
      const [mine, sessions] = await Promise.all([
        api('GET', '/api/v1/me/training'),
        api('GET', `/api/v1/sites/${siteId}/training/sessions?from=${ctx.today(siteId)}&days=28`),
      ]);
      if (!alive) return;
      data = { mine, sessions: sessions.filter((s) => !s.cancelled) };
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
      load();
    },
    unmount() {
      alive = false;
    },
  };
}
