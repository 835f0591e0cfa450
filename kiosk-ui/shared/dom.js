// Minimal DOM helpers (no innerHTML anywhere: all text goes through textContent).

/**
 * h('button', { class: 'btn', type: 'button', onclick: fn }, 'Label', otherNode)
 * Props: class, text, style (set through the CSSOM: the Content-Security-Policy refuses
 * style attributes), on<event> functions; anything else becomes an attribute
 * (true -> empty attribute, false/null/undefined -> omitted).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'style') el.style.cssText = String(v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) appendAll(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replace all children of el. */
export function setChildren(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

/**
 * A data table that stacks into labelled cards on narrow screens (see kado.css).
 * Explicit ARIA roles keep table semantics when CSS changes the display type.
 * columns: [{ label: string, cell: (row) => Node|string, className? }]
 */
export function dataTable(caption, columns, rows, { emptyText = '' } = {}) {
  if (!rows || rows.length === 0) return h('p', { class: 'empty' }, emptyText);
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data stack', role: 'table' },
      caption ? h('caption', null, caption) : null,
      h('thead', { role: 'rowgroup' },
        h('tr', { role: 'row' }, columns.map((c) => h('th', { scope: 'col', role: 'columnheader' }, c.label)))),
      h('tbody', { role: 'rowgroup' },
        rows.map((r) => h('tr', { role: 'row' },
          columns.map((c) => h('td', { role: 'cell', 'data-label': c.label, class: c.className || null }, c.cell(r))))))));
}
