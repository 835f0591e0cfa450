// Entrance kiosk (unattended).
//   not paired: POST /api/v1/kiosk/pair {code}            -> {token, site}
//   paired:     GET  /api/v1/kiosk/me   (Bearer token)     -> {device, site, local_time, open_now, today}
//               POST /api/v1/kiosk/scan (Bearer token) {credential, scanned_at?}
//                    -> {outcome, message, person_name, space, children, minutes_today, delayed}
//               POST /api/v1/kiosk/decode (Bearer token, image/jpeg camera frame) -> {payload}
// Readers: a keyboard-wedge reader types into the focused scan field and presses Enter; the
// PIN pad sends "PIN:<member number>:<pin>"; the camera reads QR codes with BarcodeDetector
// where the browser has it, else by sending frames to /kiosk/decode.
// Offline: a scan that cannot reach the server is kept in localStorage ("kado.kiosk.kept")
// with its time and sent later, in order, with scanned_at. PINs are never kept.
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
    'kiosk.memberUnderstood': '会員番号 {number} として受け付けます。',
    'kiosk.memberUnknown': 'この会員番号は見つかりません。番号を確かめてください。',
    'kiosk.checking': '確認中…',
    'kiosk.scanOk': '受け付けました',
    'kiosk.children': 'お子さま',
    'kiosk.kept': 'サーバーに接続できません。このスキャンは端末に保存しました。',
    'kiosk.keptNote': '接続が戻りしだい、スキャンした時刻で記録します。',
    'kiosk.pinOffline': 'サーバーに接続できないため、PIN は受け付けられません。QR コードかカードをお使いいただくか、しばらくしてからもう一度入力してください。',
    'kiosk.pending': '送信待ちのスキャン: {count} 件',
    'kiosk.cameraOn': 'カメラで読み取る',
    'kiosk.cameraOff': 'カメラを止める',
    'kiosk.cameraHelp': 'QR コードをカメラに向けてください',
    'kiosk.cameraVideoLabel': 'カメラの映像',
    'kiosk.cameraStarting': 'カメラを起動しています…',
    'kiosk.cameraDenied': 'カメラの使用が許可されていません。',
    'kiosk.cameraMissing': 'カメラが見つかりません。',
    'kiosk.cameraFailed': 'カメラを起動できませんでした。',
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
    'kiosk.memberUnderstood': 'Member number {number}.',
    'kiosk.memberUnknown': 'No one has this member number. Please check it.',
    'kiosk.checking': 'Checking…',
    'kiosk.scanOk': 'Accepted',
    'kiosk.children': 'Children',
    'kiosk.kept': 'Cannot reach the server. Your scan was kept on this kiosk.',
    'kiosk.keptNote': 'It will be recorded with the time you scanned as soon as the connection is back.',
    'kiosk.pinOffline': 'Cannot reach the server, so a PIN cannot be accepted now. Please use your QR code or card, or try again in a moment.',
    'kiosk.pending': 'Scans waiting to be sent: {count}',
    'kiosk.cameraOn': 'Scan with camera',
    'kiosk.cameraOff': 'Stop camera',
    'kiosk.cameraHelp': 'Hold your QR code up to the camera',
    'kiosk.cameraVideoLabel': 'Camera picture',
    'kiosk.cameraStarting': 'Starting the camera…',
    'kiosk.cameraDenied': 'The camera may not be used (permission refused).',
    'kiosk.cameraMissing': 'No camera was found.',
    'kiosk.cameraFailed': 'The camera could not be started.',
  },
});

const TOKEN_KEY = 'kado.kiosk.token';
const KEPT_KEY = 'kado.kiosk.kept';
const CAMERA_KEY = 'kado.kiosk.camera';
const REFRESH_MS = 60_000;
const RETRY_MS = 15_000;
const KEPT_RETRY_MS = 10_000;
const KEPT_MAX = 1000; // the server refuses scans older than 24 hours anyway
const RESULT_MS = 5_000;
const DUPLICATE_MS = 3_000; // readers sometimes send the same code twice
const CAMERA_REPEAT_MS = 5_000; // the same code seen again by the camera within this is ignored
const CAMERA_UPLOAD_MS = 700; // a frame to /kiosk/decode at most this often
const CAMERA_DETECT_MS = 250; // BarcodeDetector runs on the device: look more often
const CAMERA_FORCE_MS = 3_000; // send an unchanged frame again after this long
const PIN_IDLE_MS = 60_000;
const SCAN_TIMEOUT_MS = 10_000;

