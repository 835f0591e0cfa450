// Entrance kiosk.
//   not paired: POST /api/v1/kiosk/pair {code}            -> {token, site}
//   paired:     GET  /api/v1/kiosk/me   (Bearer token)     -> {device, site, local_time, open_now, today}
//               POST /api/v1/kiosk/scan (Bearer token) {credential} -> {message, ...}
// The device token lives in localStorage under "kado.kiosk.token".

import { initI18n, onLangChange, getLang, getLocale, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';

initI18n({
  ja: {
    'app.title': 'KADO 塩尻',
    'kiosk.pageTitle': '入口キオスク | KADO',
    'kiosk.fullscreen': '全画面',
    'kiosk.exitFullscreen': '全画面を終了',
    'kiosk.pairHeading': 'この端末を登録します',
    'kiosk.pairHelp': '管理画面で発行された 8 桁のペアリングコードを入力してください。',
    'kiosk.pairCode': 'ペアリングコード（8 桁）',
    'kiosk.pairSubmit': '登録する',
    'kiosk.pairing': '登録中…',
    'kiosk.pairInvalid': 'ペアリングコードは 8 桁の数字です。',
    'kiosk.revoked': 'この端末の登録は取り消されました。新しいペアリングコードで登録し直してください。',
    'kiosk.offline': 'サーバーに接続できません。再接続を試みています…',
    'kiosk.openNow': '開館中',
    'kiosk.closedNow': '時間外',
    'kiosk.closedToday': '本日休館',
    'kiosk.hoursToday': '本日の開館時間 {open}〜{close}',
    'kiosk.openToday': '本日は開館日です',
    'kiosk.specialOpen': '（特別開館）',
    'kiosk.reason.weekly': '本日は定休日です',
    'kiosk.reason.holiday': '本日は祝日のため休館です',
    'kiosk.reason.holidayNamed': '本日は祝日（{name}）のため休館です',
    'kiosk.reason.annual_closure': '本日は年末年始等の休館期間です',
    'kiosk.reason.exception_closed': '本日は臨時休館です',
    'kiosk.scanLabel': 'カードまたは QR コードをかざしてください',
    'kiosk.pinButton': 'PIN で入力',
    'kiosk.pinHeading': '会員番号と PIN',
    'kiosk.memberNumber': '会員番号',
    'kiosk.pin': 'PIN',
    'kiosk.keyClear': 'クリア',
    'kiosk.keyBackLabel': '1 文字削除',
    'kiosk.pinSubmit': '送信',
    'kiosk.pinMissing': '会員番号と PIN を入力してください。',
    'kiosk.checking': '確認中…',
    'kiosk.scanOk': '受け付けました',
  },
  en: {
    'app.title': 'KADO Shiojiri',
    'kiosk.pageTitle': 'Entrance kiosk | KADO',
    'kiosk.fullscreen': 'Full screen',
    'kiosk.exitFullscreen': 'Exit full screen',
    'kiosk.pairHeading': 'Pair this device',
    'kiosk.pairHelp': 'Enter the 8-digit pairing code issued on the admin page.',
    'kiosk.pairCode': 'Pairing code (8 digits)',
    'kiosk.pairSubmit': 'Pair',
    'kiosk.pairing': 'Pairing…',
    'kiosk.pairInvalid': 'The pairing code is 8 digits.',
    'kiosk.revoked': 'This device has been revoked. Please pair it again with a new pairing code.',
    'kiosk.offline': 'Cannot reach the server. Trying to reconnect…',
    'kiosk.openNow': 'Open now',
    'kiosk.closedNow': 'Closed now',
    'kiosk.closedToday': 'Closed today',
    'kiosk.hoursToday': 'Open today {open}–{close}',
    'kiosk.openToday': 'Open today',
    'kiosk.specialOpen': '(special opening)',
    'kiosk.reason.weekly': 'Regular closing day',
    'kiosk.reason.holiday': 'Closed for a public holiday',
    'kiosk.reason.holidayNamed': 'Closed for a public holiday ({name})',
    'kiosk.reason.annual_closure': 'Closed for the annual holidays',
    'kiosk.reason.exception_closed': 'Temporarily closed today',
    'kiosk.scanLabel': 'Hold your card or QR code to the reader',
    'kiosk.pinButton': 'Enter PIN',
    'kiosk.pinHeading': 'Member number and PIN',
    'kiosk.memberNumber': 'Member number',
    'kiosk.pin': 'PIN',
    'kiosk.keyClear': 'Clear',
    'kiosk.keyBackLabel': 'Delete one digit',
    'kiosk.pinSubmit': 'Send',
    'kiosk.pinMissing': 'Please enter your member number and PIN.',
    'kiosk.checking': 'Checking…',
    'kiosk.scanOk': 'Accepted',
  },
});

const TOKEN_KEY = 'kado.kiosk.token';
const REFRESH_MS = 60_000;
const RETRY_MS = 15_000;
const RESULT_MS = 5_000;
const DUPLICATE_MS = 3_000; // readers sometimes send the same code twice
const PIN_IDLE_MS = 60_000;

/** How a member number + PIN is sent as a scan credential (server side not final yet). */
function pinCredential(member, pin) {
  return `pin:${member}:${pin}`;
}

const $ = (id) => document.getElementById(id);
const el = {
  siteName: $('site-name'),
  loading: $('loading'),
  pairScreen: $('pair-screen'),
  pairNotice: $('pair-notice'),
  pairForm: $('pair-form'),
  pairCode: $('pair-code'),
  pairButton: $('pair-button'),
  pairMessage: $('pair-message'),
  kioskScreen: $('kiosk-screen'),
  offline: $('offline-banner'),
  clock: $('clock'),
  date: $('date'),
  today: $('today'),
  scanForm: $('scan-form'),
  scanInput: $('scan-input'),
  pinButton: $('pin-button'),
  result: $('scan-result'),
  pinDialog: $('pin-dialog'),
  pinForm: $('pin-form'),
  pinMember: $('pin-member'),
  pinPin: $('pin-pin'),
  pinMessage: $('pin-message'),
  pinCancel: $('pin-cancel'),
  keypad: $('keypad'),
  fullscreen: $('fullscreen-toggle'),
};

// ---------- token storage ----------

let memoryToken = null; // fallback when localStorage is unavailable

function getToken() {
  try {
    return window.localStorage.getItem(TOKEN_KEY) || memoryToken;
  } catch {
    return memoryToken;
  }
}

function setToken(token) {
  memoryToken = token || null;
  try {
    if (token) window.localStorage.setItem(TOKEN_KEY, token);
    else window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // kept in memory only
  }
}

function authHeaders(token) {
  return { Authorization: `Bearer ${token}` };
}

// ---------- state ----------

const state = {
  mode: 'loading', // 'loading' | 'pair' | 'kiosk'
  site: null,
  me: null,
  offsetMinutes: null, // UTC offset taken from local_time (fallback if the time zone is unknown)
  skewMs: 0, // server clock minus this device's clock, applied only when clearly wrong
  refreshTimer: null,
  resultTimer: null,
  scanSeq: 0,
  lastScan: { credential: '', at: 0 },
  pinIdleTimer: null,
  activePinField: null,
};

function showMode(mode) {
  state.mode = mode;
  el.loading.hidden = mode !== 'loading';
  el.pairScreen.hidden = mode !== 'pair';
  el.kioskScreen.hidden = mode !== 'kiosk';
  if (mode === 'kiosk') focusScan();
}

// ---------- time formatting in the site's time zone ----------

const formatterCache = new Map();

function formatter(kind) {
  const tz = state.site && state.site.time_zone;
  const key = `${kind}|${getLang()}|${tz}|${state.offsetMinutes}`;
  if (formatterCache.has(key)) return formatterCache.get(key);
  const options = kind === 'time'
    ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
    : { year: 'numeric', month: 'long', day: 'numeric', weekday: getLang() === 'ja' ? 'short' : 'long' };
  let f = null;
  if (tz) {
    try {
      const fmt = new Intl.DateTimeFormat(getLocale(), { ...options, timeZone: tz });
      f = (ms) => fmt.format(new Date(ms));
    } catch {
      f = null; // unknown time zone in this browser: fall back to the server's UTC offset
    }
  }
  if (!f && state.offsetMinutes !== null) {
    const fmt = new Intl.DateTimeFormat(getLocale(), { ...options, timeZone: 'UTC' });
    const shift = state.offsetMinutes * 60_000;
    f = (ms) => fmt.format(new Date(ms + shift));
  }
  // Never fall back to the browser's own time zone.
  if (f) formatterCache.set(key, f);
  return f;
}

function parseOffsetMinutes(iso) {
  if (typeof iso !== 'string') return null;
  if (/Z$/i.test(iso)) return 0;
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  if (!m) return null;
  const mins = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -mins : mins;
}

let clockTimer = null;

function tick() {
  const now = Date.now() + state.skewMs;
  const ft = formatter('time');
  const fd = formatter('date');
  el.clock.textContent = ft ? ft(now) : '--:--';
  el.date.textContent = fd ? fd(now) : '';
  clearTimeout(clockTimer);
  clockTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 20);
}

