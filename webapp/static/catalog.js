// Home screen, the product card shared by every list, the product page and the favorites screen.

import { api, url, watchEvents } from './api.js';
import { t } from './i18n.js';
import { h, fill, icon, productImage, photoImage, cardImage, priceBlock, emptyState, spinner, stepper, button, toast, showError } from './ui.js';
import { state, nav, cartQuantity, setProductQuantity, isFavorite, toggleFavorite, setFavorites } from './state.js';
import { openLink } from './tg.js';
import { loadDelivery, deliveryPanel } from './delivery.js';
import { shareProduct } from './links.js';
import { sellerLink } from './seller.js';

const isSoldOut = (p) => !p.in_stock || !(Number(p.available) > 0);

function heartButton(productId, className = 'heart') {
  return h('button', { class: className, testid: 'favorite-toggle', 'data-id': productId, 'aria-label': t('favorite'),
    'aria-pressed': String(isFavorite(productId)), onclick: () => toggleFavorite(productId) }, icon('heart'));
}

export function syncCards(root) {
  root.querySelectorAll('[data-testid="favorite-toggle"]').forEach((el) => {
    el.setAttribute('aria-pressed', String(isFavorite(el.dataset.id)));
  });
  root.querySelectorAll('[data-testid="add-to-cart"]').forEach((el) => {
    const n = cartQuantity(el.dataset.id);
    el.textContent = n ? t('inCart', { n }) : t('addToCart');
    el.classList.toggle('in-cart', n > 0);
  });
}

async function addOne(p, el) {
  const n = cartQuantity(p.id);
  if (n >= Number(p.available)) return toast(t('onlyLeft', { n: p.available }));
  el.disabled = true;
  if (await setProductQuantity(p.id, n + 1)) toast(t('added'), 'ok');
  el.disabled = false;
}

export function productCard(p) {
  const soldOut = isSoldOut(p);
  const add = soldOut
    ? h('div.sold-out', { testid: 'sold-out' }, t('soldOut'))
    : h('button.btn.small', { testid: 'add-to-cart', 'data-id': p.id, onclick: (e) => addOne(p, e.currentTarget) });
  const card = h('article', { class: `card${soldOut ? ' out' : ''}`, testid: 'product-card', 'data-id': p.id },
    h('button.card-open', { onclick: () => nav.go('product', { id: p.id, product: p }) },
      cardImage(p, LIST_SIZES), h('span.name', {}, p.name), priceBlock(p)),
    heartButton(p.id), add);
  syncCards(card);
  return card;
}

// Categories and banners: fetched once per language per session.
function cached(path) {
  const key = url(path);
  if (!state.cache.has(key)) state.cache.set(key, api(key).catch((err) => { state.cache.delete(key); throw err; }));
  return state.cache.get(key);
}

const PER_PAGE = 20;
const pageUrl = (c, page) => url('/api/products', { page, per_page: PER_PAGE, category: c.category, q: c.q.trim(), sort: c.sort });

// The home screen's first requests, started by the app while it logs in (app.js): the first cards come a round
// trip sooner. The first load takes the answer if it asks for the same address (the language guessed right) and
// drops it otherwise: a later load must not get this old one.
const early = new Map();
export function prefetchHome() {
  const path = pageUrl(state.catalog, 1);
  const answer = embeddedPage(path) ?? api(path);
  early.set(path, answer);
  [answer, cached('/api/categories'), cached('/api/banners')].forEach((p) => p.catch(() => {})); // the screen reports
}

// The first page the server put into the page (pages.py), when it answers this address: no round trip for it.
function embeddedPage(path) {
  const script = document.getElementById('first-page');
  script?.remove(); // used once: a later load asks the API
  if (script?.dataset.for !== path) return null;
  try { return Promise.resolve(JSON.parse(script.textContent)); } catch { return null; }
}

function fetchPage(path, signal) {
  const answer = early.get(path);
  early.clear();
  return answer ? answer.then((data) => { signal.throwIfAborted(); return data; }) : api(path, { signal });
}

