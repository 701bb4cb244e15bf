// The shop's API. Every request carries "Authorization: tma <initData>": Telegram's signed login.

import { t, hasText, getLang } from './i18n.js';

let initData = '';
let onUnauthorized = () => {};

// The field a validation error is about: {field} from core, [{field: "items.0.quantity"}] from the request model.
export function errorField(details) {
  const field = Array.isArray(details) ? details[0]?.field : details?.field;
  return typeof field === 'string' ? field.split('.')[0] : null;
}

// The customer's words for an error: by its code (and field), never the server's English `message` (for logs).
export function errorText(status, code, details) {
  const field = code === 'validation_error' ? errorField(details) : null;
  if (field && hasText(`err_field_${field}`)) return t(`err_field_${field}`);
  if (code && hasText(`err_${code}`)) return t(`err_${code}`);
  return t(status ? 'error' : 'networkError');
}

// `message` is the customer's words (errorText) in the language of the moment.
export class ApiError extends Error {
  constructor(status, error) {
    super(errorText(status, error?.code, error?.details));
    Object.assign(this, { status, code: error?.code, details: error?.details, field: errorField(error?.details) });
  }
}

// Telegram's object, else the #tgWebAppData= fragment, else sessionStorage (a reload may lose the fragment).
export function loadInitData() {
  initData = window.Telegram?.WebApp?.initData
    || new URLSearchParams(location.hash.slice(1)).get('tgWebAppData') || '';
  try {
    if (initData) sessionStorage.setItem('initData', initData);
    else initData = sessionStorage.getItem('initData') || '';
  } catch { /* storage disabled: memory is enough */ }
  return initData;
}

export const setUnauthorizedHandler = (fn) => { onUnauthorized = fn; };

export function url(path, params = {}) {
  const query = new URLSearchParams({ lang: getLang() });
  for (const [key, value] of Object.entries(params)) if (value != null && value !== '') query.set(key, value);
  return `${path}?${query}`;
}

// The JSON body, or an ApiError (code, message, details). AbortError passes through: screens ignore it.
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { Authorization: `tma ${initData}`, ...(body && { 'Content-Type': 'application/json' }) };
  let res;
  try {
    res = await fetch(path, { method, headers, signal, body: body && JSON.stringify(body) });
  } catch (err) {
    throw err.name === 'AbortError' ? err : new ApiError(0);
  }
  const data = await res.json().catch(() => null);
  signal?.throwIfAborted(); // an aborted body must not pass for an empty answer
  if (res.ok) return data;
  if (res.status === 401) onUnauthorized();
  throw new ApiError(res.status, data?.error);
}

// Server-Sent Events read through fetch(): EventSource cannot send the Authorization header.
// Reconnects 3 s after an error or the end of the stream, until stop().
export function watchEvents(params, onEvent) {
  let controller;
  let timer;
  async function connect() {
    controller = new AbortController();
    try {
      const res = await fetch(`/api/events?${new URLSearchParams(params)}`, {
        headers: { Authorization: `tma ${initData}`, Accept: 'text/event-stream' }, signal: controller.signal,
      });
      if (res.ok) await readEvents(res.body.getReader(), onEvent);
    } catch { /* network error or abort */ }
    if (!controller.signal.aborted) timer = setTimeout(connect, 3000);
  }
  connect();
  return function stop() {
    clearTimeout(timer);
    controller.abort();
  };
}

// Minimal SSE parser: "event:" and "data:" fields, a blank line ends an event.
async function readEvents(reader, onEvent) {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = { type: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const lines = (buffer + decoder.decode(value, { stream: true })).split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      const [, field, val] = /^([^:]*):? ?(.*)$/.exec(line);
      if (field === 'event') event.type = val;
      else if (field === 'data') event.data.push(val);
      else if (line === '') {
        if (event.data.length) {
          try { onEvent(event.type, JSON.parse(event.data.join('\n'))); } catch (err) { console.warn('event', err); }
        }
        event = { type: 'message', data: [] };
      }
    }
  }
}
