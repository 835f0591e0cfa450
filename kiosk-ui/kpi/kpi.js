// The federation's KPI page (issue 21): a fiscal year's KPI table per municipality and in
// total (baseline, target, actual, achievement), the month-by-month trend as charts with a
// table beside each, the onboarding funnel with its median days and the people stuck at
// each step (names for directors and administrators only: the API leaves them out for a
// municipality's viewers), the exports, and the forms for orders, costs and targets.

import { getLang, initI18n, onLangChange, t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren, dataTable } from '/shared/dom.js';
import { localDate } from '/shared/time.js';

initI18n({
  ja: {
    'app.title': 'KADO', 'common.skip': '本文へ移動',
    'kpi.pageTitle': '事業の KPI | KADO', 'kpi.heading': '事業の KPI', 'kpi.year': '年度',
    'kpi.yearLabel': '{year}年度（{year}年4月〜{next}年3月）', 'kpi.scope': '推移と導入ファネルの対象',
    'kpi.xlsx': 'Excel（委員会の様式）', 'kpi.csv': 'CSV', 'kpi.table': '重要業績指標', 'kpi.trend': '月別の推移',
    'kpi.funnel': '導入ファネル', 'kpi.entry': '受注・経費・目標の入力',
    'kpi.indicator': '指標', 'kpi.baseline': '基準値', 'kpi.target': '目標値', 'kpi.actual': '実績値', 'kpi.achievement': '達成率',
    'kpi.month': '月', 'kpi.value': '値', 'kpi.asTable': '表で見る',
    'kpi.chartActive': '就労ワーカー数（人）', 'kpi.chartCenter': 'センターでの就労時間（時間）', 'kpi.chartRemote': '在宅での就労時間（時間）',
    'kpi.chartPaid': 'ワーカーへの支払額（円）', 'kpi.chartOrders': '受注額（円）',
    'kpi.chartAlt': '{title}: {from}から{to}までの月別棒グラフ。最大 {max}。',
    'kpi.step': '段階', 'kpi.reached': '到達した人数', 'kpi.median': '前の段階からの日数（中央値）', 'kpi.stuck': 'ここで止まっている人数',
    'kpi.step.registered': '登録', 'kpi.step.onboarded': '導入研修の修了', 'kpi.step.first_work': '初めての予約または就労',
    'kpi.step.first_paid': '初めての支払い', 'kpi.step.earned': '累計1万円の収入',
    'kpi.stuckAt': '「{step}」で止まっている人', 'kpi.since': '{since}から{days}日', 'kpi.behind': '研修の遅れ一覧（トレーナー）',
    'kpi.days': '{days}日', 'kpi.noNames': '個人名は表示されません。',
    'kpi.finalTarget': '累積増加分の目標値（最終年度末）', 'kpi.yearTarget': '単年度増加分の目標値', 'kpi.yearIncrease': '単年度増加分の実績値',
    'kpi.yearAchievement': '単年度増加分の達成率', 'kpi.cumTarget': '累積増加分の目標値（年度末時点）', 'kpi.cumIncrease': '累積増加分の実績値',
    'kpi.cumAchievement': '累積増加分の達成率', 'kpi.increaseNote': '単年度増加分 = 本年度の実績値 − 前年度の実績値、累積増加分 = 本年度の実績値 − 基準値。',
    'kpi.edit': '編集', 'kpi.editLabel': '{date}の受注 {amount}円を編集', 'kpi.editOrder': '受注の編集', 'kpi.cancel': 'やめる',
    'kpi.fewer': '3人未満のため非表示', 'kpi.fewerNote': '「<3」: 3人未満の人に由来する数値は、個人が特定されないよう表示しません。',
    'kpi.order': '受注の入力', 'kpi.project': '案件', 'kpi.orderedOn': '受注日', 'kpi.amount': '金額（円）',
    'kpi.givenTo': '仕事を配分した自治体（任意）', 'kpi.projectSite': '案件の拠点の自治体', 'kpi.note': 'メモ（任意）', 'kpi.add': '追加する',
    'kpi.cost': '運用経費の入力', 'kpi.costOf': '対象', 'kpi.corporation': '法人全体', 'kpi.save': '保存する',
    'kpi.targetForm': '基準値・目標値の入力', 'kpi.targetOf': '対象', 'kpi.programme': '事業全体', 'kpi.kpi': '指標',
    'kpi.orders': 'この年度の受注', 'kpi.client': 'クライアント', 'kpi.remove': '削除', 'kpi.removeLabel': '{date}の受注 {amount}円を削除',
    'kpi.saved': '保存しました。', 'kpi.noOrders': 'この年度の受注はありません。',
    'kpi.forbidden': 'このページは所長・管理者・自治体の担当者が使います。', 'kpi.login': 'ログインしてください。',
  },
  en: {
    'app.title': 'KADO', 'common.skip': 'Skip to content',
    'kpi.pageTitle': 'Programme KPIs | KADO', 'kpi.heading': 'Programme KPIs', 'kpi.year': 'Fiscal year',
    'kpi.yearLabel': 'FY {year} (April {year} to March {next})', 'kpi.scope': 'Trend and funnel of',
    'kpi.xlsx': 'Excel (committee layout)', 'kpi.csv': 'CSV', 'kpi.table': 'Key performance indicators', 'kpi.trend': 'Month by month',
    'kpi.funnel': 'Onboarding funnel', 'kpi.entry': 'Orders, costs and targets',
    'kpi.indicator': 'Indicator', 'kpi.baseline': 'Baseline', 'kpi.target': 'Target', 'kpi.actual': 'Actual', 'kpi.achievement': 'Achievement',
    'kpi.month': 'Month', 'kpi.value': 'Value', 'kpi.asTable': 'Show as a table',
    'kpi.chartActive': 'Active workers', 'kpi.chartCenter': 'Hours at a center', 'kpi.chartRemote': 'Remote hours',
    'kpi.chartPaid': 'Paid to workers (yen)', 'kpi.chartOrders': 'Orders (yen)',
    'kpi.chartAlt': '{title}: monthly bars from {from} to {to}; highest {max}.',
    'kpi.step': 'Step', 'kpi.reached': 'Reached', 'kpi.median': 'Median days from the step before', 'kpi.stuck': 'Stuck here',
    'kpi.step.registered': 'Registered', 'kpi.step.onboarded': 'Onboarding complete', 'kpi.step.first_work': 'First booking or hours',
    'kpi.step.first_paid': 'First paid month', 'kpi.step.earned': '10,000 yen earned',
    'kpi.stuckAt': 'Stuck at "{step}"', 'kpi.since': '{days} days since {since}', 'kpi.behind': 'Falling behind (trainer)',
    'kpi.days': '{days} days', 'kpi.noNames': 'Names are not shown.',
    'kpi.finalTarget': 'Cumulative increase target (final year)', 'kpi.yearTarget': 'Single-year increase target', 'kpi.yearIncrease': 'Single-year increase',
    'kpi.yearAchievement': 'Single-year achievement', 'kpi.cumTarget': 'Cumulative increase target (this year\u2019s end)', 'kpi.cumIncrease': 'Cumulative increase',
    'kpi.cumAchievement': 'Cumulative achievement', 'kpi.increaseNote': 'Single-year increase = this year\u2019s actual − last year\u2019s; cumulative increase = this year\u2019s actual − the baseline.',
    'kpi.edit': 'Edit', 'kpi.editLabel': 'Edit the order of {date}, {amount} yen', 'kpi.editOrder': 'Edit the order', 'kpi.cancel': 'Cancel',
    'kpi.fewer': 'withheld: fewer than 3 people', 'kpi.fewerNote': '"<3": figures that fewer than 3 people stand for are withheld, so that nobody can be singled out.',
    'kpi.order': 'Enter an order', 'kpi.project': 'Project', 'kpi.orderedOn': 'Order date', 'kpi.amount': 'Amount (yen)',
    'kpi.givenTo': 'Municipality the work went to (optional)', 'kpi.projectSite': 'The project site\u2019s municipality', 'kpi.note': 'Note (optional)', 'kpi.add': 'Add',
    'kpi.cost': 'Operating costs', 'kpi.costOf': 'For', 'kpi.corporation': 'The corporation', 'kpi.save': 'Save',
    'kpi.targetForm': 'Baseline and target', 'kpi.targetOf': 'For', 'kpi.programme': 'The whole programme', 'kpi.kpi': 'Indicator',
    'kpi.orders': 'Orders of the year', 'kpi.client': 'Client', 'kpi.remove': 'Remove', 'kpi.removeLabel': 'Remove the order of {date}, {amount} yen',
    'kpi.saved': 'Saved.', 'kpi.noOrders': 'No orders this year.',
    'kpi.forbidden': 'This page is for directors, administrators and municipality staff.', 'kpi.login': 'Please log in.',
  },
});