/** How a member number + PIN is sent as a scan credential. */
function pinCredential(member, pin) {
  return `PIN:${member}:${pin}`;
}

function isPinCredential(credential) {
  return /^pin:/i.test(credential);
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
  cameraButton: $('camera-button'),
  cameraPanel: $('camera-panel'),
  cameraVideo: $('camera-video'),
  cameraStatus: $('camera-status'),
  pending: $('pending-count'),
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
  kept: [], // [{credential, scanned_at}] oldest first, mirrored in localStorage
  flushing: null, // the running flushKept() promise
  lastFlush: 'done', // how the last flushKept() ended: 'done' | 'network' | 'server' | 'revoked'
  pinIdleTimer: null,
  activePinField: null,
};

function showMode(mode) {
  state.mode = mode;
  el.loading.hidden = mode !== 'loading';
  el.pairScreen.hidden = mode !== 'pair';
  el.kioskScreen.hidden = mode !== 'kiosk';
  if (mode === 'kiosk') {
    focusScan();
    renderPending();
    if (cameraWanted() && !camera.stream) startCamera();
  }
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
  stopCamera();
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
    flushKept();
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

// ---------- sound ----------

// Browsers start audio only after a gesture: the first tap or key press (a wedge reader's
// keystrokes count) creates the context.
let audio = null;

function unlockAudio() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    if (!audio) audio = new Ctx();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  } catch {
    audio = null; // no audio device: stay silent
  }
}

document.addEventListener('pointerdown', unlockAudio, true);
document.addEventListener('keydown', unlockAudio, true);

/** A short beep: 'ok' is one higher tone, 'refused' a lower double tone. */
function beep(kind) {
  if (!audio || audio.state !== 'running') return;
  const tones = kind === 'ok'
    ? [{ freq: 1320, at: 0, dur: 0.16 }]
    : [{ freq: 330, at: 0, dur: 0.16 }, { freq: 330, at: 0.24, dur: 0.16 }];
  try {
    for (const tone of tones) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const t0 = audio.currentTime + tone.at;
      osc.type = kind === 'ok' ? 'sine' : 'square';
      osc.frequency.value = tone.freq;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(kind === 'ok' ? 0.35 : 0.18, t0 + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + tone.dur);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(t0);
      osc.stop(t0 + tone.dur + 0.02);
    }
    el.result.dataset.sound = kind; // what was played last (for tests and staff checks)
  } catch {
    // a sound is a nicety
  }
}

// ---------- the result screen ----------

const OUTCOMES = ['checked_in', 'checked_out', 'already_in', 'already_out'];
// Plain text symbols (U+FE0E: not as emoji), found in the usual Japanese fonts.
const ICONS = { checked_in: '✓', checked_out: '✓', already_in: 'ℹ\uFE0E', already_out: 'ℹ\uFE0E', error: '✕', kept: '⚠\uFE0E' };

function clearResult() {
  clearTimeout(state.resultTimer);
  el.result.className = 'scan-result';
  delete el.result.dataset.outcome;
  el.result.replaceChildren();
}

/**
 * Shows a result over the kiosk screen: kind is an outcome, 'error', 'kept' or 'pending'.
 * Back to the idle screen after RESULT_MS (a pending one stays until its answer).
 */
function showResult(kind, message, { children = [], note = '' } = {}) {
  clearTimeout(state.resultTimer);
  el.result.className = `scan-result ${kind}`;
  el.result.dataset.outcome = kind;
  const names = Array.isArray(children) ? children.filter((c) => typeof c === 'string' && c) : [];
  setChildren(el.result,
    ICONS[kind] ? h('span', { class: 'result-icon', 'aria-hidden': 'true' }, ICONS[kind]) : null,
    h('p', { class: 'result-message' }, message),
    names.length
      ? h('div', { class: 'result-children' },
        t('kiosk.children'),
        h('ul', null, names.map((n) => h('li', null, n))))
      : null,
    note ? h('p', { class: 'result-note' }, note) : null);
  if (kind !== 'pending') state.resultTimer = setTimeout(clearResult, RESULT_MS);
}