// ---------- rendering ----------

function siteName(site) {
  if (!site) return t('app.title');
  return getLang() === 'en' ? site.name_en || site.name_ja || t('app.title') : site.name_ja || site.name_en || t('app.title');
}

function renderHeader() {
  const name = siteName(state.mode === 'kiosk' ? state.site : null);
  el.siteName.textContent = name;
  document.title = state.mode === 'kiosk' && state.site ? `${name} | KADO` : t('kiosk.pageTitle');
}

function closedReasonText(today) {
  switch (today.reason) {
    case 'holiday':
      return today.holiday_name ? t('kiosk.reason.holidayNamed', { name: today.holiday_name }) : t('kiosk.reason.holiday');
    case 'weekly':
    case 'annual_closure':
    case 'exception_closed':
      return t(`kiosk.reason.${today.reason}`);
    default:
      return '';
  }
}

function renderToday() {
  const me = state.me;
  const today = me && me.today;
  if (!today) {
    setChildren(el.today);
    return;
  }
  if (today.open) {
    const hours = today.hours;
    const text = hours && hours.open && hours.close
      ? t('kiosk.hoursToday', { open: hours.open, close: hours.close })
      : t('kiosk.openToday');
    setChildren(el.today,
      me.open_now
        ? h('span', { class: 'badge ok' }, t('kiosk.openNow'))
        : h('span', { class: 'badge neutral' }, t('kiosk.closedNow')),
      ' ', text,
      today.reason === 'exception_open' ? ' ' + t('kiosk.specialOpen') : null);
  } else {
    const why = closedReasonText(today);
    setChildren(el.today, h('span', { class: 'badge error' }, t('kiosk.closedToday')), why ? ' ' + why : null);
  }
}

