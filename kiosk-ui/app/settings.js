// Settings: language (saved to the account), password, kiosk PIN, lost phone, log out.
//
//   PATCH /api/v1/auth/me {language}          (through the language switch, app.js)
//   POST  /api/v1/auth/password {current_password, new_password}
//   PUT   /api/v1/me/pin {pin}
//   POST  /api/v1/me/qr/revoke
//   POST  /api/v1/auth/logout

import { getLang, setLang, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';
import { confirmButton, field, focusFirstError, group, messageBox, option } from '/app/util.js';

export const titleKey = 'settings.title';

export function mount(main, ctx) {
  let alive = true;
  const pw = { current: '', next: '', again: '' };
  const pin = { pin: '', again: '' };
  let pwErrors = {};
  let pinErrors = {};
  let pwDone = '';
  let pinDone = '';
  let qrDone = '';
  const root = h('div', { class: 'view settings' });
  main.append(root);

  function passwordForm() {
    return h('form', { id: 'password-form', class: 'stack-form', novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      pwErrors = {};
      pwDone = '';
      if (pw.next !== pw.again) pwErrors.again = t('settings.mismatch');
      if (!Object.keys(pwErrors).length) {
        try {
          await api('POST', '/api/v1/auth/password', { current_password: pw.current, new_password: pw.next });
          pw.current = '';
          pw.next = '';
          pw.again = '';
          pwDone = t('settings.passwordChanged');
        } catch (err) {
          if (err instanceof ApiError) {
            for (const e of err.errors) {
              if (e.field === 'current_password') pwErrors.current = e.message;
              if (e.field === 'new_password') pwErrors.next = e.message;
            }
          }
          if (!Object.keys(pwErrors).length) pwErrors._form = errorText(err);
        }
      }
      render();
      const form = document.getElementById('password-form');
      if (!focusFirstError(form)) {
        const box = form.querySelector('.message');
        if (box) box.focus();
      }
    } },
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: ctx.me.email, hidden: true, readonly: true, tabindex: '-1', 'aria-hidden': 'true' }),
    field({ id: 'pw-current', label: t('settings.currentPassword'), error: pwErrors.current,
      control: h('input', { type: 'password', autocomplete: 'current-password', value: pw.current, oninput: (ev) => { pw.current = ev.target.value; } }) }),
    field({ id: 'pw-new', label: t('settings.newPassword'), hint: t('settings.newPasswordHint'), error: pwErrors.next,
      control: h('input', { type: 'password', autocomplete: 'new-password', value: pw.next, oninput: (ev) => { pw.next = ev.target.value; } }) }),
    field({ id: 'pw-again', label: t('settings.confirmPassword'), error: pwErrors.again,
      control: h('input', { type: 'password', autocomplete: 'new-password', value: pw.again, oninput: (ev) => { pw.again = ev.target.value; } }) }),
    pwErrors._form ? messageBox(pwErrors._form) : null,
    pwDone ? h('div', { class: 'message ok', role: 'status', tabindex: '-1' }, pwDone) : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'pw-submit' }, t('settings.changePassword'))));
  }

  function pinForm() {
    const pinInput = (key) => h('input', {
      type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '6', value: pin[key],
      oninput: (ev) => { pin[key] = ev.target.value; },
    });
    return h('form', { id: 'pin-form', class: 'stack-form', novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      pinErrors = {};
      pinDone = '';
      if (pin.pin !== pin.again) pinErrors.again = t('settings.pinMismatch');
      if (!Object.keys(pinErrors).length) {
        try {
          await api('PUT', '/api/v1/me/pin', { pin: pin.pin });
          pin.pin = '';
          pin.again = '';
          pinDone = t('settings.pinSet');
        } catch (err) {
          if (err instanceof ApiError) for (const e of err.errors) if (e.field === 'pin') pinErrors.pin = e.message;
          if (!Object.keys(pinErrors).length) pinErrors._form = errorText(err);
        }
      }
      render();
      const form = document.getElementById('pin-form');
      if (!focusFirstError(form)) {
        const box = form.querySelector('.message');
        if (box) box.focus();
      }
    } },
    h('p', null, t('settings.pinIntro')),
    field({ id: 'pin-new', label: t('settings.pinLabel'), error: pinErrors.pin, control: pinInput('pin') }),
    field({ id: 'pin-again', label: t('settings.pinConfirm'), error: pinErrors.again, control: pinInput('again') }),
    pinErrors._form ? messageBox(pinErrors._form) : null,
    pinDone ? h('div', { class: 'message ok', role: 'status', tabindex: '-1' }, pinDone) : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'pin-submit' }, t('settings.setPin'))));
  }

  function render() {
    if (!alive) return;
    const me = ctx.me;
    const lang = getLang();
    setChildren(root, 
      h('h1', { id: 'settings-heading' }, t('settings.heading')),
      h('section', { 'aria-labelledby': 'account-heading' },
        h('h2', { id: 'account-heading' }, t('settings.account')),
        h('dl', { class: 'facts' },
          h('dt', null, t('children.name')), h('dd', null, me.name),
          h('dt', null, t('settings.email')), h('dd', null, me.email),
          me.member_number ? [h('dt', null, t('settings.member')), h('dd', null, me.member_number)] : null)),
      h('section', { 'aria-labelledby': 'lang-heading' },
        h('h2', { id: 'lang-heading' }, t('settings.language')),
        group({
          id: 'settings-lang', legend: t('settings.language'), hint: t('settings.languageHint'), className: 'plain',
          content: h('div', { class: 'options inline' },
            option({ type: 'radio', name: 'language', value: 'ja', id: 'lang-ja', checked: lang === 'ja', label: '日本語',
              onchange: () => { setLang('ja'); document.getElementById('lang-ja').focus(); } }),
            option({ type: 'radio', name: 'language', value: 'en', id: 'lang-en', checked: lang === 'en', label: 'English',
              onchange: () => { setLang('en'); document.getElementById('lang-en').focus(); } })),
        })),
      h('section', { 'aria-labelledby': 'pw-heading' },
        h('h2', { id: 'pw-heading' }, t('settings.password')), passwordForm()),
      h('section', { 'aria-labelledby': 'pin-heading' },
        h('h2', { id: 'pin-heading' }, t('settings.pin')), pinForm()),
      h('section', { 'aria-labelledby': 'lost-heading' },
        h('h2', { id: 'lost-heading' }, t('settings.lost')),
        h('p', null, t('settings.lostIntro')),
        qrDone ? h('div', { class: 'message ok', role: 'status' }, qrDone) : confirmButton({
          label: t('settings.revokeQr'), question: t('settings.revokeQrQuestion'), confirmLabel: t('settings.revokeQrConfirm'),
          className: 'btn secondary',
          onconfirm: async () => {
            try {
              await api('POST', '/api/v1/me/qr/revoke');
              qrDone = t('settings.qrRevoked');
            } catch (err) {
              qrDone = errorText(err);
            }
            render();
          },
        })),
      h('section', { 'aria-labelledby': 'logout-heading' },
        h('h2', { id: 'logout-heading', class: 'visually-hidden' }, t('settings.logout')),
        h('button', { type: 'button', class: 'btn danger', id: 'logout', onclick: async () => {
          try {
            await api('POST', '/api/v1/auth/logout');
            // A staff member's roll call kept on this device goes with the session.
            try {
              for (const key of Object.keys(localStorage)) if (key.startsWith('kado.staff.')) localStorage.removeItem(key);
            } catch {
              // storage disabled: nothing kept
            }
          } finally {
            location.assign('/');
          }
        } }, t('settings.logout'))));
  }

  render();
  return {
    rerender() {
      pwErrors = {};
      pinErrors = {};
      render();
    },
    unmount() {
      alive = false;
    },
  };
}
