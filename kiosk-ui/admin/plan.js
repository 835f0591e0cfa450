// The site's floor plan for the staff's live map (directors): drag a space on the plan, or
// type its position and size; Save sends every moved space.
//   GET /api/v1/sites/{id}/live   (the spaces with their positions)
//   PUT /api/v1/sites/{id}/plan   {positions: [{space_id, x, y, width, height}]}

import { addStrings, t } from '/shared/i18n.js';
import { api, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';

addStrings({
  ja: {
    'plan.heading': 'フロアマップの配置',
    'plan.help': 'スペースをドラッグするか、数値（0〜1000）で位置と大きさを指定して保存してください。未配置のスペースは自動で並びます。',
    'plan.save': '配置を保存',
    'plan.saved': '配置を保存しました。',
    'plan.auto': '自動配置',
    'plan.col.space': 'スペース',
    'plan.field': '{name} の {what}',
    'plan.x': '横位置', 'plan.y': '縦位置', 'plan.width': '幅', 'plan.height': '高さ',
  },
  en: {
    'plan.heading': 'Floor plan',
    'plan.help': 'Drag a space, or type its position and size (0-1000), then save. Spaces not placed stand on an automatic grid.',
    'plan.save': 'Save the plan',
    'plan.saved': 'Plan saved.',
    'plan.auto': 'automatic',
    'plan.col.space': 'Space',
    'plan.field': '{what} of {name}',
    'plan.x': 'x', 'plan.y': 'y', 'plan.width': 'width', 'plan.height': 'height',
  },
});

const SVG = 'http://www.w3.org/2000/svg';
const FIELDS = ['x', 'y', 'width', 'height'];
let current = { siteId: null, spaces: [], moved: new Set(), box: null };

function clamp(v, lo, hi) {
  return Math.max(lo, Math.min(hi, Math.round(Number(v) || 0)));
}

function fit(s) {
  s.width = clamp(s.width, 1, 1000);
  s.height = clamp(s.height, 1, 1000);
  s.x = clamp(s.x, 0, 1000 - s.width);
  s.y = clamp(s.y, 0, 1000 - s.height);
}

function drawPlan(svgEl) {
  svgEl.replaceChildren();
  for (const s of current.spaces) {
    const rect = document.createElementNS(SVG, 'rect');
    for (const k of FIELDS) rect.setAttribute(k, s[k]);
    rect.setAttribute('class', current.moved.has(s.id) || s.placed ? 'plan-space' : 'plan-space auto');
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', s.x + 3);
    label.setAttribute('y', s.y + 16);
    label.textContent = s.name;
    const g = document.createElementNS(SVG, 'g');
    g.append(rect, label);
    g.addEventListener('pointerdown', (ev) => startDrag(ev, s, svgEl));
    svgEl.append(g);
  }
}

function startDrag(ev, s, svgEl) {
  ev.preventDefault();
  const pt = (e) => {
    const r = svgEl.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * 1000, y: ((e.clientY - r.top) / r.height) * 1000 };
  };
  const start = pt(ev);
  const origin = { x: s.x, y: s.y };
  const move = (e) => {
    const p = pt(e);
    s.x = origin.x + (p.x - start.x);
    s.y = origin.y + (p.y - start.y);
    fit(s);
    current.moved.add(s.id);
    drawPlan(svgEl);
  };
  const up = () => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    render();
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
}

function numberInput(s, k) {
  return h('input', {
    type: 'number', min: 0, max: 1000, value: s[k], class: 'plan-number',
    'aria-label': t('plan.field', { name: s.name, what: t('plan.' + k) }),
    onchange: (ev) => { s[k] = ev.target.value; fit(s); current.moved.add(s.id); render(); },
  });
}

function render() {
  const box = current.box;
  if (!box) return;
  const svgEl = document.createElementNS(SVG, 'svg');
  svgEl.setAttribute('viewBox', '0 0 1000 1000');
  svgEl.setAttribute('class', 'plan-svg');
  svgEl.setAttribute('aria-hidden', 'true');
  drawPlan(svgEl);
  const status = h('div', { class: 'message', role: 'status', 'aria-live': 'polite' });
  const save = h('button', { type: 'button', class: 'btn', onclick: () => savePlan(status) }, t('plan.save'));
  const table = h('table', { class: 'data' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('plan.col.space')),
      FIELDS.map((k) => h('th', { scope: 'col' }, t('plan.' + k))))),
    h('tbody', null, current.spaces.map((s) => h('tr', null,
      h('th', { scope: 'row' }, s.name, s.placed || current.moved.has(s.id) ? null : ` (${t('plan.auto')})`),
      FIELDS.map((k) => h('td', null, numberInput(s, k)))))));
  setChildren(box,
    h('h3', { id: 'plan-heading' }, t('plan.heading')),
    h('p', { class: 'muted' }, t('plan.help')),
    svgEl,
    h('details', null, h('summary', null, t('plan.col.space')), h('div', { class: 'table-wrap' }, table)),
    h('div', { class: 'actions' }, save),
    status);
}

async function savePlan(status) {
  const positions = current.spaces.filter((s) => current.moved.has(s.id))
    .map((s) => ({ space_id: s.id, x: s.x, y: s.y, width: s.width, height: s.height }));
  try {
    await api('PUT', `/api/v1/sites/${current.siteId}/plan`, { positions });
    for (const s of current.spaces) if (current.moved.has(s.id)) s.placed = true;
    current.moved.clear();
    status.className = 'message ok';
    status.textContent = t('plan.saved');
  } catch (e) {
    status.className = 'message error';
    status.textContent = errorText(e);
  }
}

/** Shows the plan editor of a site in `box` (directors; nothing for anyone else). */
export async function showPlan(box, siteId) {
  current = { siteId, spaces: [], moved: new Set(), box };
  setChildren(box);
  try {
    const snap = await api('GET', `/api/v1/sites/${siteId}/live`);
    if (current.siteId !== siteId) return;
    current.spaces = snap.spaces.map((s) => ({ id: s.id, name: s.name, x: s.x, y: s.y, width: s.width, height: s.height, placed: s.placed }));
    render();
  } catch {
    setChildren(box);
  }
}

/** Redraws in the current language. */
export function renderPlan() {
  render();
}