const el = (id) => document.getElementById(id);
const STEPS = ['registered', 'onboarded', 'first_work', 'first_paid', 'earned'];
const state = { me: null, year: null, report: null, funnel: null, scope: '', towns: [], projects: [], orders: [], editing: null };
const num = (v) => (v === null || v === undefined ? '—' : Number(v).toLocaleString(getLang() === 'ja' ? 'ja-JP' : 'en-US'));
/** A withheld figure: "<3", read out in words. */
const fewer = () => h('span', null, h('span', { 'aria-hidden': 'true' }, '<3'), h('span', { class: 'visually-hidden' }, t('kpi.fewer')));
/** A figure, or "<3" when the API withheld it. */
const shown = (v, withheld) => (withheld ? fewer() : num(v));
const pct = (v) => (v === null || v === undefined ? '—' : `${v.toFixed(1)}%`);
const townName = (m) => (getLang() === 'ja' ? m.name_ja : m.name_en);

function say(text, error = false, where = 'status') {
  const s = el(where);
  s.className = error ? 'message error' : 'message ok';
  s.textContent = text;
}

/** The fiscal year (April-March) of today in Japan, whatever the browser's zone. */
function currentYear() {
  const [y, m] = localDate('Asia/Tokyo').split('-').map(Number);
  return m >= 4 ? y : y - 1;
}