// A tap on the result screen goes back to the idle screen at once.
el.result.addEventListener('click', () => {
  if (!el.result.classList.contains('pending')) clearResult();
  focusScan();
});

// ---------- scans kept while the server cannot be reached ----------

function loadKept() {
  try {
    const list = JSON.parse(window.localStorage.getItem(KEPT_KEY) || '[]');
    state.kept = Array.isArray(list)
      ? list.filter((k) => k && typeof k.credential === 'string' && typeof k.scanned_at === 'string')
      : [];
  } catch {
    state.kept = [];
  }
}

function saveKept() {
  try {
    if (state.kept.length) window.localStorage.setItem(KEPT_KEY, JSON.stringify(state.kept));
    else window.localStorage.removeItem(KEPT_KEY);
  } catch {
    // kept in memory only
  }
}

function renderPending() {
  const n = state.kept.length;
  el.pending.dataset.count = String(n);
  el.pending.hidden = n === 0;
  el.pending.textContent = n ? t('kiosk.pending', { count: n }) : '';
}

/** The time of a scan as the server's clock would say it (RFC 3339, UTC). */
function scanTime() {
  return new Date(Date.now() + state.skewMs).toISOString();
}

function keep(credential, scannedAt) {
  state.kept.push({ credential, scanned_at: scannedAt });
  if (state.kept.length > KEPT_MAX) state.kept.splice(0, state.kept.length - KEPT_MAX);
  saveKept();
  renderPending();
}

function isNetworkError(err) {
  return err instanceof ApiError && err.status === 0;
}

function isUnpaired(err) {
  return err instanceof ApiError && err.status === 401 && (err.code === 'kiosk.unpaired' || err.code === 'auth.required');
}

/**
 * Sends the kept scans, oldest first, each with its scanned_at. Stops at the first one the
 * server could not take (network or server error) and leaves it for the next try; a scan
 * the server refused (an expired code, too old...) has had its answer and is dropped.
 * Answers how it ended: 'done' | 'network' | 'server' | 'revoked'.
 */
function flushKept() {
  if (state.flushing) return state.flushing;
  state.flushing = (async () => {
    let how = 'done';
    while (state.kept.length) {
      const token = getToken();
      if (!token) {
        how = 'revoked';
        break;
      }
      const item = state.kept[0];
      try {
        await api('POST', '/api/v1/kiosk/scan', { credential: item.credential, scanned_at: item.scanned_at },
          { headers: authHeaders(token), timeoutMs: SCAN_TIMEOUT_MS });
      } catch (err) {
        if (isNetworkError(err)) {
          how = 'network';
          break;
        }
        if (isUnpaired(err)) {
          how = 'revoked';
          revoked();
          break;
        }
        if (!(err instanceof ApiError) || err.status >= 500) {
          how = 'server';
          break;
        }
        // 4xx: the server answered this scan (refused it); nothing more to do with it.
      }
      if (state.kept[0] === item) state.kept.shift();
      saveKept();
      renderPending();
    }
    state.lastFlush = how;
    return how;
  })().finally(() => {
    state.flushing = null;
  });
  return state.flushing;
}

setInterval(() => {
  if (state.kept.length && state.mode === 'kiosk' && getToken()) flushKept();
}, KEPT_RETRY_MS);

window.addEventListener('online', () => {
  if (state.kept.length && getToken()) flushKept();
});

// ---------- scanning ----------

function showAnswer(res) {
  const outcome = res && OUTCOMES.includes(res.outcome) ? res.outcome : 'checked_in';
  const message = res && typeof res.message === 'string' && res.message ? res.message : t('kiosk.scanOk');
  showResult(outcome, message, { children: res && res.children });
  beep('ok');
}

