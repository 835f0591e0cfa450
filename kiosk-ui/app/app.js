// The worker's pages (phone first): one page, one view per address after "#/".
//
//   #/            book a desk and childcare (home.js)
//   #/day         what is free on a day (day.js)
//   #/series      recurring booking (series.js)
//   #/bookings    my bookings, childcare places, calendar feed (bookings.js)
//   #/qr          my rotating QR code (qr.js)
//   #/children    children and the adults who may pick them up (children.js)
//   #/today       my child today in the childcare room (child_day.js)
//   #/settings    language, password, PIN (settings.js)
//   #/training    my onboarding progress, training sessions to book (training.js)
//   #/month       my month: time at the center, remote hours, submission (month.js)
//   #/pay         my terms notices, statements and bank account (pay.js)
//
// API: GET /api/v1/auth/me, PATCH /api/v1/auth/me {language}, GET /api/v1/sites,
// GET /api/v1/sites/{id}/calendar, GET /api/v1/children (the rest in each view).

import { initI18n, onLangChange, getLang, setLang, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h } from '/shared/dom.js';
import { strings } from '/app/strings.js';
import { addDays, loadPrefs, siteName, syncClock, todayAt } from '/app/util.js';
import * as home from '/app/home.js';
import * as day from '/app/day.js';
import * as series from '/app/series.js';
import * as bookings from '/app/bookings.js';
import * as qr from '/app/qr.js';
import * as children from '/app/children.js';
import * as settings from '/app/settings.js';
import * as training from '/app/training.js';
import * as today from '/app/child_day.js';
import * as month from '/app/month.js';
import * as pay from '/app/pay.js';

initI18n(strings);

const routes = { '': home, day, series, bookings, qr, children, settings, training, today, month, pay };

const main = document.getElementById('main');
const tabbar = document.getElementById('tabbar');
const status = document.getElementById('app-status');

/** What every view shares: who is logged in, their sites and children, and helpers. */
const ctx = {
  me: null,
  sites: [],
  children: [],

  site(id) {
    return this.sites.find((s) => s.id === id) || this.sites[0];
  },

  defaultSiteId() {
    const prefs = loadPrefs(this.me.id);
    const known = prefs && this.sites.some((s) => s.id === prefs.site_id);
    return known ? prefs.site_id : this.sites[0].id;
  },

  today(siteId) {
    return todayAt(this.site(siteId).time_zone);
  },

  lastBookable(siteId) {
    return addDays(this.today(siteId), this.site(siteId).booking_window_days || 28);
  },

  /** The site's days from today to the end of the booking window: Map date -> DayView. */
  calendar(siteId) {
    const from = this.today(siteId);
    const to = addDays(this.lastBookable(siteId), 1);
    const key = `${siteId}:${from}`;
    if (!calendars.has(key)) {
      const p = api('GET', `/api/v1/sites/${siteId}/calendar?from=${from}&to=${to}`)
        .then((days) => new Map(days.map((d) => [d.date, d])));
      p.catch(() => calendars.delete(key));
      calendars.set(key, p);
    }
    return calendars.get(key);
  },

  /** Any date range of the site's calendar (not cached). */
  async days(siteId, from, to) {
    const days = await api('GET', `/api/v1/sites/${siteId}/calendar?from=${from}&to=${to}`);
    return new Map(days.map((d) => [d.date, d]));
  },

  async refreshChildren() {
    this.children = await api('GET', '/api/v1/children');
    return this.children;
  },

  activeChildren() {
    return this.children.filter((c) => c.active);
  },

  /**
   * Whether these children fit in the childcare room, per 15-minute slot of a day:
   * {open, slots, headroom, fits}. Null when the site has no room or the answer cannot be
   * had; the booking answer still says when the room is full.
   */
  async childcareAvailability(siteId, date, childIds) {
    const ids = childIds.length ? `&child_ids=${childIds.join(',')}` : '';
    try {
      const r = await api('GET', `/api/v1/sites/${siteId}/childcare/availability?date=${date}${ids}`);
      return r && Array.isArray(r.slots) && Array.isArray(r.fits) ? r : null;
    } catch {
      return null;
    }
  },

  /** Say something to screen readers without moving focus. */
  announce(text) {
    status.textContent = '';
    setTimeout(() => {
      status.textContent = text;
    }, 50);
  },

  navigate(hash) {
    if (location.hash === hash) route(false);
    else location.hash = hash;
  },
};