function fillYears() {
  const y = currentYear();
  const years = [];
  for (let i = y + 1; i >= y - 5; i -= 1) years.push(i);
  setChildren(el('year-select'), years.map((v) => h('option', { value: String(v) }, t('kpi.yearLabel', { year: v, next: v + 1 }))));
  el('year-select').value = String(state.year);
}

function scopeKey(s) {
  return s.municipality_id === null ? 'total' : String(s.municipality_id);
}

function fillScopes() {
  const scopes = state.report.scopes;
  const keep = state.scope;
  setChildren(el('scope-select'), scopes.map((s) => h('option', { value: scopeKey(s) }, s.name)));
  // The total first when there is one: it is what the committee reads.
  const fallback = scopes.some((s) => s.municipality_id === null) ? 'total' : scopeKey(scopes[0]);
  state.scope = scopes.some((s) => scopeKey(s) === keep) ? keep : fallback;
  el('scope-select').value = state.scope;
}

function renderTables() {
  const cols = [
    { label: t('kpi.indicator'), cell: (k) => k.name },
    { label: t('kpi.baseline'), cell: (k) => num(k.baseline), className: 'num' },
    { label: t('kpi.finalTarget'), cell: (k) => num(k.final_target), className: 'num' },
    { label: t('kpi.yearTarget'), cell: (k) => num(k.year_target), className: 'num' },
    { label: t('kpi.yearIncrease'), cell: (k) => shown(k.year_increase, k.increase_suppressed), className: 'num' },
    { label: t('kpi.yearAchievement'), cell: (k) => pct(k.year_achievement), className: 'num' },
    { label: t('kpi.cumTarget'), cell: (k) => num(k.cumulative_target), className: 'num' },
    { label: t('kpi.cumIncrease'), cell: (k) => shown(k.cumulative_increase, k.increase_suppressed), className: 'num' },
    { label: t('kpi.cumAchievement'), cell: (k) => pct(k.cumulative_achievement), className: 'num' },
    { label: t('kpi.target'), cell: (k) => num(k.target), className: 'num' },
    { label: t('kpi.actual'), cell: (k) => shown(k.actual, k.suppressed), className: 'num' },
    { label: t('kpi.achievement'), cell: (k) => pct(k.achievement), className: 'num' },
  ];
  const anyWithheld = state.report.scopes.some((s) => s.kpis.some((k) => k.suppressed)
    || s.months.some((m) => m.suppressed.length > 0));
  setChildren(el('tables'), state.report.scopes.map((s) => {
    const table = dataTable(s.name, cols, s.kpis);
    table.classList.add('kpi-table');
    return table;
  }), h('p', { class: 'muted' }, t('kpi.increaseNote')),
  anyWithheld ? h('p', { class: 'muted', id: 'fewer-note' }, t('kpi.fewerNote')) : null);
}