function categoryTab(cat, active, testid, onSelect) {
  const el = h('button', { class: `tab${active ? ' active' : ''}`, role: 'tab', 'aria-selected': String(active),
    testid, 'data-id': cat?.id ?? '', onclick: () => onSelect(cat?.id ?? null) }, cat?.icon ? `${cat.icon} ` : '', cat ? cat.name : t('all'));
  if (/^#[0-9a-f]{3,8}$/i.test(cat?.color ?? '')) el.style.setProperty('--accent', cat.color);
  return el;
}

export function homeScreen(view) {
  const c = state.catalog;
  const filterKey = () => JSON.stringify([url(''), c.q.trim(), c.category, c.sort]);
  const search = h('input', { type: 'search', testid: 'search', placeholder: t('search'), 'aria-label': t('search'), value: c.q });
  const banners = h('div.banners', { hidden: true });
  const bestSellers = h('section.shelf', { testid: 'best-sellers', hidden: true });
  const tabs = h('div.tabs', { role: 'tablist' });
  const chips = h('div.tabs.chips', { hidden: true });
  const count = h('span.hint', { testid: 'results-count' });
  const sort = h('select', { testid: 'sort', 'aria-label': t('sort') }, ['new', 'popular', 'price_asc', 'price_desc']
    .map((value) => h('option', { value, selected: value === c.sort }, t(`sort_${value}`))));
  const grid = h('div.grid', { testid: 'product-grid' });
  const sentinel = h('div.sentinel', { testid: 'load-more-sentinel' });
  view.root.append(h('label.search', {}, icon('search'), search), banners, bestSellers,
    h('div.sticky', {}, tabs, chips), h('div.toolbar', {}, count, sort), grid, sentinel);

  // Each filter change starts a new generation: a late answer for old filters is dropped.
  let generation = 0;
  let loading = false;
  const observer = new IntersectionObserver((entries) => {
    if (entries[0].isIntersecting) loadNext();
  }, { rootMargin: '400px 0px' });
  view.onCleanup(() => { observer.disconnect(); c.scrollY = window.scrollY; });

  // Observing anew reports at once, so a page too short to push the sentinel off screen pulls the next.
  function observe() {
    observer.unobserve(sentinel);
    if (c.page < c.pages) observer.observe(sentinel);
  }

  function showCount() {
    count.textContent = t('found', { n: c.estimate ? `${c.total}+` : c.total });
    if (!c.items.length) grid.replaceChildren(emptyState('search', t('nothingFound')));
  }

  async function loadNext() {
    if (loading || c.page >= c.pages) return;
    loading = true;
    const mine = generation;
    sentinel.replaceChildren(spinner());
    try {
      const data = await fetchPage(pageUrl(c, c.page + 1), view.signal);
      if (mine !== generation) return;
      c.items.push(...data.items);
      Object.assign(c, { page: data.page, pages: data.pages, total: data.total, estimate: data.total_is_estimate });
      grid.append(...data.items.map(productCard));
      sentinel.replaceChildren();
      showCount();
      observe();
    } catch (err) {
      if (mine !== generation) return;
      showError(err);
      sentinel.replaceChildren(button(t('retry'), () => { loading = false; loadNext(); }, { class: 'ghost', testid: 'retry' }));
      return; // stays "loading" until the retry: no hammering a failing server
    }
    loading = false;
  }

  function reload() {
    generation += 1;
    loading = false;
    Object.assign(c, { key: filterKey(), items: [], page: 0, pages: 1, total: 0 });
    grid.replaceChildren();
    count.textContent = '';
    banners.hidden = !banners.childElementCount || Boolean(c.q.trim() || c.category !== null);
    bestSellers.hidden = !bestSellers.childElementCount || Boolean(c.q.trim() || c.category !== null);
    loadNext();
  }

  let debounce;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { c.q = search.value; if (filterKey() !== c.key) reload(); }, 300);
  });
  view.onCleanup(() => clearTimeout(debounce));
  sort.addEventListener('change', () => { c.sort = sort.value; reload(); });

  let tree = [];
  function selectCategory(id) {
    c.category = id;
    drawTabs();
    reload();
  }

  function drawTabs() {
    const top = tree.find((cat) => String(cat.id) === String(c.category)
      || (cat.children ?? []).some((child) => String(child.id) === String(c.category)));
    tabs.replaceChildren(categoryTab(null, !top, 'category-tab', selectCategory),
      ...tree.map((cat) => categoryTab(cat, cat === top, 'category-tab', selectCategory)));
    const children = top?.children ?? [];
    chips.hidden = !children.length;
    chips.replaceChildren(...children.map((child) =>
      categoryTab(child, String(child.id) === String(c.category), 'subcategory-chip', selectCategory)));
    const active = tabs.querySelector('.active');
    tabs.scrollLeft = active.offsetLeft - (tabs.clientWidth - active.offsetWidth) / 2;
  }

  cached('/api/categories').then((res) => {
    tree = res.categories ?? [];
    if (view.alive()) drawTabs();
  }).catch(showError);

  cached('/api/banners').then((res) => {
    if (view.alive() && res.items?.length) {
      bannerSlider(banners, res.items, view, openBanner);
      banners.hidden = Boolean(c.q.trim() || c.category !== null);
    }
  }).catch(() => {}); // the shop works without banners

  // The row is left out of a shop with no sales yet (the API then lists none).
  api(url('/api/products/best-sellers', { limit: 10 }), { signal: view.signal }).then((res) => {
    if (!view.alive() || !res.items?.length) return;
    fill(bestSellers, h('h2.shelf-title', {}, t('bestSellers')), h('div.shelf-track', {}, res.items.map(productCard)));
    bestSellers.hidden = Boolean(c.q.trim() || c.category !== null);
  }).catch(() => {}); // the shop works without the row

  function openBanner(b) {
    api(`/api/banners/${b.id}/click`, { method: 'POST' }).catch(() => {}); // statistics only
    if (b.link_type === 'product' && b.link_id != null) nav.go('product', { id: b.link_id });
    else if (b.link_type === 'category' && b.link_id != null) selectCategory(b.link_id);
    else if (b.link_type === 'url' && /^(https?|tg):/i.test(b.link_url ?? '')) openLink(b.link_url);
  }

  // Back from a product: the pages already loaded, at the same spot.
  if (c.key === filterKey() && c.items.length) {
    grid.append(...c.items.map(productCard));
    showCount();
    requestAnimationFrame(() => window.scrollTo(0, c.scrollY));
    observe();
  } else {
    reload();
  }
}