const calendars = new Map();

let current = null;
let currentView = null;

function parseHash() {
  const m = /^#\/([a-z]*)(?:\?(.*))?$/.exec(location.hash);
  if (!m) return null;
  return { name: m[1], params: new URLSearchParams(m[2] || '') };
}

function setTitle() {
  if (currentView) document.title = t('shell.pageTitle', { page: t(currentView.titleKey) });
}

function route(first) {
  const r = parseHash();
  if (!r && location.hash && !first) return; // an in-page anchor
  const name = r && Object.prototype.hasOwnProperty.call(routes, r.name) ? r.name : '';
  const view = routes[name];
  if (current && current.unmount) current.unmount();
  main.replaceChildren();
  currentView = view;
  current = view.mount(main, ctx, r ? r.params : new URLSearchParams()) || {};
  setTitle();
  for (const a of tabbar.querySelectorAll('a[data-route]')) {
    const exact = a.dataset.route === name;
    const section = exact || (a.dataset.section || '').split(' ').includes(name);
    if (exact) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
    a.classList.toggle('current', section);
  }
  if (!first) {
    window.scrollTo(0, 0);
    const heading = main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }
}

// The skip link moves focus without changing the address (which names the view).
document.getElementById('skip-link').addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});

/** The header names the person's own site (not one site for everybody). */
function setBrand() {
  const brand = document.getElementById('brand');
  if (!brand || !ctx.me || ctx.sites.length === 0) return;
  brand.removeAttribute('data-i18n');
  brand.textContent = `KADO ${siteName(ctx.site(ctx.defaultSiteId()))}`;
}

onLangChange(async (lang) => {
  setTitle();
  setBrand();
  if (current && current.rerender) current.rerender();
  if (!ctx.me || ctx.me.language === lang) return;
  try {
    ctx.me = await api('PATCH', '/api/v1/auth/me', { language: lang });
  } catch (err) {
    ctx.announce(t('shell.langSaveFailed', { detail: errorText(err) }));
  }
});

function storedLang() {
  try {
    return window.localStorage.getItem('kado.lang');
  } catch {
    return null;
  }
}

async function boot() {
  try {
    ctx.me = await api('GET', '/api/v1/auth/me');
  } catch (err) {
    const boot = document.getElementById('boot');
    if (err instanceof ApiError && err.status === 401) {
      boot.textContent = t('shell.loginRequired');
      location.replace(`/?next=${encodeURIComponent(location.pathname + location.hash)}`);
      return;
    }
    boot.replaceWith(h('div', { class: 'message error', role: 'alert' }, errorText(err)),
      h('button', { type: 'button', class: 'btn', onclick: () => location.reload() }, t('common.retry')));
    return;
  }
  // The account's language, unless this device was switched by hand.
  if (!storedLang() && (ctx.me.language === 'ja' || ctx.me.language === 'en') && ctx.me.language !== getLang()) {
    setLang(ctx.me.language);
  }
  try {
    const siteIds = new Set((ctx.me.roles || []).map((g) => g.site_id));
    const [sites] = await Promise.all([
      api('GET', '/api/v1/sites'),
      ctx.refreshChildren(),
      syncClock(),
    ]);
    ctx.sites = sites.filter((s) => s.active && siteIds.has(s.id));
  } catch (err) {
    document.getElementById('boot').replaceWith(h('div', { class: 'message error', role: 'alert' }, errorText(err)),
      h('button', { type: 'button', class: 'btn', onclick: () => location.reload() }, t('common.retry')));
    return;
  }
  if (ctx.sites.length === 0) {
    // An administrator books nothing here: say so, and where their work is.
    document.getElementById('boot').replaceWith(ctx.me.is_admin
      ? h('div', { class: 'message info', role: 'status', id: 'no-site' }, h('p', null, t('shell.adminNoSite')),
        h('p', null, h('a', { class: 'btn secondary', href: '/admin/' }, t('shell.adminLink'))))
      : h('div', { class: 'message info', role: 'status', id: 'no-site' }, t('shell.noSite')));
    return;
  }
  setBrand();
  tabbar.hidden = false;
  window.addEventListener('hashchange', () => route(false));
  route(true);
}

boot();
