// Shared state, the screen stack (an in-memory router: no hash, no history) and cart / favorite actions.

import { api, url } from './api.js';
import { t } from './i18n.js';
import { toast, showError } from './ui.js';

export const state = {
  user: null,
  favorites: new Set(), // ids as strings, like data-id attributes
  cart: { items: [], total_quantity: 0, subtotal: '0' },
  // Home filters and pages loaded, so "back" from a product restores the list.
  catalog: { q: '', category: null, sort: 'new', key: '', items: [], page: 0, pages: 1, total: 0, scrollY: 0 },
  cache: new Map(),
  draft: null, // the checkout form
  conflicts: null, // problems of the last refused order, until the cart changes
};

let stack = [{ name: 'home', params: {} }];
let render = () => {};

export const nav = {
  setRenderer(fn) { render = fn; },
  current: () => stack[stack.length - 1],
  depth: () => stack.length,
  tabName: () => stack[0].name,
  go(name, params = {}) { stack.push({ name, params }); render(); },
  back() { if (stack.length > 1) { stack.pop(); render(); } },
  tab(name) { stack = [{ name, params: {} }]; render(); }, // bottom-bar tabs start a fresh stack
  reset(entries) { stack = entries; render(); },
};

const listeners = new Set();
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const emit = (what) => listeners.forEach((fn) => fn(what));

export function setCart(cart) {
  state.cart = cart;
  emit('cart');
}

export const cartQuantity = (productId) =>
  state.cart.items.find((item) => String(item.product_id) === String(productId))?.quantity ?? 0;

export const refreshCart = (signal) => api(url('/api/cart'), { signal }).then(setCart);

// Publishes the cart the server answers with; true when the change went through.
export async function changeCart(method, path, body) {
  try {
    setCart(await api(url(path), { method, body }));
    state.conflicts = null;
    return true;
  } catch (err) {
    if (err.code === 'out_of_stock' && err.details?.available != null) toast(t('onlyLeft', { n: err.details.available }));
    else showError(err);
    return false;
  }
}

// POST /api/cart sets the line's quantity (it does not add): callers send the total.
export const setProductQuantity = (productId, quantity) =>
  changeCart('POST', '/api/cart', { product_id: productId, quantity });

export const setFavorites = (ids) => { state.favorites = new Set(ids.map(String)); };
export const isFavorite = (productId) => state.favorites.has(String(productId));

// Optimistic: the heart flips at once and flips back if the server refuses.
export async function toggleFavorite(productId) {
  const adding = !isFavorite(productId);
  const before = [...state.favorites];
  state.favorites[adding ? 'add' : 'delete'](String(productId));
  emit('favorites');
  try {
    const res = await api(`/api/users/favorites/${productId}`, { method: adding ? 'POST' : 'DELETE' });
    if (Array.isArray(res?.favorites)) setFavorites(res.favorites);
  } catch (err) {
    setFavorites(before);
    showError(err);
  }
  emit('favorites');
}