function showKept() {
  showResult('kept', t('kiosk.kept'), { note: t('kiosk.keptNote') });
  setOffline(t('kiosk.offline'));
  beep('ok');
  scheduleRefresh(RETRY_MS);
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
  const scannedAt = scanTime();
  const pin = isPinCredential(credential);

  // A later scan may start while this one waits: every scan is sent (or kept), but only the
  // latest one is shown.
  const seq = ++state.scanSeq;
  const shown = () => seq === state.scanSeq;
  showResult('pending', t('kiosk.checking'));

  const offline = () => {
    setOffline(t('kiosk.offline'));
    scheduleRefresh(RETRY_MS);
    if (pin) {
      // A PIN is never written to the device's storage.
      if (shown()) {
        showResult('error', t('kiosk.pinOffline'));
        beep('refused');
      }
    } else {
      keep(credential, scannedAt);
      if (shown()) showKept();
    }
  };

  // Kept scans go first, so that the server sees every person's scans in order.
  if (state.kept.length) await flushKept();
  if (state.kept.length && state.lastFlush === 'network') {
    offline();
    return;
  }

  try {
    const res = await api('POST', '/api/v1/kiosk/scan', { credential },
      { headers: authHeaders(token), timeoutMs: SCAN_TIMEOUT_MS });
    setOffline('');
    if (shown()) showAnswer(res);
  } catch (err) {
    if (isUnpaired(err)) {
      revoked();
      return;
    }
    // A director made this device a secure room's door reader: the door mode.
    if (err instanceof ApiError && err.code === 'access.door_at_entrance') {
      window.location.assign('/door/');
      return;
    }
    if (isNetworkError(err) && err.code !== 'timeout') {
      offline();
      return;
    }
    // A time-out is not kept: the server may have taken the scan after all, and a copy sent
    // later would count again. Scanning again now is safe (a repeat only shows the state).
    if (isNetworkError(err)) setOffline(t('kiosk.offline'));
    if (shown()) {
      showResult('error', errorText(err));
      beep('refused');
    }
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

function cleanMember(value) {
  return value.normalize('NFKC').toUpperCase().replace(/[^A-Z0-9-]/g, '');
}

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

// The member number the service understood ("1" is K-0001), shown before the PIN is typed.
const pinUnderstood = h('p', { id: 'pin-understood', class: 'pin-understood', 'aria-live': 'polite' });
el.pinMember.closest('.keypad-field').after(pinUnderstood);
const memberLookup = { timer: null, seq: 0, asked: '' };

function clearUnderstood() {
  clearTimeout(memberLookup.timer);
  memberLookup.seq += 1;
  memberLookup.asked = '';
  pinUnderstood.textContent = '';
  pinUnderstood.removeAttribute('data-member');
  pinUnderstood.classList.remove('unknown');
}

async function lookUpMember() {
  clearTimeout(memberLookup.timer);
  const typed = cleanMember(el.pinMember.value);
  const token = getToken();
  if (!typed || !token) {
    clearUnderstood();
    return;
  }
  if (typed === memberLookup.asked) return;
  memberLookup.asked = typed;
  const seq = ++memberLookup.seq;
  try {
    const res = await api('GET', `/api/v1/kiosk/member?number=${encodeURIComponent(typed)}`, undefined,
      { headers: authHeaders(token), timeoutMs: 5000 });
    if (seq !== memberLookup.seq) return;
    pinUnderstood.textContent = t('kiosk.memberUnderstood', { number: res.member_number });
    pinUnderstood.dataset.member = res.member_number;
    pinUnderstood.classList.remove('unknown');
  } catch (err) {
    if (seq !== memberLookup.seq) return;
    memberLookup.asked = '';
    // Offline or a refused token: say nothing here (the PIN answer says what went wrong).
    const unknown = err instanceof ApiError && err.status === 404;
    pinUnderstood.textContent = unknown ? t('kiosk.memberUnknown') : '';
    pinUnderstood.removeAttribute('data-member');
    pinUnderstood.classList.toggle('unknown', unknown);
  }
}

/** After the member number changes: looked up once typing pauses. */
function memberChanged() {
  clearTimeout(memberLookup.timer);
  memberLookup.timer = setTimeout(lookUpMember, 400);
}

function openPin() {
  if (typeof el.pinDialog.showModal !== 'function') return;
  el.pinMember.value = '';
  el.pinPin.value = '';
  el.pinMessage.textContent = '';
  clearUnderstood();
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
    // Typing on a physical keyboard is allowed too: a member number may hold letters and
    // hyphens (K-0001), a PIN only digits.
    const clean = input === el.pinMember ? cleanMember(input.value) : input.value.normalize('NFKC').replace(/\D/g, '');
    const value = clean.slice(0, input.maxLength > 0 ? input.maxLength : 12);
    if (value !== input.value) input.value = value;
    if (input === el.pinMember) memberChanged();
    resetPinIdle();
  });
}
// Moving on to the PIN: the number is looked up at once.
el.pinPin.addEventListener('focus', () => lookUpMember());

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
  if (input === el.pinMember) memberChanged();
  el.pinMessage.textContent = '';
  resetPinIdle();
});

