// Entry point: login, the shell (header, screen, bottom bar) and rendering the screen on top of the stack.

import { api, url, loadInitData, setUnauthorizedHandler, ApiError } from './api.js';
import { t, setLang, getLang } from './i18n.js';
import { h, icon, spinner, button, showError } from './ui.js';
import { state, nav, subscribe, refreshCart, setFavorites } from './state.js';
import { initTelegram, telegramArrival, setMainButton, setBackButton } from './tg.js';
import { homeScreen, productScreen, favoritesScreen, syncCards, prefetchHome } from './catalog.js';
import { cartScreen, checkoutScreen } from './cart.js';
import { ordersScreen, orderScreen } from './orders.js';
import { shopScreen } from './shop.js';
import { startProduct } from './links.js';

const SCREENS = {
  home: homeScreen, favorites: favoritesScreen, cart: cartScreen, orders: ordersScreen,
  product: productScreen, checkout: checkoutScreen, order: orderScreen, shop: shopScreen,
};
const TABS = { home: 'home', favorites: 'heart', cart: 'cart', orders: 'orders' };

const root = document.getElementById('app');
const back = h('button.back', { testid: 'back', onclick: () => nav.back() }, icon('back'));
const title = h('h1', { testid: 'screen-title' });
const langToggle = h('button.lang', { testid: 'lang-toggle', onclick: switchLanguage });
const shopInfo = h('button.info', { testid: 'shop-info', onclick: () => nav.go('shop') }, icon('info'));
let shopName = ''; // the seller's name of the shop, the title of every screen that has none of its own
let ownTitle = false; // the screen on top set its title
const badge = h('span.count', { testid: 'cart-count', hidden: true });
const tabs = Object.entries(TABS).map(([name, iconName]) => h('button', { testid: `nav-${name}`,
  onclick: () => nav.tab(name) }, icon(iconName), name === 'cart' && badge, h('span', {})));
const host = h('main');
let current = null;
let locked = false; // the login-error page is up: nothing renders over it

// Each screen gets a fresh <section> and AbortController; leaving it aborts its requests and runs its
// clean-ups (timers, observers, the live stock stream).
function render() {
  if (locked) return;
  current?.destroy();
  const { name, params } = nav.current();
  const controller = new AbortController();
  const cleanups = [];
  const alive = () => !controller.signal.aborted;
  const section = h('section', { class: `screen ${name}`, testid: `screen-${name}` });
  current = { destroy: () => { controller.abort(); cleanups.forEach((fn) => fn()); } };
  setMainButton(null);
  title.textContent = shopName || t('store');
  ownTitle = false;
  host.replaceChildren(section);
  window.scrollTo(0, 0);
  drawChrome();
  SCREENS[name]({
    root: section, params, signal: controller.signal, alive,
    setTitle: (text) => { if (alive()) { title.textContent = text; ownTitle = true; } },
    setMain: (options) => { if (alive()) setMainButton(options); },
    onCleanup: (fn) => cleanups.push(fn),
    subscribe: (fn) => cleanups.push(subscribe(fn)),
  });
}

function drawChrome() {
  back.hidden = nav.depth() < 2;
  back.setAttribute('aria-label', t('back'));
  setBackButton(nav.depth() > 1 ? () => nav.back() : null);
  langToggle.replaceChildren(...['uz', 'ru'].map((code) => h('span', { class: code === getLang() ? 'on' : '' }, code.toUpperCase())));
  langToggle.setAttribute('aria-label', t('language'));
  shopInfo.setAttribute('aria-label', t('aboutShop'));
  Object.keys(TABS).forEach((name, i) => {
    tabs[i].lastChild.textContent = t(name);
    tabs[i].classList.toggle('active', name === nav.tabName());
  });
  drawBadge();
}

function drawBadge() {
  badge.textContent = String(state.cart.total_quantity);
  badge.hidden = !(state.cart.total_quantity > 0);
}

// Switches at once, saves in the background, switches back if saving fails.
async function switchLanguage() {
  const before = getLang();
  setLang(before === 'uz' ? 'ru' : 'uz');
  render();
  refreshCart().catch(() => {}); // cart line names are per language
  try {
    applyProfile(await api('/api/users/profile', { method: 'PUT', body: { language: getLang() } }));
    rememberLanguage();
  } catch (err) {
    setLang(before);
    render();
    showError(err);
  }
}

