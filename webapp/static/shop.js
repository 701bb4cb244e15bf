// The shop's page: what the seller wrote about the shop in the bot (/shop): about text, phone, working hours, and
// a way to write to the seller.

import { api, url } from './api.js';
import { t } from './i18n.js';
import { h, fill, icon, spinner, emptyState, showError } from './ui.js';
import { askSeller } from './seller.js';

export async function shopScreen(view) {
  view.setTitle(t('aboutShop'));
  view.root.replaceChildren(spinner());
  let shop;
  try {
    shop = await api(url('/api/shop'), { signal: view.signal });
  } catch (err) {
    if (err.name !== 'AbortError') showError(err);
    return;
  }
  if (!view.alive()) return;
  if (shop.name) view.setTitle(shop.name);
  const rows = [
    shop.about && h('p.about', { testid: 'shop-about' }, shop.about),
    shop.phone && h('a.contact', { testid: 'shop-phone', href: `tel:${shop.phone}` }, icon('phone'), shop.phone),
    shop.hours && h('p.contact', { testid: 'shop-hours' }, icon('clock'), `${t('hours')}: ${shop.hours}`),
  ].filter(Boolean);
  fill(view.root, rows.length ? h('div.shop-info', {}, ...rows) : emptyState('info', t('shopEmpty')), askSeller(shop.bot_link));
}
