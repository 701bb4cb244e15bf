// "Ask the seller": opens the chat with the shop's bot, where what a customer writes reaches the seller and the
// seller's answer comes back (bot/support.py). Hidden where there is no bot (the trial): there is no chat to open.

import { api, url } from './api.js';
import { t } from './i18n.js';
import { h, icon } from './ui.js';
import { openTelegramLink } from './tg.js';

let asked = null; // GET /api/shop's bot_link, asked once per page (a failed ask is asked again next time)

export function sellerLink() {
  asked ??= api(url('/api/shop')).then((shop) => shop.bot_link ?? null, (err) => { asked = null; throw err; });
  return asked;
}

// The button, or null when there is no bot to talk to.
export const askSeller = (link) => link && h('button.btn.ghost.wide.ask-seller', { testid: 'ask-seller',
  onclick: () => openTelegramLink(link) }, icon('chat'), t('askSeller'));