let chartCount = 0;
/** A bar chart as inline SVG, described for screen readers, with its table beside it. */
function chart(title, months, value) {
  chartCount += 1;
  const id = `chart-${chartCount}`;
  const values = months.map((m) => value(m) ?? 0);
  const max = Math.max(1, ...values);
  const W = 600; const H = 200; const left = 70; const bottom = 30; const top = 10;
  const bw = (W - left - 10) / months.length;
  const svgNS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-labelledby', `${id}-title ${id}-desc`);
  const mk = (tag, attrs, text) => {
    const n = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  mk('title', { id: `${id}-title` }, title);
  mk('desc', { id: `${id}-desc` }, t('kpi.chartAlt', { title, from: months[0].month, to: months[months.length - 1].month, max: num(max) }));
  mk('line', { class: 'axis', x1: left, y1: H - bottom, x2: W - 5, y2: H - bottom });
  mk('line', { class: 'axis', x1: left, y1: top, x2: left, y2: H - bottom });
  mk('text', { x: left - 6, y: top + 10, 'text-anchor': 'end' }, num(max));
  mk('text', { x: left - 6, y: H - bottom, 'text-anchor': 'end' }, '0');
  months.forEach((m, i) => {
    if (value(m) === null) {
      // Withheld (fewer than 3 people): no bar, which would read as 0.
      mk('text', { class: 'withheld', x: left + i * bw + bw / 2, y: H - bottom - 4, 'text-anchor': 'middle' }, '<3');
    } else {
      const hgt = ((H - bottom - top) * values[i]) / max;
      mk('rect', { class: 'bar', x: left + i * bw + 3, y: H - bottom - hgt, width: Math.max(1, bw - 6), height: hgt });
    }
    mk('text', { x: left + i * bw + bw / 2, y: H - bottom + 16, 'text-anchor': 'middle' }, m.month.slice(5));
  });
  const table = dataTable(title, [
    { label: t('kpi.month'), cell: (m) => m.month },
    { label: t('kpi.value'), cell: (m) => (value(m) === null ? fewer() : num(value(m))), className: 'num' },
  ], months);
  return h('figure', { class: 'chart' },
    h('h3', null, title),
    svg,
    h('details', null, h('summary', null, t('kpi.asTable')), table));
}

function renderTrend() {
  const s = state.report.scopes.find((x) => scopeKey(x) === state.scope);
  if (!s) return setChildren(el('trend'));
  const hours = (m) => (m === null ? null : Math.round(m / 60));
  setChildren(el('trend'),
    chart(`${s.name}: ${t('kpi.chartActive')}`, s.months, (m) => m.active),
    chart(`${s.name}: ${t('kpi.chartCenter')}`, s.months, (m) => hours(m.center_minutes)),
    chart(`${s.name}: ${t('kpi.chartRemote')}`, s.months, (m) => hours(m.remote_minutes)),
    chart(`${s.name}: ${t('kpi.chartPaid')}`, s.months, (m) => m.paid_yen),
    chart(`${s.name}: ${t('kpi.chartOrders')}`, s.months, (m) => m.orders_yen));
}

function renderFunnel() {
  const s = state.funnel.scopes.find((x) => (x.municipality_id === null ? 'total' : String(x.municipality_id)) === state.scope);
  if (!s) return setChildren(el('funnel'));
  const stepName = (k) => t(`kpi.step.${k}`);
  const table = dataTable(s.name, [
    { label: t('kpi.step'), cell: (x) => stepName(x.step) },
    { label: t('kpi.reached'), cell: (x) => shown(x.reached, x.reached === null), className: 'num' },
    { label: t('kpi.median'), cell: (x) => (x.median_days === null ? (x.suppressed ? fewer() : '—') : t('kpi.days', { days: x.median_days })), className: 'num' },
    { label: t('kpi.stuck'), cell: (x) => shown(x.stuck, x.stuck === null), className: 'num' },
  ], s.steps);
  const lists = s.steps.filter((x) => x.people && x.people.length > 0).map((x) => h('div', { class: 'funnel-step' },
    h('h3', null, t('kpi.stuckAt', { step: stepName(x.step) })),
    h('ul', null, x.people.map((p) => h('li', { 'data-person': String(p.person_id) },
      `${p.name}${p.member_number ? ` (${p.member_number})` : ''}: ${t('kpi.since', { since: p.since, days: p.days })}`))),
    x.step === 'registered' ? h('p', null, h('a', { href: '/trainer/' }, t('kpi.behind'))) : null));
  const anyNames = s.steps.some((x) => Array.isArray(x.people));
  setChildren(el('funnel'), table, lists, anyNames ? null : h('p', { class: 'muted' }, t('kpi.noNames')));
}

/** A labelled control with its own error line (aria-describedby, aria-invalid on error). */
function field(id, label, control) {
  control.id = id;
  control.setAttribute('aria-describedby', `${id}-error`);
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    control,
    h('p', { id: `${id}-error`, class: 'field-error', hidden: true }));
}