function renderKiosk() {
  renderHeader();
  renderToday();
  tick();
}

function setOffline(text) {
  el.offline.textContent = text || '';
}

// ---------- pairing ----------

function goToPairing(noticeText) {
  stopRefresh();
  clearTimeout(clockTimer);
  state.me = null;
  state.site = null;
  state.offsetMinutes = null;
  state.skewMs = 0;
  clearResult();
  if (el.pinDialog.open) el.pinDialog.close();
  el.pairNotice.textContent = noticeText || '';
  el.pairMessage.textContent = '';
  showMode('pair');
  renderHeader();
  el.pairCode.focus();
}

function revoked() {
  setToken(null);
  goToPairing(t('kiosk.revoked'));
}

el.pairForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (el.pairButton.disabled) return;
  const code = el.pairCode.value.normalize('NFKC').replace(/\D/g, '');
  if (code.length !== 8) {
    el.pairMessage.textContent = t('kiosk.pairInvalid');
    el.pairCode.setAttribute('aria-invalid', 'true');
    el.pairCode.focus();
    return;
  }
  el.pairCode.removeAttribute('aria-invalid');
  el.pairMessage.textContent = '';
  el.pairButton.disabled = true;
  el.pairButton.textContent = t('kiosk.pairing');
  try {
    const res = await api('POST', '/api/v1/kiosk/pair', { code });
    if (!res || typeof res.token !== 'string' || !res.token) throw new Error('pair response without token');
    setToken(res.token);
    state.site = res.site || null;
    el.pairCode.value = '';
    el.pairNotice.textContent = '';
    showMode('kiosk');
    renderKiosk();
    refreshMe();
  } catch (err) {
    el.pairMessage.textContent = errorText(err);
    el.pairCode.focus();
  } finally {
    el.pairButton.disabled = false;
    el.pairButton.textContent = t('kiosk.pairSubmit');
  }
});

