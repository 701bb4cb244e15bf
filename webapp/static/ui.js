// DOM helpers. Text from the server (names, descriptions, addresses) only ever becomes text nodes.

import { t, money } from './i18n.js';
import { ApiError } from './api.js';

// h('div.card.out', {testid: 'x', onclick: fn}, child, 'text') -> element; null / false are skipped.
export function h(tag, props, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name);
  el.classList.add(...classes);
  if (name === 'button') el.type = 'button'; // not a form submit unless asked
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.classList.add(...value.split(' ').filter(Boolean));
    else if (key === 'testid') el.dataset.testid = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (typeof value === 'boolean') el[key] = value; // hidden, disabled, checked...
    else el.setAttribute(key, value);
  }
  return fill(el, ...children);
}

// replaceChildren() by h()'s rules: null and false children are skipped, not shown as "null".
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(2).filter((c) => c != null && c !== false));
  return el;
}

// Constant markup of our own, so innerHTML is safe here.
const ICONS = {
  home: '<path d="M3 10.5 12 3l9 7.5V20a1 1 0 0 1-1 1h-5v-6h-6v6H4a1 1 0 0 1-1-1z"/>',
  heart: '<path d="M20.8 4.6a5.5 5.5 0 0 0-7.8 0L12 5.7l-1-1.1a5.5 5.5 0 0 0-7.8 7.8l1 1L12 21l7.8-7.6 1-1a5.5 5.5 0 0 0 0-7.8z"/>',
  cart: '<circle cx="9" cy="20" r="1.5"/><circle cx="18" cy="20" r="1.5"/><path d="M2 3h3l2.7 12.4a2 2 0 0 0 2 1.6h8.6a2 2 0 0 0 2-1.5L22 7H6"/>',
  orders: '<path d="M5 2h14v20l-3.5-2-3.5 2-3.5-2L5 22zM9 8h6m-6 4h6"/>',
  search: '<circle cx="11" cy="11" r="7"/><path d="m20 20-4-4"/>',
  back: '<path d="M15 18 9 12l6-6"/>',
  trash: '<path d="M3 6h18M8 6V4h8v2m3 0-1 14H6L5 6"/>',
  box: '<path d="M21 8 12 3 3 8v8l9 5 9-5zM3 8l9 5 9-5M12 13v8"/>',
  info: '<circle cx="12" cy="12" r="9"/><path d="M12 11v6m0-9.5v.5"/>',
  phone: '<path d="M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z"/>',
  clock: '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
  chat: '<path d="M21 12a8 8 0 0 1-11.6 7.1L3 21l1.9-6.4A8 8 0 1 1 21 12z"/>',
  share: '<circle cx="18" cy="5" r="3"/><circle cx="6" cy="12" r="3"/><circle cx="18" cy="19" r="3"/><path d="m8.6 13.5 6.8 4m0-11-6.8 4"/>',
  bell: '<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.9 1.9 0 0 0 3.4 0"/>',
};

export function icon(name, className = 'icon') {
  const span = h('span', { class: className, 'aria-hidden': 'true' });
  span.innerHTML = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${ICONS[name]}</svg>`;
  return span;
}

// Every picture sits in a square box (.img, aspect-ratio 1) and says so in width/height too, so the page does not
// move when it arrives, even before the CSS has.
const SQUARE = { width: 320, height: 320 };

export function productImage(src, className = '') {
  const box = h('div.img', { class: className });
  const placeholder = () => box.replaceChildren(icon('box', 'img-none'));
  if (src) box.append(h('img', { src, alt: '', loading: 'lazy', ...SQUARE, onerror: placeholder })); else placeholder();
  return box;
}

// A photo we keep (/media): WebP in each size with its width, so the browser takes the smallest that fills
// the box at the screen's density; the JPEG set for a browser without WebP. Lazy unless it is seen first.
export function photoImage(photo, sizes, { className = '', eager = false } = {}) {
  const box = h('div.img', { class: className });
  const placeholder = () => box.replaceChildren(icon('box', 'img-none'));
  const set = (suffix) => `${photo['thumb' + suffix]} 320w, ${photo['card' + suffix]} 720w, ${photo['full' + suffix]} 1440w`;
  box.append(h('picture', {},
    h('source', { type: 'image/webp', srcset: set(''), sizes }),
    h('img', { src: photo.card_jpeg, srcset: set('_jpeg'), sizes, alt: '', loading: eager ? 'eager' : 'lazy',
      decoding: 'async', ...SQUARE, testid: 'photo', onerror: placeholder })));
  return box;
}

// The list's picture: the kept photo when the product has one, else whatever image it names.
export const cardImage = (p, sizes, className = '') =>
  (p.photo ? photoImage(p.photo, sizes, { className }) : productImage(p.image, className));

export function priceBlock(p, className = 'price') {
  const onSale = p.sale_price != null && p.sale_price !== p.price;
  return h('div', { class: className }, h('b', { testid: 'price' }, money(p.display_price ?? p.sale_price ?? p.price)),
    onSale && h('s', { testid: 'old-price' }, money(p.price)),
    p.discount_percent > 0 && h('span.discount', { testid: 'discount' }, t('discount', { n: p.discount_percent })));
}

export const button = (text, onclick, props = {}) => h('button.btn', { onclick, ...props }, text);

export const spinner = () => h('div.spinner', { role: 'progressbar' });

export function emptyState(iconName, title, action) {
  return h('div.empty', { testid: 'empty' }, icon(iconName, 'empty-icon'), h('p', {}, title), action);
}

// [-] n [+]; ids: the test ids of minus, value and plus.
export function stepper({ value, min, max, onChange, ids }) {
  return h('div.stepper', {},
    h('button', { testid: ids[0], disabled: value <= min, onclick: () => onChange(value - 1) }, '−'),
    h('span', { testid: ids[1] }, String(value)),
    h('button', { testid: ids[2], disabled: value >= max, onclick: () => onChange(value + 1) }, '+'));
}

// An in-page yes/no dialog (outside Telegram, or an old client): resolves true on "yes", false on "no" or Esc.
export function confirmDialog(message, { yes = t('yes'), no = t('no') } = {}) {
  return new Promise((resolve) => {
    const dialog = h('dialog.confirm', { testid: 'confirm-dialog', oncancel: () => resolve(false) },
      h('p', {}, message),
      h('div.confirm-buttons', {},
        button(no, () => { dialog.close(); resolve(false); }, { class: 'ghost', testid: 'confirm-no' }),
        button(yes, () => { dialog.close(); resolve(true); }, { class: 'danger', testid: 'confirm-yes' })));
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  });
}

let toastTimer;

export function toast(message, kind = 'error') {
  let el = document.getElementById('toast');
  if (!el) document.body.append(el = h('div', { id: 'toast', role: 'status', testid: 'toast' }));
  el.textContent = message;
  el.className = `show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = ''; }, 3500);
}

// Aborts stay silent and 401 has its own page; a non-API error is a bug: log it.
export function showError(err) {
  if (err?.name === 'AbortError' || err?.status === 401) return;
  if (!(err instanceof ApiError)) console.error(err);
  toast(err instanceof ApiError ? err.message : t('error')); // a script error's message is English, for the log
}
