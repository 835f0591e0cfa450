// A secure room's door reader: a kiosk device that a director paired to the room.
//   GET  /api/v1/door/me   (Bearer token) -> {room, space_id, site_id}; 403 access.not_a_door
//   POST /api/v1/door/scan (Bearer token) {credential, direction} -> {allowed, code, message, ...}
// The device token is the kiosk's ("kado.kiosk.token" in localStorage): pair on /kiosk/
// first. A keyboard-wedge reader types into the scan field and presses Enter; the PIN form
// sends "PIN:<member number>:<pin>". Every attempt is answered allow or deny with the reason.

import { initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError } from '/shared/api.js';

initI18n({
  ja: {
    'door.pageTitle': 'セキュアルームの扉 | KADO',
    'door.heading': 'セキュアルーム',
    'door.direction': '入室・退室',
    'door.enter': '入室',
    'door.leave': '退室',
    'door.scanLabel': 'カードまたは QR コードをかざしてください',
    'door.member': '会員番号',
    'door.pin': 'PIN',
    'door.pinSubmit': 'PIN で確認',
    'door.unpaired': 'この端末は登録されていません。入口キオスクの画面(/kiosk/)で登録してください。',
    'door.notDoor': 'この端末はセキュアルームの扉に設定されていません。所長が管理画面で設定します。',
    'door.allowed': '入室できます',
    'door.denied': '入室できません',
    'door.left': '退室を記録しました',
    'door.stop': '。',
  },
  en: {
    'door.pageTitle': 'Secure room door | KADO',
    'door.heading': 'Secure room',
    'door.direction': 'Enter or leave',
    'door.enter': 'Enter',
    'door.leave': 'Leave',
    'door.scanLabel': 'Hold your card or QR code to the reader',
    'door.member': 'Member number',
    'door.pin': 'PIN',
    'door.pinSubmit': 'Check PIN',
    'door.unpaired': 'This device is not paired. Pair it on the entrance kiosk page (/kiosk/).',
    'door.notDoor': 'This device is not a secure room door. A director sets it on the admin page.',
    'door.allowed': 'Come in',
    'door.denied': 'Entry refused',
    'door.left': 'Leaving recorded',
    'door.stop': '. ',
  },
});

const TOKEN_KEY = 'kado.kiosk.token';
const token = window.localStorage.getItem(TOKEN_KEY);
const auth = () => ({ headers: { Authorization: `Bearer ${token}` } });
const $ = (id) => document.getElementById(id);
let direction = 'enter';
let room = null;

function notice(key) {
  $('door-notice').textContent = key ? t(key) : '';
}

function showRoom() {
  const heading = $('room-name');
  heading.textContent = room ? `${t('door.heading')} ${room}` : t('door.heading');
}

function setDirection(d) {
  direction = d;
  $('dir-enter').setAttribute('aria-pressed', String(d === 'enter'));
  $('dir-leave').setAttribute('aria-pressed', String(d === 'leave'));
  $('scan-input').focus();
}

function show(r) {
  const box = $('door-result');
  box.dataset.allowed = String(r.allowed);
  const head = r.allowed ? (r.direction === 'leave' ? t('door.left') : t('door.allowed')) : t('door.denied');
  const who = r.person_name ? `${r.person_name}: ` : '';
  box.textContent = `${head}${t('door.stop')}${who}${r.message}`;
  box.dataset.code = r.code || '';
}

async function scan(credential) {
  if (!credential) return;
  try {
    show(await api('POST', '/api/v1/door/scan', { credential, direction }, auth()));
    // Each scan starts as an entry again: a "leave" left selected must not greet the next person.
    if (direction === 'leave') setDirection('enter');
  } catch (err) {
    const box = $('door-result');
    box.dataset.allowed = 'false';
    box.dataset.code = err instanceof ApiError ? err.code : '';
    box.textContent = err instanceof ApiError ? err.detail : String(err);
  }
}

async function start() {
  if (!token) {
    notice('door.unpaired');
    return;
  }
  try {
    const me = await api('GET', '/api/v1/door/me', undefined, auth());
    room = me.room;
  } catch (err) {
    notice(err instanceof ApiError && err.code === 'access.not_a_door' ? 'door.notDoor' : 'door.unpaired');
    return;
  }
  showRoom();
  $('door-screen').hidden = false;
  $('dir-enter').addEventListener('click', () => setDirection('enter'));
  $('dir-leave').addEventListener('click', () => setDirection('leave'));
  $('scan-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('scan-input');
    const value = input.value.trim();
    input.value = '';
    await scan(value);
    input.focus();
  });
  $('scan-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      $('scan-form').requestSubmit();
    }
  });
  $('pin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const member = $('pin-member').value.trim();
    const pin = $('pin-pin').value.trim();
    $('pin-pin').value = '';
    await scan(`PIN:${member}:${pin}`);
  });
  $('scan-input').focus();
}

onLangChange(showRoom);
start();
