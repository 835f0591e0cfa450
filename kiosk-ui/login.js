// Login page: POST /api/v1/auth/login, GET /api/v1/auth/me, POST /api/v1/auth/logout.

import { initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';

initI18n({
  ja: {
    'app.title': 'KADO 塩尻',
    'common.skip': '本文へ移動',
    'login.pageTitle': 'ログイン | KADO',
    'login.heading': 'ログイン',
    'login.email': 'メールアドレス',
    'login.password': 'パスワード',
    'login.submit': 'ログイン',
    'login.submitting': 'ログイン中…',
    'login.missing': 'メールアドレスとパスワードを入力してください。',
    'login.loggedInAs': '{name} さんとしてログイン中',
    'login.links': 'メニュー',
    'login.linkDocs': 'API ドキュメント',
    'login.linkKiosk': '入口キオスク',
    'login.linkAdmin': '管理画面',
    'login.linkApp': '予約・マイページ',
    'login.linkStaff': '館内の状況・点呼',
    'login.linkChildcare': '託児室タブレット',
    'login.linkTrainer': '今日の研修',
    'login.linkMonths': '勤務表の確認',
    'login.linkAccess': 'セキュアルーム',
    'login.logout': 'ログアウト',
    'login.loggedOut': 'ログアウトしました。',
    'login.sendLink': 'ログイン用リンクをメールで受け取る',
    'login.linkSent': 'ログイン用リンクをお送りしました(登録済みのアドレスの場合)。メールをご確認ください。',
    'login.useLink': 'メールのログイン用リンクでログインしますか?',
    'login.useLinkButton': 'このリンクでログインする',
  },
  en: {
    'app.title': 'KADO Shiojiri',
    'common.skip': 'Skip to content',
    'login.pageTitle': 'Log in | KADO',
    'login.heading': 'Log in',
    'login.email': 'Email address',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.submitting': 'Logging in…',
    'login.missing': 'Please enter your email address and password.',
    'login.loggedInAs': 'Logged in as {name}',
    'login.links': 'Menu',
    'login.linkDocs': 'API docs',
    'login.linkKiosk': 'Entrance kiosk',
    'login.linkAdmin': 'Admin',
    'login.linkApp': 'Book & my page',
    'login.linkStaff': 'The building live, roll call',
    'login.linkChildcare': 'Childcare room tablet',
    'login.linkTrainer': "Today's training",
    'login.linkMonths': 'Timesheets',
    'login.linkAccess': 'Secure rooms',
    'login.logout': 'Log out',
    'login.loggedOut': 'You have logged out.',
    'login.sendLink': 'E-mail me a sign-in link',
    'login.linkSent': 'If this address has an account, a sign-in link is on its way. Please check your e-mail.',
    'login.useLink': 'Sign in with the link from your e-mail?',
    'login.useLinkButton': 'Sign in with this link',
  },
});

const $ = (id) => document.getElementById(id);
const loading = $('loading');
const loginSection = $('login-section');
const sessionSection = $('session-section');
const form = $('login-form');
const email = $('email');
const password = $('password');
const loginButton = $('login-button');
const loginMessage = $('login-message');
const sessionHeading = $('session-heading');
const sessionMessage = $('session-message');
const logoutButton = $('logout-button');

let person = null;

/** The page each role works from, in the order a person holding several lands on. */
const LANDING = [
  ['worker', '/app/'],
  ['caregiver', '/childcare/'],
  ['reception', '/staff/'],
  ['trainer', '/trainer/'],
  ['director', '/admin/'],
];

/**
 * Where to go after logging in: a page of the worker's app asked for, else the page of the
 * person's role (workers their app, caregivers the room's tablet, reception the live view,
 * trainers today's sessions, directors the admin page).
 */
function destination(p) {
  const next = new URLSearchParams(location.search).get('next') || '';
  if (/^\/app\/[^\\]*$/.test(next) && !next.startsWith('//')) return next;
  const roles = p && Array.isArray(p.roles) ? p.roles.map((g) => g.role) : [];
  const landing = LANDING.find(([role]) => roles.includes(role));
  if (landing) return landing[1];
  return p && p.is_admin ? '/admin/' : null;
}

function showMessage(el, text, kind) {
  el.className = 'message' + (kind ? ' ' + kind : '');
  el.textContent = text || '';
}

function clearFieldErrors() {
  for (const input of [email, password]) {
    input.removeAttribute('aria-invalid');
    const err = $(input.id + '-error');
    err.textContent = '';
    err.hidden = true;
  }
}

function showFieldErrors(errors) {
  let first = null;
  for (const e of errors || []) {
    const input = e && (e.field === 'email' ? email : e.field === 'password' ? password : null);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    const err = $(input.id + '-error');
    err.textContent = e.message || '';
    err.hidden = !e.message;
    if (!first) first = input;
  }
  return first;
}

function renderLoggedIn() {
  loading.hidden = true;
  loginSection.hidden = true;
  sessionSection.hidden = false;
  const roles = person && Array.isArray(person.roles) ? person.roles.map((g) => g.role) : [];
  document.getElementById('app-link-item').hidden = roles.length === 0;
  // Each staff page for the roles that work from it.
  for (const li of document.querySelectorAll('li[data-roles]')) {
    li.hidden = !li.dataset.roles.split(' ').some((r) => roles.includes(r));
  }
  sessionHeading.textContent = t('login.loggedInAs', { name: person && person.name ? person.name : '' });
}

function renderLoginForm() {
  loading.hidden = true;
  sessionSection.hidden = true;
  loginSection.hidden = false;
}

onLangChange(() => {
  if (person) renderLoggedIn();
  loginButton.textContent = loginButton.disabled ? t('login.submitting') : t('login.submit');
});

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (loginButton.disabled) return;
  clearFieldErrors();
  const body = { email: email.value.trim(), password: password.value };
  if (!body.email || !body.password) {
    showMessage(loginMessage, t('login.missing'), 'error');
    (body.email ? password : email).focus();
    return;
  }
  loginButton.disabled = true;
  loginButton.textContent = t('login.submitting');
  showMessage(loginMessage, '', null);
  try {
    person = await api('POST', '/api/v1/auth/login', body);
    password.value = '';
    showMessage(loginMessage, '', null);
    const to = destination(person);
    if (to) {
      location.assign(to);
      return;
    }
    renderLoggedIn();
    sessionHeading.focus();
  } catch (err) {
    // Keep what the user typed; show the server's (already localized) detail.
    showMessage(loginMessage, errorText(err), 'error');
    if (err instanceof ApiError && err.code === 'auth.account_rate_limited') offerLink(body.email);
    const first = err instanceof ApiError ? showFieldErrors(err.errors) : null;
    // The clicked button was disabled meanwhile, which drops focus: put it back in the form.
    (first || password).focus();
  } finally {
    loginButton.disabled = false;
    loginButton.textContent = t('login.submit');
  }
});

