// Guarded wrapper around Telegram.WebApp: the page also runs where telegram-web-app.js did not load (a
// browser, a headless test) or on an old client. In-page buttons always offer the same actions.
//
// index.html loads telegram-web-app.js async: a slow telegram.org must never hold the first paint. The page starts
// without it (the signed init data and the theme are in the URL fragment too) and takes Telegram up when it
// arrives: the buttons are wired then and show what the screen on top asked for meanwhile.

const webApp = () => window.Telegram?.WebApp;
const atLeast = (version) => Boolean(webApp()) && (!webApp().isVersionAtLeast || webApp().isVersionAtLeast(version));
const has = (method, version = '6.0') => typeof webApp()?.[method] === 'function' && atLeast(version);
const script = () => document.getElementById('telegram-web-app');

function safely(fn) {
  try { fn(webApp()); } catch (err) { console.warn('Telegram.WebApp', err); }
}

// One permanent handler per button: screens only swap the action.
let mainOptions = null;
let mainAction = null;
let backAction = null;
let connected = false;

export function initTelegram() {
  if (webApp()) return connect();
  applyUrlTheme();
  // Until the script arrives, tell Telegram through its bridge that the page is ready to show: without it the
  // client keeps its loading placeholder up until the page's load event, which waits for the script.
  postEvent('web_app_ready');
  postEvent('web_app_expand');
  script()?.addEventListener('load', connect, { once: true });
}

// Resolves when Telegram.WebApp is there, or after `ms` without it (a browser, telegram.org not answering).
export function telegramArrival(ms) {
  return new Promise((resolve) => {
    if (webApp() || !script()) return resolve();
    const done = () => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(done, ms);
    script().addEventListener('load', done, { once: true });
    script().addEventListener('error', done, { once: true });
  });
}

function connect() {
  if (connected || !webApp()) return;
  connected = true;
  safely((w) => { w.ready(); w.expand(); });
  safely((w) => w.MainButton.onClick(() => mainAction?.()));
  if (atLeast('6.1')) safely((w) => w.BackButton.onClick(() => backAction?.()));
  setMainButton(mainOptions);
  setBackButton(backAction);
}

// Telegram's documented bridge (core.telegram.org/api/web-events), as telegram-web-app.js posts to it: the
// mobile and desktop clients' TelegramWebviewProxy, Telegram Web's parent frame; nowhere in a plain browser.
function postEvent(eventType, eventData = '') {
  try {
    if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(eventType, JSON.stringify(eventData));
    else if (window.parent !== window) window.parent.postMessage(JSON.stringify({ eventType, eventData }), '*');
  } catch (err) { console.warn('Telegram bridge', err); }
}

// The colours Telegram put in the fragment (tgWebAppThemeParams), as the script would set them: a dark theme
// is dark from the first paint.
function applyUrlTheme() {
  try {
    const theme = JSON.parse(new URLSearchParams(location.hash.slice(1)).get('tgWebAppThemeParams') || '{}');
    for (const [key, value] of Object.entries(theme)) {
      if (/^#[0-9a-f]{3,8}$/i.test(value)) document.documentElement.style.setProperty(`--tg-theme-${key.replaceAll('_', '-')}`, value);
    }
  } catch { /* no theme or a malformed one: the light fallback */ }
}

export function setMainButton(options) {
  mainOptions = options;
  mainAction = options && !options.busy ? options.onClick : null;
  safely((w) => {
    if (!w?.MainButton) return;
    if (!options) return w.MainButton.hide();
    w.MainButton.setText(options.text);
    if (options.busy) w.MainButton.showProgress(); else w.MainButton.hideProgress();
    w.MainButton.show();
  });
}

export function setBackButton(onBack) {
  backAction = onBack;
  if (atLeast('6.1')) safely((w) => (onBack ? w.BackButton.show() : w.BackButton.hide()));
}

export function openLink(href) {
  if (has('openLink')) safely((w) => w.openLink(href)); else window.open(href, '_blank', 'noopener');
}

// A t.me link (the chat with the shop's bot, the share sheet) opens inside Telegram; elsewhere a new tab.
export function openTelegramLink(href) {
  if (has('openTelegramLink', '6.1')) safely((w) => w.openTelegramLink(href)); else openLink(href);
}

// Telegram's own confirmation where the client has one (6.2), else `fallback(message)`; resolves true on "OK".
export function confirmAction(message, fallback) {
  if (!has('showConfirm', '6.2')) return fallback(message);
  return new Promise((resolve) => {
    try { webApp().showConfirm(message, (ok) => resolve(Boolean(ok))); } catch (err) {
      console.warn('Telegram.WebApp', err);
      resolve(fallback(message));
    }
  });
}

export const canOpenInvoice = () => has('openInvoice', '6.1');

// onStatus gets "paid", "cancelled", "failed" or "pending".
export function openInvoice(href, onStatus) {
  if (canOpenInvoice()) safely((w) => w.openInvoice(href, onStatus)); else openLink(href);
}

// Telegram asks the user to share their phone with the bot (Bot API 6.9); onPhone gets the number when shared.
// The bot receives the contact too and keeps it on the customer (bot/contacts.py).
export const canRequestContact = () => has('requestContact', '6.9');

export function requestContact(onPhone) {
  safely((w) => w.requestContact((shared, event) => {
    const phone = shared && event?.responseUnsafe?.contact?.phone_number;
    if (phone) onPhone(String(phone));
  }));
}