function applyProfile(res) {
  state.user = res.user;
  setFavorites(res.favorites ?? []);
}

// Opened outside Telegram (a plain browser: no login), or a refused login: the shop's name and the way to open
// it in Telegram, in both languages, as we may not know the user's yet.
function showOutsideTelegram() {
  locked = true;
  current?.destroy();
  setMainButton(null);
  setBackButton(null);
  const other = getLang() === 'uz' ? 'ru' : 'uz';
  const name = h('h1', { testid: 'outside-shop-name' }, shopName || t('store'));
  const open = h('div');
  root.replaceChildren(h('div.fullpage', { testid: 'outside-telegram' }, h('div.logo', {}, '🛍️'), name,
    h('p', {}, t('auth')), h('p.hint', {}, t('auth', {}, other)), open));
  api(url('/api/shop')).then((shop) => {
    if (shop.name) name.textContent = document.title = shop.name;
    if (shop.bot_link) {
      open.replaceChildren(h('a.btn', { href: shop.bot_link, testid: 'open-in-telegram' },
        `${t('openInTelegram')} · ${t('openInTelegram', {}, other)}`));
    }
  }).catch(() => {}); // the generic words still say what to do
}

// The language the profile will most likely have: the one last seen on this phone, else Telegram's (as the server
// takes it on first contact). The home screen's first page is asked for in it while the login is under way.
function likelyLanguage(initData) {
  try {
    const seen = localStorage.getItem('lang');
    if (seen) return seen;
  } catch { /* storage disabled */ }
  try {
    const code = JSON.parse(new URLSearchParams(initData).get('user')).language_code ?? '';
    return code.split('-')[0].toLowerCase();
  } catch { return 'uz'; }
}

function rememberLanguage() {
  try { localStorage.setItem('lang', getLang()); } catch { /* storage disabled */ }
}

function showShell() {
  root.replaceChildren(h('header', {}, back, title, shopInfo, langToggle), host, h('nav', {}, tabs));
  render();
}

// The home screen shows the catalogue while the login is under way (the same for everyone; the hearts follow
// the profile): on a phone the login is a round trip the first cards need not wait for. Every other screen is
// about the customer, so it waits.
async function boot(initData) {
  root.replaceChildren(h('div.fullpage', {}, spinner()));
  setLang(likelyLanguage(initData));
  const login = api('/api/users/validate', { method: 'POST' }); // asked first: it is on every screen's way
  const early = nav.current().name === 'home' && startProduct() == null;
  if (early) {
    prefetchHome();
    showShell();
  }
  try {
    const profile = await login;
    if (locked) return;
    applyProfile(profile);
    const guessed = getLang();
    setLang(profile.user?.language);
    rememberLanguage();
    if (!early || getLang() !== guessed) showShell();
    else syncCards(host);
  } catch (err) {
    if (err.status !== 401) {
      current?.destroy();
      root.replaceChildren(h('div.fullpage', { testid: 'fatal-error' }, h('h1', {}, err instanceof ApiError ? err.message : t('error')), button(t('retry'), () => boot(initData))));
    }
    return;
  }
  const opened = startProduct(); // a shared link or the bot's button named a product
  if (opened != null) nav.go('product', { id: opened });
  refreshCart().catch(showError);
  api(url('/api/shop')).then((shop) => {
    shopName = shop.name || '';
    if (shopName) document.title = shopName;
    if (shopName && !ownTitle) title.textContent = shopName; // no re-render: that would load the screen again
  }).catch(() => {}); // the store works with the generic title
}

initTelegram();
setLang('uz'); // until the profile says otherwise
setUnauthorizedHandler(showOutsideTelegram);
nav.setRenderer(render);
subscribe((what) => {
  if (what === 'cart') drawBadge();
  syncCards(host);
});
// Telegram puts the init data in the fragment, so the store starts at once; only without it does it wait (a while)
// for telegram-web-app.js to bring them, and then tells a plain browser how to open the shop in Telegram.
const SCRIPT_WAIT_MS = 3000;
const startWith = (initData) => (initData ? boot(initData) : showOutsideTelegram());
if (loadInitData()) startWith(loadInitData());
else telegramArrival(SCRIPT_WAIT_MS).then(() => startWith(loadInitData()));