// Scroll-snap makes swiping native; advances every 4 s unless touched in the last 6 s.
function bannerSlider(track, items, view, onOpen) {
  track.append(...items.map((b) => h('button.banner', { testid: 'banner', 'data-id': b.id, onclick: () => onOpen(b) },
    h('img', { src: b.image_url, alt: '' }),
    // The banner's words in the reader's language (the API's title); its picture carries none.
    b.title && h('span.banner-text', {}, h('span.banner-title', {}, b.title), h('span.banner-go', {}, `${t('bannerOpen')} →`)))));
  let touched = 0;
  track.addEventListener('pointerdown', () => { touched = Date.now(); });
  const timer = setInterval(() => {
    if (Date.now() - touched < 6000 || !track.clientWidth) return;
    const next = (Math.round(track.scrollLeft / track.clientWidth) + 1) % items.length;
    track.scrollTo({ left: next * track.clientWidth, behavior: 'smooth' });
  }, 4000);
  view.onCleanup(() => clearInterval(timer));
}

// The width a list photo is shown at (style.css: main up to 640 px less 2 x 12 padding, two columns 10 apart, 8 px
// card padding each side), so the browser takes the smallest rendition that fills it at the screen's density.
const LIST_SIZES = '(min-width: 640px) 287px, calc(50vw - 33px)';

// The product's photos side by side, swiped one at a time (CSS scroll snapping), with a dot for each. While the
// page loads, the list's copy has only the main photo.
function gallery(p) {
  const photos = p.photos?.length ? p.photos : p.photo ? [p.photo] : [];
  if (!photos.length) return productImage(p.image);
  const slides = photos.map((photo, i) => h('div.slide', { testid: 'gallery-photo' },
    photoImage(photo, '(min-width: 640px) 640px, 100vw', { eager: i === 0 })));
  const dots = photos.length > 1 && h('div.dots', { 'aria-hidden': 'true' },
    photos.map((_, i) => h('span', { class: i ? '' : 'on', testid: 'gallery-dot' })));
  const track = h('div.gallery-track', { testid: 'gallery', onscroll: () => {
    const shown = Math.round(track.scrollLeft / (track.clientWidth || 1));
    if (dots) [...dots.children].forEach((dot, i) => dot.classList.toggle('on', i === shown));
  } }, slides);
  return h('div.gallery', {}, track, dots);
}