function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) { p.hidden = true; p.textContent = ''; }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

function showErrors(form, prefix, err) {
  const errors = err instanceof ApiError ? err.errors : [];
  let first = null;
  for (const e of errors) {
    const control = form.querySelector(`#${prefix}-${e.field}`);
    const line = form.querySelector(`#${prefix}-${e.field}-error`);
    if (!control || !line) continue;
    line.textContent = e.message;
    line.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    first = first || control;
  }
  say(errorText(err), true, 'entry-status');
  if (first) first.focus();
}

function townOptions(noneLabel) {
  return [h('option', { value: '' }, noneLabel), ...state.towns.map((m) => h('option', { value: String(m.id) }, townName(m)))];
}

function numberOrNull(v) {
  return v.trim() === '' ? null : Number(v);
}

function renderForms() {
  const isDirector = (state.me.roles || []).some((g) => g.role === 'director');
  if (!state.me.is_admin && !isDirector) { el('entry').hidden = true; return; }
  el('entry').hidden = false;
  const forms = [];
  const order = h('form', { class: 'card', id: 'order-form', novalidate: true },
    h('h3', null, t('kpi.order')),
    field('order-project_id', t('kpi.project'), h('select', { required: true },
      state.projects.map((p) => h('option', { value: String(p.id) }, `${p.client} / ${p.name}`)))),
    field('order-ordered_on', t('kpi.orderedOn'), h('input', { type: 'date', required: true })),
    field('order-amount', t('kpi.amount'), h('input', { type: 'number', inputmode: 'numeric', step: '1', required: true })),
    field('order-municipality_id', t('kpi.givenTo'), h('select', null, townOptions(t('kpi.projectSite')))),
    field('order-note', t('kpi.note'), h('input', { type: 'text', maxlength: '500' })),
    h('button', { type: 'submit', class: 'btn' }, t('kpi.add')));
  order.addEventListener('submit', (ev) => submit(ev, order, 'order', () => api('POST', '/api/v1/kpi/orders', {
    project_id: Number(el('order-project_id').value),
    ordered_on: el('order-ordered_on').value,
    amount: Number(el('order-amount').value),
    municipality_id: el('order-municipality_id').value ? Number(el('order-municipality_id').value) : null,
    note: el('order-note').value,
  })));
  forms.push(order);
  if (state.me.is_admin) {
    const cost = h('form', { class: 'card', id: 'cost-form', novalidate: true },
      h('h3', null, t('kpi.cost')),
      field('cost-municipality_id', t('kpi.costOf'), h('select', null, townOptions(t('kpi.corporation')))),
      field('cost-amount', t('kpi.amount'), h('input', { type: 'number', inputmode: 'numeric', step: '1', required: true })),
      h('button', { type: 'submit', class: 'btn' }, t('kpi.save')));
    cost.addEventListener('submit', (ev) => submit(ev, cost, 'cost', () => api('PUT', '/api/v1/kpi/costs', {
      year: state.year,
      municipality_id: el('cost-municipality_id').value ? Number(el('cost-municipality_id').value) : null,
      amount: Number(el('cost-amount').value),
    })));
    const kpis = (state.report.scopes[0] || { kpis: [] }).kpis;
    const target = h('form', { class: 'card', id: 'target-form', novalidate: true },
      h('h3', null, t('kpi.targetForm')),
      field('target-municipality_id', t('kpi.targetOf'), h('select', null, townOptions(t('kpi.programme')))),
      field('target-kpi', t('kpi.kpi'), h('select', null, kpis.map((k) => h('option', { value: k.key }, k.name)))),
      field('target-baseline', t('kpi.baseline'), h('input', { type: 'number', step: '1' })),
      field('target-target', t('kpi.target'), h('input', { type: 'number', step: '1' })),
      field('target-year_target', t('kpi.yearTarget'), h('input', { type: 'number', step: '1' })),
      field('target-cumulative_target', t('kpi.cumTarget'), h('input', { type: 'number', step: '1' })),
      h('button', { type: 'submit', class: 'btn' }, t('kpi.save')));
    target.addEventListener('submit', (ev) => submit(ev, target, 'target', () => api('PUT', '/api/v1/kpi/targets', {
      year: state.year,
      municipality_id: el('target-municipality_id').value ? Number(el('target-municipality_id').value) : null,
      kpi: el('target-kpi').value,
      baseline: numberOrNull(el('target-baseline').value),
      target: numberOrNull(el('target-target').value),
      year_target: numberOrNull(el('target-year_target').value),
      cumulative_target: numberOrNull(el('target-cumulative_target').value),
    })));
    forms.push(cost, target);
  }
  setChildren(el('forms'), h('div', { class: 'kpi-forms' }, forms));
  renderOrders();
}

