// Guarded wrapper around Telegram.WebApp: the page also runs where telegram-web-app.js did not load (a
// browser, a headless test) or on an old client. In-page buttons always offer the same actions.

const webApp = () => window.Telegram?.WebApp;
const atLeast = (version) => Boolean(webApp()) && (!webApp().isVersionAtLeast || webApp().isVersionAtLeast(version));
const has = (method, version = '6.0') => typeof webApp()?.[method] === 'function' && atLeast(version);

function safely(fn) {
  try { fn(webApp()); } catch (err) { console.warn('Telegram.WebApp', err); }
}

// One permanent handler per button: screens only swap the action.
let mainAction = null;
let backAction = null;

export function initTelegram() {
  if (!webApp()) return;
  safely((w) => { w.ready(); w.expand(); });
  safely((w) => w.MainButton.onClick(() => mainAction?.()));
  if (atLeast('6.1')) safely((w) => w.BackButton.onClick(() => backAction?.()));
}

export function setMainButton(options) {
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
