// Delivery terms (GET /api/delivery): the zones the seller set in the bot, shown on the product page and chosen
// at checkout. The fee shown is the page's arithmetic for the customer's eyes; the server computes its own.

import { api, url } from './api.js';
import { t, money, getLang } from './i18n.js';
import { h } from './ui.js';

let loaded = null; // { lang, promise }: one read per language and session; a failed read is tried again

export function loadDelivery({ fresh = false } = {}) {
  if (fresh || loaded?.lang !== getLang()) {
    const promise = api(url('/api/delivery')).catch((err) => { loaded = null; throw err; });
    loaded = { lang: getLang(), promise };
  }
  return loaded.promise;
}

// "150000.00" -> 15000000n: amounts are added in cents, never as floats.
const cents = (value) => {
  const [whole = '0', fraction = ''] = String(value ?? '0').split('.');
  return BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
};
const decimal = (value) => `${value / 100n}.${String(value % 100n).padStart(2, '0')}`;

export const addMoney = (a, b) => decimal(cents(a) + cents(b));

// The zone's fee for an order of `subtotal`: none from its threshold on.
export const feeFor = (zone, subtotal) =>
  (zone.free_from != null && cents(subtotal) >= cents(zone.free_from) ? '0.00' : zone.fee);

export const isFree = (fee) => cents(fee) === 0n;

// "20 000 so'm, 300 000 so'm dan bepul · 1–2 kun"
export function zoneTerms(zone) {
  const parts = [isFree(zone.fee) ? t('deliveryFree') : money(zone.fee)];
  if (zone.free_from != null && !isFree(zone.fee)) parts.push(t('freeFrom', { amount: money(zone.free_from) }));
  return [parts.join(', '), zone.delivery_time].filter(Boolean).join(' · ');
}

// The product page's panel: one compact line per zone; nothing when the shop set no zones.
export function deliveryPanel(terms) {
  if (!terms?.zones?.length) return null;
  return h('div.panel.delivery', { testid: 'delivery-terms' }, h('h3', {}, t('deliveryTerms')),
    terms.zones.map((zone) => h('div.row', { testid: 'delivery-zone' }, h('span', {}, zone.name),
      h('span.hint', {}, zoneTerms(zone)))));
}