logoutButton.addEventListener('click', async () => {
  logoutButton.disabled = true;
  showMessage(sessionMessage, '', null);
  try {
    await api('POST', '/api/v1/auth/logout');
    person = null;
    renderLoginForm();
    showMessage(loginMessage, t('login.loggedOut'), 'ok');
    email.focus();
  } catch (err) {
    showMessage(sessionMessage, errorText(err), 'error');
  } finally {
    logoutButton.disabled = false;
  }
});

/** The owner's way in when the account-wide limit is spent: a one-time link by e-mail. */
function offerLink(address) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn';
  button.textContent = t('login.sendLink');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('POST', '/api/v1/auth/login-link', { email: address });
      showMessage(loginMessage, t('login.linkSent'), 'ok');
    } catch (err) {
      showMessage(loginMessage, errorText(err), 'error');
    }
  });
  loginMessage.append(' ', button);
}

/**
 * Opened from a sign-in link: the token is redeemed only when the person clicks, so that a
 * link planted on another site cannot sign a visitor in to someone else's account (login
 * CSRF), and a mail scanner following the link does not use it up.
 */
function offerSignin(token) {
  renderLoginForm();
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn';
  button.textContent = t('login.useLinkButton');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      person = await api('POST', '/api/v1/auth/login-link/redeem', { token });
      const to = destination(person);
      if (to) {
        location.assign(to);
        return;
      }
      showMessage(loginMessage, '', null);
      renderLoggedIn();
      sessionHeading.focus();
    } catch (err) {
      showMessage(loginMessage, errorText(err), 'error');
    }
  });
  showMessage(loginMessage, t('login.useLink'), null);
  loginMessage.append(' ', button);
  button.focus();
}

async function init() {
  const signin = new URLSearchParams(location.search).get('signin');
  if (signin) {
    // Out of the address bar (and the history) at once.
    history.replaceState(null, '', location.pathname);
    offerSignin(signin);
    return;
  }
  try {
    person = await api('GET', '/api/v1/auth/me');
    renderLoggedIn();
  } catch (err) {
    person = null;
    renderLoginForm();
    // 401 simply means "not logged in"; anything else is worth telling the user.
    if (!(err instanceof ApiError && err.status === 401)) showMessage(loginMessage, errorText(err), 'error');
  }
}

init();
