// My QR: the rotating entry code, large on white, renewed every window (30 s) and whenever
// the page comes back into view; the screen is kept awake while it shows.
//
//   GET /api/v1/me/qr -> {payload, svg, window_secs, expires_at}

import { t } from '/shared/i18n.js';
import { api, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';

export const titleKey = 'qr.title';

export function mount(main, ctx) {
  let alive = true;
  let timer = null;
  let tick = null;
  let wakeLock = null;
  let qr = null;
  let renewAt = 0;
  let error = '';
  const root = h('div', { class: 'view qr-view' });
  main.append(root);

  function render() {
    const me = ctx.me;
    const figure = h('figure', {
      class: 'qr-card', id: 'qr-card',
      'data-payload': qr ? qr.payload : null,
      'data-expires-at': qr ? qr.expires_at : null,
    },
    qr ? h('img', {
      id: 'qr-image', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr.svg)}`,
      alt: t('qr.alt', { name: me.name }), width: '320', height: '320', draggable: 'false',
    }) : h('div', { class: 'qr-placeholder' }, error ? '' : t('common.loading')),
    h('figcaption', null,
      h('span', { class: 'qr-name' }, me.name),
      me.member_number ? h('span', { class: 'qr-member' }, t('qr.member', { number: me.member_number })) : null));
    setChildren(root, 
      h('h1', { id: 'qr-heading' }, t('qr.heading')),
      h('p', { class: 'qr-help' }, t('qr.help')),
      error ? h('div', { class: 'message error', role: 'alert' }, t('qr.failed', { detail: error }),
        h('div', null, h('button', { type: 'button', class: 'btn small', onclick: load }, t('qr.retry')))) : null,
      figure,
      h('p', { class: 'qr-countdown', id: 'qr-countdown', 'aria-hidden': 'true' }),
      h('p', { class: 'hint' }, t('qr.refresh')),
      h('p', { class: 'hint', id: 'qr-card-hint' }, t('qr.card')),
      h('p', { class: 'hint' }, t('qr.pinHint')));
    countdown();
  }

  function countdown() {
    const el = document.getElementById('qr-countdown');
    if (!el || !qr) return;
    const left = Math.max(0, Math.ceil((renewAt - Date.now()) / 1000));
    el.textContent = t('qr.countdown', { n: left });
  }

  async function load() {
    clearTimeout(timer);
    let next = 10_000;
    try {
      const fresh = await api('GET', '/api/v1/me/qr');
      qr = fresh;
      error = '';
      next = (Number(qr.window_secs) || 30) * 1000;
      renewAt = Date.now() + next;
    } catch (err) {
      error = errorText(err);
    }
    if (!alive) return;
    clearTimeout(timer);
    timer = setTimeout(load, next);
    const img = document.getElementById('qr-image');
    const card = document.getElementById('qr-card');
    if (img && card && qr && !error) {
      // Swap the picture in place: no re-render, so focus and the reader's place stay.
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr.svg)}`;
      card.dataset.payload = qr.payload;
      card.dataset.expiresAt = qr.expires_at;
      countdown();
    } else {
      render();
    }
  }

  async function keepAwake() {
    try {
      if ('wakeLock' in navigator && document.visibilityState === 'visible') {
        wakeLock = await navigator.wakeLock.request('screen');
      }
    } catch {
      wakeLock = null; // not allowed here; the code still shows
    }
  }

  function onVisible() {
    if (document.visibilityState === 'visible') {
      load();
      keepAwake();
    }
  }

  document.addEventListener('visibilitychange', onVisible);
  tick = setInterval(countdown, 1000);
  render();
  load();
  keepAwake();

  return {
    rerender: render,
    unmount() {
      alive = false;
      clearTimeout(timer);
      clearInterval(tick);
      document.removeEventListener('visibilitychange', onVisible);
      if (wakeLock) wakeLock.release().catch(() => {});
    },
  };
}
