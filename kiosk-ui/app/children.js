// My children and the adults allowed to pick them up.
//
//   GET   /api/v1/children, POST /api/v1/children, PATCH /api/v1/children/{id}
//   GET   /api/v1/children/{id}/authorised
//   POST  /api/v1/children/{id}/authorised {name, relation, phone} -> {authorised, pickup_code}
//   PATCH /api/v1/authorised-persons/{id} {active}

import { t } from '/shared/i18n.js';
import { api, ApiError, errorText } from '/shared/api.js';
import { h, setChildren } from '/shared/dom.js';
import { field, focusFirstError, formatDate, messageBox } from '/app/util.js';

export const titleKey = 'children.title';

const CHILD_FIELDS = ['name', 'name_kana', 'birth_date', 'allergies', 'medical_notes'];
const ADULT_FIELDS = ['name', 'relation', 'phone'];

// Drafts survive leaving the view (what was typed is kept).
const drafts = { edit: new Map(), adult: new Map(), newChild: null };

function fieldErrors(err, known) {
  const out = {};
  if (err instanceof ApiError) for (const e of err.errors) if (known.includes(e.field)) out[e.field] = e.message;
  return out;
}

export function mount(main, ctx) {
  let alive = true;
  const adults = new Map(); // child id -> list | Error text
  const editing = new Set();
  const errors = new Map(); // form key -> {field: message, _form}
  let code = null; // {childId, name, code}
  let message = null;
  const root = h('div', { class: 'view children' });
  main.append(root);

  const fresh = () => ({ name: '', name_kana: '', birth_date: '', allergies: '', medical_notes: '' });
  if (!drafts.newChild) drafts.newChild = fresh();

  function input(draft, name, { type = 'text', multiline = false, autocomplete = null, inputmode = null } = {}) {
    const control = multiline
      ? h('textarea', { rows: '2', oninput: (ev) => { draft[name] = ev.target.value; } }, draft[name] || '')
      : h('input', { type, value: draft[name] || '', autocomplete, inputmode, oninput: (ev) => { draft[name] = ev.target.value; } });
    return control;
  }

  function childForm(key, draft, submitLabel, onsubmit, oncancel) {
    const errs = errors.get(key) || {};
    const id = (n) => `${key}-${n}`;
    return h('form', { class: 'stack-form', novalidate: true, id: `${key}-form`, onsubmit: (ev) => {
      ev.preventDefault();
      onsubmit();
    } },
    field({ id: id('name'), label: t('children.name'), error: errs.name, control: input(draft, 'name', { autocomplete: 'off' }) }),
    field({ id: id('name_kana'), label: t('children.kana'), error: errs.name_kana, control: input(draft, 'name_kana', { autocomplete: 'off' }) }),
    field({ id: id('birth_date'), label: t('children.birth'), error: errs.birth_date, control: input(draft, 'birth_date', { type: 'date' }) }),
    field({ id: id('allergies'), label: `${t('children.allergies')}${t('common.optional')}`, error: errs.allergies,
      control: input(draft, 'allergies', { multiline: true }) }),
    field({ id: id('medical_notes'), label: `${t('children.medical')}${t('common.optional')}`, error: errs.medical_notes,
      control: input(draft, 'medical_notes', { multiline: true }) }),
    errs._form ? messageBox(errs._form) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn' }, submitLabel),
      oncancel ? h('button', { type: 'button', class: 'btn secondary', onclick: oncancel }, t('common.back')) : null));
  }

  function adultForm(child) {
    const key = `adult-${child.id}`;
    if (!drafts.adult.has(child.id)) drafts.adult.set(child.id, { name: '', relation: '', phone: '' });
    const draft = drafts.adult.get(child.id);
    const errs = errors.get(key) || {};
    const details = h('details', { class: 'add-adult', open: !!(errs.name || errs.relation || errs.phone || errs._form || draft.name) },
      h('summary', null, t('children.addAdultFor', { name: child.name })),
      h('form', { class: 'stack-form', novalidate: true, id: `${key}-form`, onsubmit: async (ev) => {
        ev.preventDefault();
        errors.delete(key);
        try {
          const res = await api('POST', `/api/v1/children/${child.id}/authorised`, draft);
          drafts.adult.delete(child.id);
          code = { childId: child.id, name: res.authorised.name, code: res.pickup_code };
          await loadAdults(child.id);
          render();
          document.getElementById('pickup-code-heading').focus();
        } catch (err) {
          const fe = fieldErrors(err, ADULT_FIELDS);
          if (!Object.keys(fe).length) fe._form = errorText(err);
          errors.set(key, fe);
          render();
          const form = document.getElementById(`${key}-form`);
          if (!focusFirstError(form)) form.querySelector('.message')?.focus();
        }
      } },
      field({ id: `${key}-name`, label: t('children.adultName'), error: errs.name, control: input(draft, 'name', { autocomplete: 'off' }) }),
      field({ id: `${key}-relation`, label: `${t('children.relation')}${t('common.optional')}`, error: errs.relation,
        control: input(draft, 'relation', { autocomplete: 'off' }) }),
      field({ id: `${key}-phone`, label: `${t('children.phone')}${t('common.optional')}`, error: errs.phone,
        control: input(draft, 'phone', { type: 'tel', autocomplete: 'off', inputmode: 'tel' }) }),
      errs._form ? messageBox(errs._form) : null,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('children.addAdult')))));
    return details;
  }

  function adultList(child) {
    const list = adults.get(child.id);
    if (list === undefined) return h('p', { class: 'muted' }, t('common.loading'));
    if (typeof list === 'string') return h('p', { class: 'message error' }, list);
    if (!list.length) return h('p', { class: 'muted' }, t('children.authorisedNone'));
    return h('ul', { class: 'adults' }, list.map((a) => h('li', { class: a.active ? '' : 'inactive', 'data-adult-id': String(a.id) },
      h('p', { class: 'item-line' },
        h('strong', null, a.name),
        a.relation ? h('span', null, a.relation) : null,
        a.phone ? h('span', null, a.phone) : null,
        h('span', { class: `badge ${a.active ? 'ok' : 'neutral'}` }, a.active ? t('children.allowed') : t('children.notAllowed'))),
      h('button', {
        type: 'button', class: 'btn secondary small',
        'aria-label': a.active ? t('children.disallowLabel', { name: a.name }) : t('children.allowLabel', { name: a.name }),
        onclick: async () => {
          try {
            await api('PATCH', `/api/v1/authorised-persons/${a.id}`, { active: !a.active });
            message = { kind: 'ok', text: a.active ? t('children.nowDisallowed', { name: a.name }) : t('children.nowAllowed', { name: a.name }) };
            await loadAdults(child.id);
          } catch (err) {
            message = { kind: 'error', text: errorText(err) };
          }
          render();
          document.getElementById('children-message').focus();
        },
      }, a.active ? t('children.disallow') : t('children.allow')))));
  }

  function codeBox(child) {
    if (!code || code.childId !== child.id) return null;
    return h('div', { class: 'pickup-code card', role: 'group', 'aria-labelledby': 'pickup-code-heading' },
      h('h4', { id: 'pickup-code-heading', tabindex: '-1' }, t('children.codeTitle', { name: code.name })),
      h('p', { class: 'big-code', id: 'pickup-code' }, code.code),
      h('p', null, t('children.codeHelp')),
      h('button', { type: 'button', class: 'btn secondary small', onclick: () => {
        code = null;
        render();
      } }, t('children.codeDone')));
  }

  function childCard(c) {
    const key = `child-${c.id}`;
    const headingId = `${key}-heading`;
    let body;
    if (editing.has(c.id)) {
      if (!drafts.edit.has(c.id)) drafts.edit.set(c.id, Object.fromEntries(CHILD_FIELDS.map((f) => [f, c[f] || ''])));
      const draft = drafts.edit.get(c.id);
      body = childForm(key, draft, t('common.save'), async () => {
        errors.delete(key);
        try {
          await api('PATCH', `/api/v1/children/${c.id}`, draft);
          await ctx.refreshChildren();
          editing.delete(c.id);
          drafts.edit.delete(c.id);
          message = { kind: 'ok', text: t('children.saved', { name: draft.name }) };
          render();
          document.getElementById('children-message').focus();
        } catch (err) {
          const fe = fieldErrors(err, CHILD_FIELDS);
          if (!Object.keys(fe).length) fe._form = errorText(err);
          errors.set(key, fe);
          render();
          focusFirstError(document.getElementById(`${key}-form`));
        }
      }, () => {
        editing.delete(c.id);
        drafts.edit.delete(c.id);
        errors.delete(key);
        render();
        document.getElementById(`${key}-edit`).focus();
      });
    } else {
      body = [
        h('dl', { class: 'facts' },
          h('dt', null, t('children.birth')), h('dd', null, c.birth_date ? formatDate(c.birth_date, { year: true }) : '—'),
          h('dt', null, t('children.allergies')), h('dd', null, c.allergies || t('children.none_')),
          h('dt', null, t('children.medical')), h('dd', null, c.medical_notes || t('children.none_'))),
        h('button', { type: 'button', class: 'btn secondary small', id: `${key}-edit`,
          'aria-label': t('children.edit', { name: c.name }), onclick: () => {
            editing.add(c.id);
            render();
            document.getElementById(`${key}-name`).focus();
          } }, t('common.edit')),
      ];
    }
    return h('section', { class: 'child-card card', 'aria-labelledby': headingId, 'data-child-id': String(c.id) },
      h('h2', { id: headingId }, c.name, c.name_kana ? h('span', { class: 'kana' }, c.name_kana) : null),
      body,
      h('h3', null, t('children.authorised')),
      codeBox(c),
      adultList(c),
      adultForm(c));
  }

  function render() {
    if (!alive) return;
    const kids = ctx.children;
    const newKey = 'new-child';
    const newErrs = errors.get(newKey) || {};
    setChildren(root, 
      h('h1', { id: 'children-heading' }, t('children.heading')),
      h('div', { id: 'children-message', tabindex: '-1', class: message ? `message ${message.kind}` : 'message',
        role: message && message.kind === 'error' ? 'alert' : 'status' }, message ? message.text : ''),
      kids.length ? kids.map(childCard) : h('p', { class: 'empty' }, t('children.none')),
      h('details', { class: 'add-child', open: !!(Object.keys(newErrs).length || drafts.newChild.name) },
        h('summary', null, t('children.add')),
        childForm(newKey, drafts.newChild, t('children.add'), async () => {
          errors.delete(newKey);
          try {
            const c = await api('POST', '/api/v1/children', drafts.newChild);
            drafts.newChild = fresh();
            await ctx.refreshChildren();
            adults.set(c.id, []);
            message = { kind: 'ok', text: t('children.added', { name: c.name }) };
            render();
            document.getElementById('children-message').focus();
          } catch (err) {
            const fe = fieldErrors(err, CHILD_FIELDS);
            if (!Object.keys(fe).length) fe._form = errorText(err);
            errors.set(newKey, fe);
            render();
            focusFirstError(document.getElementById(`${newKey}-form`));
          }
        })));
  }

  async function loadAdults(id) {
    try {
      adults.set(id, await api('GET', `/api/v1/children/${id}/authorised`));
    } catch (err) {
      adults.set(id, errorText(err));
    }
  }

  render();
  (async () => {
    try {
      await ctx.refreshChildren();
    } catch (err) {
      message = { kind: 'error', text: errorText(err) };
    }
    await Promise.all(ctx.children.map((c) => loadAdults(c.id)));
    render();
  })();

  return {
    rerender: () => {
      message = null;
      errors.clear();
      render();
    },
    unmount() {
      alive = false;
    },
  };
}
