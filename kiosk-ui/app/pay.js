// My pay (phone first): the terms notices of my assignments to acknowledge, my statements
// (支払明細) of an approved month, and my bank account for transfers.
//
//   GET  /api/v1/me/terms, POST /api/v1/me/terms/{id}/acknowledge
//   GET  /api/v1/me/statements?month=YYYY-MM
//   GET  /api/v1/me/fiscal-year
//   GET  /api/v1/people/{me}/bank-account, PUT the same

import { addStrings, getLang, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';
import { field, formatDate, messageBox, todayAt } from '/app/util.js';

addStrings({
  ja: {
    'pay.title': '報酬',
    'pay.heading': '報酬',
    'pay.terms': '業務委託の条件',
    'pay.noTerms': '条件の通知はありません。',
    'pay.acknowledge': '確認しました',
    'pay.acknowledged': '{date} に確認済み',
    'pay.doneAck': '確認を記録しました。',
    'pay.statements': '支払明細',
    'pay.month': '月',
    'pay.noStatements': 'この月の承認済みの明細はありません。',
    'pay.project': 'プロジェクト',
    'pay.hours': '時間',
    'pay.rate': '時給',
    'pay.amount': '金額',
    'pay.withholding': '源泉徴収',
    'pay.total': '差引支払額',
    'pay.due': '支払期日 {date}',
    'pay.paid': '{date} に支払済み',
    'pay.invoice': '登録番号 {n}',
    'pay.bank': '振込先の口座',
    'pay.bankCode': '金融機関コード(4桁)',
    'pay.branchCode': '支店コード(3桁)',
    'pay.accountType': '預金種目',
    'pay.type.ordinary': '普通',
    'pay.type.current': '当座',
    'pay.type.savings': '貯蓄',
    'pay.number': '口座番号(7桁)',
    'pay.holder': '口座名義(カナ)',
    'pay.saveBank': '口座を保存する',
    'pay.doneBank': '口座を保存しました。',
    'pay.yen': '{n} 円',
    'pay.year': '{y}年度の支払額',
    'pay.yearRange': '{from}〜{to} に支払われた額(源泉徴収後 {total})',
  },
  en: {
    'pay.title': 'Pay',
    'pay.heading': 'Pay',
    'pay.terms': 'Terms of my assignments',
    'pay.noTerms': 'No terms notices.',
    'pay.acknowledge': 'I have read them',
    'pay.acknowledged': 'Acknowledged on {date}',
    'pay.doneAck': 'Your acknowledgment is recorded.',
    'pay.statements': 'Statements',
    'pay.month': 'Month',
    'pay.noStatements': 'No approved statement for this month.',
    'pay.project': 'Project',
    'pay.hours': 'Hours',
    'pay.rate': 'Rate',
    'pay.amount': 'Amount',
    'pay.withholding': 'Withholding',
    'pay.total': 'Total',
    'pay.due': 'Due on {date}',
    'pay.paid': 'Paid on {date}',
    'pay.invoice': 'Registration number {n}',
    'pay.bank': 'Bank account for transfers',
    'pay.bankCode': 'Bank code (4 digits)',
    'pay.branchCode': 'Branch code (3 digits)',
    'pay.accountType': 'Account type',
    'pay.type.ordinary': 'Ordinary',
    'pay.type.current': 'Current',
    'pay.type.savings': 'Savings',
    'pay.number': 'Account number (7 digits)',
    'pay.holder': 'Holder (kana)',
    'pay.saveBank': 'Save the account',
    'pay.doneBank': 'The account is saved.',
    'pay.yen': '{n} yen',
    'pay.year': 'Paid in fiscal year {y}',
    'pay.yearRange': 'Paid from {from} to {to} ({total} after withholding)',
  },
});

export const titleKey = 'pay.title';

/** The month before this one in Japan, by the service's clock ("YYYY-MM"). */
function lastMonth() {
  const [y, m] = todayAt('Asia/Tokyo').split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

const yen = (n) => t('pay.yen', { n: Number(n).toLocaleString(getLang() === 'ja' ? 'ja-JP' : 'en-US') });

export function mount(main, ctx) {
  let alive = true;
  let month = lastMonth();
  let terms = [];
  let statements = [];
  let year = null;
  let bank = { bank_code: '', branch_code: '', account_type: 'ordinary', number: '', holder_kana: '' };
  let bankErrors = {};
  const root = h('div', { class: 'view pay' });
  const status = h('div', { class: 'message', id: 'pay-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { id: 'pay-body', 'aria-busy': 'true' });
  main.append(root);

  function render() {
    setChildren(root, h('h1', { id: 'pay-heading' }, t('pay.heading')), status, body);
    draw();
  }

  function draw() {
    const ja = getLang() === 'ja';
    setChildren(body,
      h('section', { 'aria-labelledby': 'pay-terms' },
        h('h2', { id: 'pay-terms' }, t('pay.terms')),
        terms.length === 0 ? h('p', { class: 'empty' }, t('pay.noTerms'))
          : h('ul', { class: 'items', id: 'pay-terms-list' }, terms.map((x) => h('li', { class: 'card', 'data-terms': String(x.id) },
            h('pre', { class: 'terms', tabindex: '0' }, ja ? x.body_ja : x.body_en),
            x.acknowledged_at
              ? h('p', { class: 'hint' }, t('pay.acknowledged', { date: formatDate(x.acknowledged_at.slice(0, 10)) }))
              : h('button', { type: 'button', class: 'btn', onclick: () => acknowledge(x.id) }, t('pay.acknowledge')))))),
      h('section', { 'aria-labelledby': 'pay-statements' },
        h('h2', { id: 'pay-statements' }, t('pay.statements')),
        field({ id: 'pay-month', label: t('pay.month'),
          control: h('input', { type: 'month', value: month, onchange: (ev) => { month = ev.target.value; loadStatements(); } }) }),
        statements.length === 0 ? h('p', { class: 'empty' }, t('pay.noStatements'))
          : statements.map(statementCard)),
      year ? h('section', { 'aria-labelledby': 'pay-year' },
        h('h2', { id: 'pay-year' }, t('pay.year', { y: year.fiscal_year })),
        h('p', { class: 'big', id: 'pay-year-amount' }, yen(year.amount)),
        h('p', { class: 'hint' }, t('pay.yearRange', {
          from: formatDate(year.first_day), to: formatDate(year.last_day), total: yen(year.total) }))) : null,
      h('section', { 'aria-labelledby': 'pay-bank' },
        h('h2', { id: 'pay-bank' }, t('pay.bank')),
        bankForm()));
  }

  function statementCard(s) {
    return h('div', { class: 'card statement', 'data-month': s.month },
      h('table', { class: 'data' },
        h('caption', null, `${s.month} · ${ctx.site(s.site_id).name || ''}`),
        h('thead', null, h('tr', null, ['pay.project', 'pay.hours', 'pay.rate', 'pay.amount', 'pay.withholding', 'pay.total']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', null, s.projects.map((p) => h('tr', null,
          h('th', { scope: 'row' }, p.name),
          h('td', null, (p.minutes / 60).toFixed(2)),
          h('td', null, p.rates.map((r) => yen(r.yen_per_hour)).join(' / ')),
          h('td', null, yen(p.amount)),
          h('td', null, yen(p.withholding)),
          h('td', null, yen(p.total))))),
        h('tfoot', null, h('tr', null,
          h('th', { scope: 'row', colspan: '3' }, t('pay.total')),
          h('td', null, yen(s.amount)), h('td', null, yen(s.withholding)), h('td', { id: 'pay-total' }, yen(s.total))))),
      h('p', null, s.paid_on ? t('pay.paid', { date: formatDate(s.paid_on) }) : t('pay.due', { date: formatDate(s.due_on) })),
      s.invoice_number ? h('p', { class: 'hint' }, t('pay.invoice', { n: s.invoice_number })) : null);
  }

  function bankForm() {
    const input = (key, extra = {}) => h('input', { type: 'text', value: bank[key], oninput: (ev) => { bank[key] = ev.target.value; }, ...extra });
    return h('form', { id: 'pay-bank-form', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); saveBank(); } },
      field({ id: 'bank-code', label: t('pay.bankCode'), error: bankErrors.bank_code, control: input('bank_code', { inputmode: 'numeric', maxlength: '4' }) }),
      field({ id: 'branch-code', label: t('pay.branchCode'), error: bankErrors.branch_code, control: input('branch_code', { inputmode: 'numeric', maxlength: '3' }) }),
      field({ id: 'account-type', label: t('pay.accountType'), error: bankErrors.account_type,
        control: h('select', { onchange: (ev) => { bank.account_type = ev.target.value; } },
          ['ordinary', 'current', 'savings'].map((v) => h('option', { value: v, selected: bank.account_type === v }, t(`pay.type.${v}`)))) }),
      field({ id: 'account-number', label: t('pay.number'), error: bankErrors.number, control: input('number', { inputmode: 'numeric', maxlength: '7' }) }),
      field({ id: 'account-holder', label: t('pay.holder'), error: bankErrors.holder_kana, control: input('holder_kana') }),
      h('button', { type: 'submit', class: 'btn' }, t('pay.saveBank')));
  }

  async function acknowledge(id) {
    try {
      await api('POST', `/api/v1/me/terms/${id}/acknowledge`);
      terms = await api('GET', '/api/v1/me/terms');
      say('ok', t('pay.doneAck'));
      draw();
    } catch (err) {
      say('error', errorText(err));
    }
  }

  async function saveBank() {
    try {
      await api('PUT', `/api/v1/people/${ctx.me.id}/bank-account`, bank);
      bankErrors = {};
      bank = await api('GET', `/api/v1/people/${ctx.me.id}/bank-account`);
      say('ok', t('pay.doneBank'));
    } catch (err) {
      bankErrors = {};
      if (err instanceof ApiError) for (const e of err.errors) bankErrors[e.field] = e.message;
      say('error', errorText(err));
    }
    draw();
  }

  function say(kind, text) {
    status.className = `message ${kind}`;
    status.textContent = text;
  }

  async function loadStatements() {
    try {
      statements = await api('GET', `/api/v1/me/statements?month=${month}`);
    } catch (err) {
      statements = [];
      say('error', errorText(err));
    }
    if (alive) draw();
  }

  async function load() {
    body.setAttribute('aria-busy', 'true');
    try {
      terms = await api('GET', '/api/v1/me/terms');
      year = await api('GET', '/api/v1/me/fiscal-year');
      try {
        bank = await api('GET', `/api/v1/people/${ctx.me.id}/bank-account`);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err;
      }
      await loadStatements();
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
    },
    unmount() {
      alive = false;
    },
  };
}