// Product page; availability follows the live stock stream while it is open.
export function productScreen(view) {
  let p = view.params.product; // the card's copy, shown while the full one loads
  let quantity = 1;
  let busy = false;
  let asking = false; // a "Notify me" change is on its way
  const priceBox = h('div');
  const buyBox = h('div');
  const deliveryBox = h('div'); // the shop's delivery terms, once read

  function draw() {
    view.setTitle(p.category_name || t('product'));
    // Share needs the bot's link: a product opened by a shared link draws before the start-up has read it.
    const share = h('span.share-box');
    sellerLink().then((link) => view.alive() && link && fill(share, h('button.share', { testid: 'share',
      onclick: () => shareProduct(link, p) }, icon('share'), t('share'))), () => {});
    fill(view.root,
      h('div.hero', {}, gallery(p), heartButton(p.id, 'heart big')),
      h('div.panel', {}, h('div.name-row', {}, h('h2.product-name', { testid: 'product-name' }, p.name), share),
        priceBox, buyBox),
      deliveryBox,
      p.description && h('div.panel', {}, h('h3', {}, t('description')),
        h('p.description', { testid: 'product-description' }, p.description)));
    drawBuy();
  }

  function drawBuy() {
    const available = Number(p.available) || 0;
    const room = available - cartQuantity(p.id); // how many more may still go into the cart
    quantity = Math.max(1, Math.min(quantity, room));
    const soldOut = isSoldOut(p);
    priceBox.replaceChildren(priceBlock(p, 'price big'));
    fill(buyBox,
      h('p', { class: `stock${soldOut ? ' out' : ''}`, testid: 'product-stock' }, soldOut ? t('soldOut') : t('inStock', { n: available })),
      soldOut && notifyControl(),
      !soldOut && h('div.buy', {},
        stepper({ value: quantity, min: 1, max: room, ids: ['product-qty-minus', 'product-qty', 'product-qty-plus'],
          onChange: (n) => { quantity = n; drawBuy(); } }),
        button(t('addToCartLong'), add, { testid: 'product-add-to-cart', disabled: busy || room < 1 })));
    view.setMain(soldOut || room < 1 ? null : { text: t('addToCartLong'), onClick: add, busy });
  }

  // Sold out: "Notify me" asks the bot to tell the customer when the product is back; then it says it will.
  function notifyControl() {
    if (p.back_in_stock_requested) {
      return h('div.notice.notify', { testid: 'notify-on' }, icon('bell'), h('span', {}, t('notifyOn')),
        button(t('notifyOff'), () => setNotify(false), { class: 'ghost small', testid: 'notify-off', disabled: asking }));
    }
    return button(t('notifyMe'), () => setNotify(true), { class: 'wide', testid: 'notify-me', disabled: asking });
  }

  async function setNotify(wanted) {
    asking = true;
    drawBuy();
    try {
      const res = await api(`/api/products/${p.id}/notify-me`, { method: wanted ? 'POST' : 'DELETE' });
      p.back_in_stock_requested = res.requested;
    } catch (err) {
      if (err.code !== 'product_in_stock') showError(err);
      else Object.assign(p, await api(url(`/api/products/${p.id}`)).catch(() => ({}))); // it is back: buy it
    }
    asking = false;
    if (view.alive()) drawBuy();
  }

  async function add() {
    const inCart = cartQuantity(p.id);
    const wanted = Math.min(inCart + quantity, Number(p.available) || 0);
    if (busy) return;
    if (wanted <= inCart) return toast(t('onlyLeft', { n: p.available }));
    busy = true;
    drawBuy();
    if (await setProductQuantity(p.id, wanted)) {
      quantity = 1;
      toast(t('added'), 'ok');
    }
    busy = false;
    if (view.alive()) drawBuy();
  }

  // The event's price is taken as the regular price: a sale price stays.
  function onEvent(type, data) {
    if (type !== 'stock' || String(data.product_id) !== String(p.id)) return;
    if (data.available != null) Object.assign(p, { available: data.available, in_stock: data.available > 0 });
    if (data.price != null) Object.assign(p, { price: data.price }, p.sale_price == null && { display_price: data.price });
    drawBuy();
  }

  view.subscribe((what) => { if (what === 'cart' && p) drawBuy(); });
  if (p) draw(); else view.root.append(spinner());
  loadDelivery().then((terms) => deliveryBox.replaceChildren(...[deliveryPanel(terms)].filter(Boolean)))
    .catch(() => {}); // the product page works without its delivery terms
  api(url(`/api/products/${view.params.id}`), { signal: view.signal }).then((full) => {
    p = full;
    draw();
    view.onCleanup(watchEvents({ products: p.id }, onEvent));
  }).catch((err) => {
    if (err.status !== 404) return showError(err);
    view.setMain(null);
    view.root.replaceChildren(emptyState('box', t('notFound'), button(t('toCatalog'), () => nav.tab('home'))));
  });
}

export function favoritesScreen(view) {
  view.setTitle(t('favorites'));
  const grid = h('div.grid', { testid: 'favorites-grid' }, spinner());
  view.root.append(grid);
  const showEmpty = () => grid.replaceChildren(emptyState('heart', t('favoritesEmpty'), button(t('toCatalog'), () => nav.tab('home'))));

  // A product un-hearted here leaves the list at once.
  view.subscribe((what) => {
    if (what !== 'favorites') return;
    grid.querySelectorAll('[data-testid="product-card"]').forEach((card) => isFavorite(card.dataset.id) || card.remove());
    if (!grid.querySelector('[data-testid="product-card"]')) showEmpty();
  });

  api(url('/api/users/favorites'), { signal: view.signal }).then((res) => {
    setFavorites(res.favorites ?? []);
    const items = res.items ?? [];
    if (items.length) grid.replaceChildren(...items.map(productCard)); else showEmpty();
  }).catch(showError);
}