// ---------- /kiosk/me polling ----------

function stopRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = null;
}

function scheduleRefresh(ms) {
  stopRefresh();
  state.refreshTimer = setTimeout(refreshMe, ms);
}

async function refreshMe() {
  const token = getToken();
  if (!token) {
    goToPairing('');
    return;
  }
  try {
    const me = await api('GET', '/api/v1/kiosk/me', undefined, { headers: authHeaders(token) });
    if (getToken() !== token) return; // re-paired or revoked meanwhile
    state.me = me || {};
    if (state.me.site) state.site = state.me.site;
    state.offsetMinutes = parseOffsetMinutes(state.me.local_time);
    const serverMs = Date.parse(state.me.local_time);
    if (Number.isFinite(serverMs)) {
      const diff = serverMs - Date.now();
      state.skewMs = Math.abs(diff) > 30_000 ? diff : 0;
    }
    setOffline('');
    if (state.mode !== 'kiosk') showMode('kiosk');
    renderKiosk();
    scheduleRefresh(REFRESH_MS);
  } catch (err) {
    if (getToken() !== token) return;
    if (err instanceof ApiError && err.status === 401) {
      revoked();
      return;
    }
    // Keep showing what we know; tell the user and retry sooner.
    if (state.mode !== 'kiosk') showMode('kiosk');
    renderKiosk();
    setOffline(err instanceof ApiError && err.status === 0 ? t('kiosk.offline') : errorText(err));
    scheduleRefresh(RETRY_MS);
  }
}

// ---------- scanning ----------

function clearResult() {
  clearTimeout(state.resultTimer);
  el.result.className = 'scan-result';
  el.result.textContent = '';
}

function showResult(text, kind) {
  clearTimeout(state.resultTimer);
  el.result.className = `scan-result ${kind}`;
  el.result.textContent = text;
  if (kind !== 'pending') state.resultTimer = setTimeout(clearResult, RESULT_MS);
}

async function submitCredential(credential) {
  if (!credential) return;
  const token = getToken();
  if (!token) {
    goToPairing('');
    return;
  }
  const now = Date.now();
  if (credential === state.lastScan.credential && now - state.lastScan.at < DUPLICATE_MS) return;
  state.lastScan = { credential, at: now };

  const seq = ++state.scanSeq;
  showResult(t('kiosk.checking'), 'pending');
  try {
    const res = await api('POST', '/api/v1/kiosk/scan', { credential }, { headers: authHeaders(token) });
    if (seq !== state.scanSeq) return;
    const message = res && typeof res.message === 'string' && res.message ? res.message : t('kiosk.scanOk');
    showResult(message, 'ok');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      revoked();
      return;
    }
    if (seq !== state.scanSeq) return;
    showResult(errorText(err), 'error');
  }
}

function normalizeScan(raw) {
  // Full-width characters (IME in full-width mode) become ASCII; drop control characters.
  return raw.normalize('NFKC').replace(/[\u0000-\u001f\u007f]/g, '').trim();
}

function takeScanInput() {
  const value = normalizeScan(el.scanInput.value);
  el.scanInput.value = '';
  submitCredential(value);
}

el.scanInput.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.isComposing) {
    ev.preventDefault();
    takeScanInput();
  }
});

el.scanForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  takeScanInput();
});

// Keep the scan field focused: readers type like a keyboard.
function focusScan() {
  if (state.mode !== 'kiosk' || el.pinDialog.open) return;
  if (document.activeElement !== el.scanInput) el.scanInput.focus({ preventScroll: true });
}

function focusIsNowhere() {
  const a = document.activeElement;
  return !a || a === document.body || a === document.documentElement;
}

el.scanInput.addEventListener('blur', () => {
  setTimeout(() => {
    if (focusIsNowhere()) focusScan();
  }, 0);
});

document.addEventListener('pointerup', (ev) => {
  const target = ev.target instanceof Element ? ev.target : null;
  if (target && target.closest('button, a, input, select, textarea, dialog')) return;
  setTimeout(focusScan, 0);
});

// A reader typing while a button has focus: send the characters to the scan field.
document.addEventListener('keydown', (ev) => {
  if (state.mode !== 'kiosk' || el.pinDialog.open) return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey || typeof ev.key !== 'string' || ev.key.length !== 1) return;
  const a = document.activeElement;
  if (a && a.matches && a.matches('input, textarea, select')) return;
  focusScan();
}, true);

