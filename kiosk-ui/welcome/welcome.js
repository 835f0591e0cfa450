// The invitation's page: the person sets their first password with the token from the link
// (in the fragment, so no server log keeps it), then goes on signed in.
//   POST /api/v1/invitations/accept {token, password}

import { initI18n, t } from '/shared/i18n.js';
import { api, errorText } from '/shared/api.js';

initI18n({
  ja: {
    'welcome.pageTitle': 'パスワードの設定 | KADO',
    'welcome.heading': 'パスワードの設定',
    'welcome.help': 'KADO へようこそ。8 文字以上のパスワードを決めてください。',
    'welcome.password': '新しいパスワード',
    'welcome.again': 'もう一度',
    'welcome.submit': '設定してログイン',
    'welcome.mismatch': '二つのパスワードが違います。',
    'welcome.noToken': 'リンクが不完全です。メールのリンクをそのまま開いてください。',
    'welcome.done': 'パスワードを設定しました。移動します…',
  },
  en: {
    'welcome.pageTitle': 'Choose your password | KADO',
    'welcome.heading': 'Choose your password',
    'welcome.help': 'Welcome to KADO. Choose a password of at least 8 characters.',
    'welcome.password': 'New password',
    'welcome.again': 'Again',
    'welcome.submit': 'Save and sign in',
    'welcome.mismatch': 'The two passwords differ.',
    'welcome.noToken': 'The link is incomplete. Open the link from the e-mail as it is.',
    'welcome.done': 'Your password is set. Taking you on…',
  },
});

const token = location.hash.slice(1);
// Out of the address bar and the history, now that it is read.
history.replaceState(null, '', location.pathname);
const form = document.getElementById('welcome-form');
const out = document.getElementById('welcome-message');
const pw = document.getElementById('password');
const again = document.getElementById('again');

function fieldError(input, text) {
  input.setAttribute('aria-invalid', text ? 'true' : 'false');
  document.getElementById(`${input.id}-error`).textContent = text || '';
  if (text) input.focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  fieldError(pw, '');
  fieldError(again, '');
  out.className = 'message';
  if (!token) {
    out.className = 'message error';
    out.textContent = t('welcome.noToken');
    return;
  }
  if (pw.value !== again.value) {
    fieldError(again, t('welcome.mismatch'));
    return;
  }
  try {
    const me = await api('POST', '/api/v1/invitations/accept', { token, password: pw.value });
    out.className = 'message ok';
    out.textContent = t('welcome.done');
    const staff = me.is_admin || (me.roles || []).some((g) => g.role === 'director');
    location.assign(staff ? '/admin/' : '/app/');
  } catch (err) {
    const field = err.errors && err.errors.find((x) => x.field === 'password');
    if (field) fieldError(pw, field.message);
    else {
      out.className = 'message error';
      out.textContent = errorText(err);
    }
  }
});
