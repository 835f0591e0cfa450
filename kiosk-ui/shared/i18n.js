// Shared language handling for the KADO pages.
// Japanese by default; the choice is remembered in localStorage ("kado.lang").
//
// Markup hooks (applied by applyI18n):
//   data-i18n="key"             -> textContent
//   data-i18n-placeholder="key" -> placeholder attribute
//   data-i18n-aria-label="key"  -> aria-label attribute
//   data-i18n-title="key"       -> title attribute
// A button with id="lang-toggle" becomes the one-tap language switch.

const STORAGE_KEY = 'kado.lang';
export const LANGS = ['ja', 'en'];

const dict = {
  ja: {
    'app.name': 'KADO',
    'lang.switch': 'English',
    'lang.switchLabel': 'Switch to English',
    'common.loading': '読み込み中…',
    'common.skip': '本文へ移動',
    'common.logout': 'ログアウト',
    'common.retry': '再試行',
    'common.close': '閉じる',
    'common.cancel': 'キャンセル',
    'common.yes': 'はい',
    'common.no': 'いいえ',
    'common.none': '—',
    'error.network': 'サーバーに接続できません。ネットワークを確認してください。',
    'error.timeout': 'サーバーの応答がありません。しばらくしてからもう一度お試しください。',
    'error.http': 'エラーが発生しました（HTTP {status}）。',
    'error.unexpected': '予期しないエラーが発生しました。',
  },
  en: {
    'app.name': 'KADO',
    'lang.switch': '日本語',
    'lang.switchLabel': '日本語に切り替え',
    'common.loading': 'Loading…',
    'common.skip': 'Skip to content',
    'common.logout': 'Log out',
    'common.retry': 'Retry',
    'common.close': 'Close',
    'common.cancel': 'Cancel',
    'common.yes': 'Yes',
    'common.no': 'No',
    'common.none': '—',
    'error.network': 'Cannot reach the server. Please check the network.',
    'error.timeout': 'The server did not answer. Please try again in a moment.',
    'error.http': 'Something went wrong (HTTP {status}).',
    'error.unexpected': 'An unexpected error occurred.',
  },
};

function readStored() {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch {
    return null; // storage disabled (private mode, kiosk policy…)
  }
}

let current = readStored() || 'ja';

/** Current language code: "ja" or "en". */
export function getLang() {
  return current;
}

/** BCP 47 locale used with Intl formatters. */
export function getLocale() {
  return current === 'ja' ? 'ja-JP' : 'en-GB';
}

/** Merge page-specific strings: addStrings({ ja: {...}, en: {...} }). */
export function addStrings(strings) {
  for (const lang of LANGS) {
    if (strings && strings[lang]) Object.assign(dict[lang], strings[lang]);
  }
}

/** Translate a key; "{name}" placeholders are replaced from vars. */
export function t(key, vars) {
  let s = dict[current][key];
  if (s === undefined) s = dict.ja[key];
  if (s === undefined) s = key;
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, name) =>
      Object.prototype.hasOwnProperty.call(vars, name) && vars[name] != null ? String(vars[name]) : m);
  }
  return s;
}

/** Fill every element carrying data-i18n* attributes under root. */
export function applyI18n(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.setAttribute('title', t(el.dataset.i18nTitle));
  updateToggle();
}

function updateToggle() {
  const btn = document.getElementById('lang-toggle');
  if (!btn) return;
  const other = current === 'ja' ? 'en' : 'ja';
  btn.textContent = t('lang.switch');
  btn.setAttribute('lang', other);
  btn.setAttribute('aria-label', t('lang.switchLabel'));
}

const listeners = new Set();

/** Call fn(lang) after every language change. Returns an unsubscribe function. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function setLang(lang) {
  if (!LANGS.includes(lang)) return;
  current = lang;
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not persisted; the switch still works for this page view.
  }
  applyI18n();
  for (const fn of listeners) {
    try {
      fn(lang);
    } catch (e) {
      console.error(e);
    }
  }
}

export function toggleLang() {
  setLang(current === 'ja' ? 'en' : 'ja');
}

/** Register page strings, translate the page and wire the #lang-toggle button. */
export function initI18n(strings) {
  if (strings) addStrings(strings);
  applyI18n();
  const btn = document.getElementById('lang-toggle');
  if (btn && !btn.dataset.wired) {
    btn.dataset.wired = '1';
    btn.addEventListener('click', toggleLang);
  }
}

// Keep several open tabs in step.
window.addEventListener('storage', (e) => {
  if (e.key === STORAGE_KEY && LANGS.includes(e.newValue) && e.newValue !== current) setLang(e.newValue);
});