setInterval(() => {
  if (focusIsNowhere()) focusScan();
}, 2000);

window.addEventListener('focus', () => setTimeout(focusScan, 0));

// ---------- PIN keypad ----------

function setActivePinField(input) {
  state.activePinField = input;
  el.pinMember.classList.toggle('active', input === el.pinMember);
  el.pinPin.classList.toggle('active', input === el.pinPin);
}

function resetPinIdle() {
  clearTimeout(state.pinIdleTimer);
  state.pinIdleTimer = setTimeout(() => {
    if (el.pinDialog.open) el.pinDialog.close();
  }, PIN_IDLE_MS);
}

function openPin() {
  if (typeof el.pinDialog.showModal !== 'function') return;
  el.pinMember.value = '';
  el.pinPin.value = '';
  el.pinMessage.textContent = '';
  setActivePinField(el.pinMember);
  el.pinDialog.showModal();
  el.pinMember.focus();
  resetPinIdle();
}

el.pinButton.addEventListener('click', openPin);
if (typeof el.pinDialog.showModal !== 'function') el.pinButton.hidden = true;

for (const input of [el.pinMember, el.pinPin]) {
  input.addEventListener('focus', () => setActivePinField(input));
  input.addEventListener('input', () => {
    // Typing on a physical keyboard is allowed too; keep digits only.
    const digits = input.value.normalize('NFKC').replace(/\D/g, '').slice(0, input.maxLength > 0 ? input.maxLength : 12);
    if (digits !== input.value) input.value = digits;
    resetPinIdle();
  });
}

el.pinMember.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.isComposing) {
    ev.preventDefault();
    el.pinPin.focus();
  }
});

el.keypad.addEventListener('click', (ev) => {
  const button = ev.target instanceof Element ? ev.target.closest('button[data-key]') : null;
  if (!button) return;
  const input = state.activePinField || el.pinMember;
  const key = button.dataset.key;
  const max = input.maxLength > 0 ? input.maxLength : 12;
  if (key === 'back') input.value = input.value.slice(0, -1);
  else if (key === 'clear') input.value = '';
  else if (/^\d$/.test(key) && input.value.length < max) input.value += key;
  el.pinMessage.textContent = '';
  resetPinIdle();
});

el.pinCancel.addEventListener('click', () => el.pinDialog.close());

el.pinForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const member = el.pinMember.value.replace(/\D/g, '');
  const pin = el.pinPin.value.replace(/\D/g, '');
  if (!member || !pin) {
    el.pinMessage.textContent = t('kiosk.pinMissing');
    (member ? el.pinPin : el.pinMember).focus();
    return;
  }
  el.pinDialog.close();
  state.lastScan = { credential: '', at: 0 }; // a deliberate PIN entry is never a duplicate
  submitCredential(pinCredential(member, pin));
});

el.pinDialog.addEventListener('close', () => {
  clearTimeout(state.pinIdleTimer);
  el.pinMember.value = '';
  el.pinPin.value = ''; // do not leave a PIN in the page
  el.pinMessage.textContent = '';
  setTimeout(focusScan, 0);
});

// ---------- full screen ----------

function updateFullscreenLabel() {
  el.fullscreen.textContent = document.fullscreenElement ? t('kiosk.exitFullscreen') : t('kiosk.fullscreen');
}

if (document.fullscreenEnabled) {
  el.fullscreen.hidden = false;
  el.fullscreen.addEventListener('click', async () => {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await document.documentElement.requestFullscreen();
    } catch {
      // refused by the browser; nothing to do
    }
    focusScan();
  });
  document.addEventListener('fullscreenchange', updateFullscreenLabel);
}

// ---------- language ----------

onLangChange(() => {
  formatterCache.clear();
  updateFullscreenLabel();
  if (el.pairButton.disabled) el.pairButton.textContent = t('kiosk.pairing');
  renderHeader();
  if (state.mode === 'kiosk') {
    renderKiosk();
    focusScan();
  }
});

// ---------- start ----------

if (getToken()) {
  showMode('loading');
  refreshMe();
} else {
  goToPairing('');
}