function renderOrders() {
  const cols = [
    { label: t('kpi.orderedOn'), cell: (o) => o.ordered_on },
    { label: t('kpi.client'), cell: (o) => `${o.client} / ${o.project}` },
    { label: t('kpi.amount'), cell: (o) => num(o.amount), className: 'num' },
    { label: t('kpi.givenTo'), cell: (o) => { const m = state.towns.find((x) => x.id === o.municipality_id); return m ? townName(m) : ''; } },
    { label: t('kpi.edit'), cell: (o) => h('button', {
      type: 'button', class: 'btn small secondary', 'aria-label': t('kpi.editLabel', { date: o.ordered_on, amount: num(o.amount) }),
      onclick: () => { state.editing = o; renderOrders(); el('edit-ordered_on').focus(); },
    }, t('kpi.edit')) },
    { label: t('kpi.remove'), cell: (o) => h('button', {
      type: 'button', class: 'btn small danger', 'aria-label': t('kpi.removeLabel', { date: o.ordered_on, amount: num(o.amount) }),
      onclick: () => act(() => api('DELETE', `/api/v1/kpi/orders/${o.id}`)),
    }, t('kpi.remove')) },
  ];
  setChildren(el('orders'), h('h3', null, t('kpi.orders')), dataTable(t('kpi.orders'), cols, state.orders, { emptyText: t('kpi.noOrders') }),
    state.editing ? editForm(state.editing) : null);
}