el.pinCancel.addEventListener('click', () => el.pinDialog.close());

el.pinForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const member = cleanMember(el.pinMember.value);
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
  clearUnderstood();
  setTimeout(focusScan, 0);
});

// ---------- camera ----------

const camera = {
  stream: null,
  timer: null,
  detector: null, // BarcodeDetector, where the browser has one for QR codes
  busy: false, // a frame is being read
  canvas: null,
  thumb: null, // a tiny copy of the last frame sent, to skip unchanged frames
  thumbCanvas: null,
  lastSentAt: 0,
  lastSeen: { payload: '', at: 0 },
  starting: false,
};

function cameraAvailable() {
  return !!(navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === 'function');
}

function renderCameraButton() {
  const on = !!camera.stream;
  el.cameraButton.textContent = on ? t('kiosk.cameraOff') : t('kiosk.cameraOn');
  el.cameraButton.setAttribute('aria-expanded', on ? 'true' : 'false');
}

/** Shows the camera button when the device has a camera (or cannot tell before asking). */
async function updateCameraButton() {
  let show = cameraAvailable();
  if (show && typeof navigator.mediaDevices.enumerateDevices === 'function') {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      show = devices.some((d) => d.kind === 'videoinput');
    } catch {
      // cannot tell: offer it
    }
  }
  el.cameraButton.hidden = !show && !camera.stream;
  renderCameraButton();
}

function wantCamera(on) {
  try {
    if (on) window.localStorage.setItem(CAMERA_KEY, '1');
    else window.localStorage.removeItem(CAMERA_KEY);
  } catch {
    // not remembered
  }
}

function cameraWanted() {
  try {
    return window.localStorage.getItem(CAMERA_KEY) === '1';
  } catch {
    return false;
  }
}

async function makeDetector() {
  if (typeof window.BarcodeDetector !== 'function') return null;
  try {
    if (typeof window.BarcodeDetector.getSupportedFormats === 'function') {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes('qr_code')) return null;
    }
    return new window.BarcodeDetector({ formats: ['qr_code'] });
  } catch {
    return null;
  }
}

async function startCamera() {
  if (camera.stream || camera.starting || !cameraAvailable()) return;
  camera.starting = true;
  el.cameraStatus.textContent = t('kiosk.cameraStarting');
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    if (state.mode !== 'kiosk') {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    camera.stream = stream;
    el.cameraVideo.srcObject = stream;
    el.cameraPanel.hidden = false;
    el.cameraStatus.textContent = '';
    renderCameraButton();
    camera.detector = await makeDetector();
    try {
      await el.cameraVideo.play();
    } catch {
      // autoplay of a muted video is allowed; a refusal here shows as a still picture
    }
    if (camera.stream !== stream) return; // stopped meanwhile
    wantCamera(true);
    scheduleFrame(0);
  } catch (err) {
    const name = err && err.name;
    el.cameraStatus.textContent = name === 'NotAllowedError' || name === 'SecurityError'
      ? t('kiosk.cameraDenied')
      : name === 'NotFoundError' || name === 'OverconstrainedError'
        ? t('kiosk.cameraMissing')
        : t('kiosk.cameraFailed');
    beep('refused');
  } finally {
    camera.starting = false;
    renderCameraButton();
    focusScan();
  }
}

function stopCamera() {
  clearTimeout(camera.timer);
  camera.timer = null;
  if (camera.stream) {
    for (const track of camera.stream.getTracks()) track.stop();
  }
  camera.stream = null;
  camera.thumb = null;
  el.cameraVideo.srcObject = null;
  el.cameraPanel.hidden = true;
  renderCameraButton();
}

function scheduleFrame(ms) {
  clearTimeout(camera.timer);
  camera.timer = setTimeout(readFrame, ms);
}

