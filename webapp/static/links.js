// Links that open the Mini App at one product: "<bot link>?startapp=p<id>" (core/product_links.py writes the
// same), and the start parameter Telegram hands the page when such a link, or the bot's button, opened it.

import { openTelegramLink } from './tg.js';

export const productLink = (botLink, productId) => `${botLink}?startapp=p${productId}`;

// Telegram's share sheet: the customer picks a chat, the link and the name go there.
export function shareProduct(botLink, p) {
  const link = encodeURIComponent(productLink(botLink, p.id));
  openTelegramLink(`https://t.me/share/url?url=${link}&text=${encodeURIComponent(p.name)}`);
}

// The product to open at start, or null. A direct link puts the parameter in the init data (start_param) and
// the address (tgWebAppStartParam); the bot's own web_app buttons put it in the address.
export function startProduct() {
  const fromInitData = (data) => new URLSearchParams(data ?? '').get('start_param');
  const param = window.Telegram?.WebApp?.initDataUnsafe?.start_param
    || new URLSearchParams(location.search).get('tgWebAppStartParam')
    || fromInitData(new URLSearchParams(location.hash.slice(1)).get('tgWebAppData'));
  const match = /^p(\d{1,10})$/.exec(param ?? '');
  return match ? Number(match[1]) : null;
}
