// Tiny fetch wrapper for the KADO JSON API.
//
//   const person = await api('POST', '/api/v1/auth/login', { email, password });
//
// Sends/accepts JSON, sets Accept-Language to the current UI language and sends cookies
// (same-origin). A non-2xx answer throws an ApiError carrying the problem+json body
// (status, title, detail, code, errors[{field, code, message}]). Network failures and
// timeouts throw an ApiError with status 0 and a localized detail.

import { getLang, t } from '/shared/i18n.js';

export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem || {};
    const detail = p.detail || p.title || (status ? t('error.http', { status }) : t('error.network'));
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.title = p.title || '';
    this.detail = detail; // always a displayable string
    this.code = p.code || '';
    this.errors = Array.isArray(p.errors) ? p.errors : [];
    this.problem = p;
  }
}

/**
 * @param {string} method  HTTP method
 * @param {string} path    absolute path, e.g. "/api/v1/sites"
 * @param {*} [body]       JSON-serialisable body (omit / undefined for none)
 * @param {{headers?: Object, timeoutMs?: number}} [options]
 * @returns {Promise<*>}   parsed JSON body, or null when the answer has no body
 */
export async function api(method, path, body, options = {}) {
  const headers = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': getLang(),
    ...(options.headers || {}),
  };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  let timedOut = false;
  let timer = null;
  if (controller) {
    init.signal = controller.signal;
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs || 15000);
  }

  let res;
  let text = '';
  try {
    res = await fetch(path, init);
    text = await res.text();
  } catch (e) {
    throw new ApiError(0, {
      status: 0,
      code: timedOut ? 'timeout' : 'network_error',
      detail: timedOut ? t('error.timeout') : t('error.network'),
    });
  } finally {
    if (timer) clearTimeout(timer);
  }

  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null; // not JSON (e.g. an HTML error page from a proxy)
    }
  }

  if (res.ok) return data;

  const problem = data && typeof data === 'object' && !Array.isArray(data) ? data : {};
  throw new ApiError(res.status, { ...problem, status: res.status });
}

/** A displayable message for any thrown value. */
export function errorText(err) {
  if (err instanceof ApiError) return err.detail;
  console.error(err);
  return t('error.unexpected');
}