/** A code read by the camera: scanned unless the same code was seen within CAMERA_REPEAT_MS. */
function cameraRead(raw) {
  const payload = normalizeScan(raw || '');
  if (!payload || el.pinDialog.open) return; // someone is typing a PIN
  const now = Date.now();
  const again = payload === camera.lastSeen.payload && now - camera.lastSeen.at < CAMERA_REPEAT_MS;
  // A code held in front of the camera keeps being seen: it is read once, not every 5 s.
  camera.lastSeen = { payload, at: now };
  if (!again) submitCredential(payload);
}

/** A 32x24 copy of the frame, to tell whether anything moved since the last frame sent. */
function frameThumb(video) {
  if (!camera.thumbCanvas) camera.thumbCanvas = document.createElement('canvas');
  const c = camera.thumbCanvas;
  c.width = 32;
  c.height = 24;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(video, 0, 0, c.width, c.height);
  return ctx.getImageData(0, 0, c.width, c.height).data;
}

function sameAsSent(thumb) {
  const prev = camera.thumb;
  if (!thumb || !prev || prev.length !== thumb.length) return false;
  let diff = 0;
  for (let i = 0; i < thumb.length; i += 4) diff += Math.abs(thumb[i + 1] - prev[i + 1]);
  return diff / (thumb.length / 4) < 2; // mean change of the green channel under 2 of 255
}

function frameBlob(video) {
  if (!camera.canvas) camera.canvas = document.createElement('canvas');
  const c = camera.canvas;
  const scale = Math.min(1, 960 / video.videoWidth);
  c.width = Math.max(1, Math.round(video.videoWidth * scale));
  c.height = Math.max(1, Math.round(video.videoHeight * scale));
  const ctx = c.getContext('2d');
  if (!ctx) return Promise.resolve(null);
  ctx.drawImage(video, 0, 0, c.width, c.height);
  return new Promise((resolve) => c.toBlob(resolve, 'image/jpeg', 0.85));
}

async function decodeOnServer(blob) {
  const token = getToken();
  if (!token || !blob) return null;
  let res;
  try {
    res = await fetch('/api/v1/kiosk/decode', {
      method: 'POST',
      headers: { ...authHeaders(token), 'Content-Type': 'image/jpeg', Accept: 'application/json, application/problem+json', 'Accept-Language': getLang() },
      body: blob,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    return null; // offline: the scan path says so when a code is read
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 401 && data && data.code === 'kiosk.unpaired') {
    revoked();
    return null;
  }
  return res.ok && data && typeof data.payload === 'string' ? data.payload : null;
}

async function readFrame() {
  camera.timer = null;
  const video = el.cameraVideo;
  if (!camera.stream) return;
  let next = camera.detector ? CAMERA_DETECT_MS : CAMERA_UPLOAD_MS;
  if (!camera.busy && video.readyState >= 2 && video.videoWidth > 0 && !document.hidden) {
    camera.busy = true;
    try {
      if (camera.detector) {
        try {
          const codes = await camera.detector.detect(video);
          const code = codes.find((c) => c && c.rawValue);
          if (code) cameraRead(code.rawValue);
        } catch {
          camera.detector = null; // the device cannot read after all: use the server
          next = 0;
        }
      } else {
        // A still scene with nothing to read is not sent again and again.
        const now = Date.now();
        const thumb = frameThumb(video);
        if (!sameAsSent(thumb) || now - camera.lastSentAt >= CAMERA_FORCE_MS) {
          camera.lastSentAt = now;
          camera.thumb = thumb;
          const payload = await decodeOnServer(await frameBlob(video));
          if (payload) cameraRead(payload);
        }
      }
    } finally {
      camera.busy = false;
    }
  }
  if (camera.stream) scheduleFrame(next);
}

el.cameraButton.addEventListener('click', () => {
  if (camera.stream) {
    stopCamera();
    wantCamera(false);
    focusScan();
  } else {
    startCamera();
  }
});

if (cameraAvailable()) {
  updateCameraButton();
  if (typeof navigator.mediaDevices.addEventListener === 'function') {
    navigator.mediaDevices.addEventListener('devicechange', updateCameraButton);
  }
}

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
  renderCameraButton();
  renderPending();
  if (state.mode === 'kiosk') {
    renderKiosk();
    focusScan();
  }
});

// ---------- start ----------

loadKept();
renderPending();
if (getToken()) {
  showMode('loading');
  refreshMe();
} else {
  goToPairing('');
}