/** The form that changes an order's date, amount, municipality and note (PATCH). */
function editForm(o) {
  const town = h('select', null, townOptions(t('kpi.projectSite')));
  const form = h('form', { class: 'card', id: 'edit-form', novalidate: true },
    h('h3', null, t('kpi.editOrder')),
    field('edit-ordered_on', t('kpi.orderedOn'), h('input', { type: 'date', required: true, value: o.ordered_on })),
    field('edit-amount', t('kpi.amount'), h('input', { type: 'number', inputmode: 'numeric', step: '1', required: true, value: String(o.amount) })),
    field('edit-municipality_id', t('kpi.givenTo'), town),
    field('edit-note', t('kpi.note'), h('input', { type: 'text', maxlength: '500', value: o.note })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn' }, t('kpi.save')),
      h('button', { type: 'button', class: 'btn secondary', onclick: () => { state.editing = null; renderOrders(); } }, t('kpi.cancel'))));
  town.value = o.given_to === null ? '' : String(o.given_to);
  form.addEventListener('submit', async (ev) => {
    await submit(ev, form, 'edit', () => api('PATCH', `/api/v1/kpi/orders/${o.id}`, {
      ordered_on: el('edit-ordered_on').value,
      amount: Number(el('edit-amount').value),
      municipality_id: el('edit-municipality_id').value ? Number(el('edit-municipality_id').value) : null,
      note: el('edit-note').value,
    }).then((r) => { state.editing = null; return r; }));
  });
  return form;
}

async function act(fn) {
  try {
    await fn();
    say(t('kpi.saved'), false, 'entry-status');
    await load();
  } catch (err) {
    say(errorText(err), true, 'entry-status');
  }
}

async function submit(ev, form, prefix, send) {
  ev.preventDefault();
  clearErrors(form);
  try {
    await send();
    say(t('kpi.saved'), false, 'entry-status');
    await load();
  } catch (err) {
    showErrors(form, prefix, err);
  }
}

function exports() {
  el('export-xlsx').setAttribute('href', `/api/v1/kpi/years/${state.year}/export.xlsx`);
  el('export-csv').setAttribute('href', `/api/v1/kpi/years/${state.year}/export.csv`);
}

async function loadProjects() {
  const directed = new Set((state.me.roles || []).filter((g) => g.role === 'director').map((g) => g.site_id));
  const sites = (await api('GET', '/api/v1/sites')).filter((s) => state.me.is_admin || directed.has(s.id));
  const out = [];
  for (const s of sites) {
    for (const c of await api('GET', `/api/v1/sites/${s.id}/clients`)) {
      for (const p of await api('GET', `/api/v1/clients/${c.id}/projects`)) out.push({ id: p.id, name: p.name, client: c.name });
    }
  }
  state.projects = out;
}

async function load() {
  state.report = await api('GET', `/api/v1/kpi/years/${state.year}?increases=true`);
  state.funnel = await api('GET', `/api/v1/kpi/years/${state.year}/funnel`);
  const canEnter = state.me.is_admin || (state.me.roles || []).some((g) => g.role === 'director');
  state.orders = canEnter ? await api('GET', `/api/v1/kpi/years/${state.year}/orders`) : [];
  fillScopes();
  exports();
  renderTables();
  renderTrend();
  renderFunnel();
  if (canEnter) renderForms();
}

async function start() {
  state.year = currentYear();
  try {
    state.me = await api('GET', '/api/v1/auth/me');
    state.towns = await api('GET', '/api/v1/municipalities');
    fillYears();
    await load();
    if (state.me.is_admin || (state.me.roles || []).some((g) => g.role === 'director')) {
      await loadProjects();
      renderForms();
    }
    el('content').hidden = false;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) say(t('kpi.login'), true);
    else if (err instanceof ApiError && err.status === 403) say(t('kpi.forbidden'), true);
    else say(errorText(err), true);
  } finally {
    el('loading').hidden = true;
  }
}

el('year-select').addEventListener('change', async () => {
  state.year = Number(el('year-select').value);
  try { await load(); } catch (err) { say(errorText(err), true); }
});
el('scope-select').addEventListener('change', () => {
  state.scope = el('scope-select').value;
  renderTrend();
  renderFunnel();
});
onLangChange(async () => {
  fillYears();
  try { await load(); } catch (err) { say(errorText(err), true); }
});

start();
