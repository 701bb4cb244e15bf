// The shop's page: what the seller wrote about the shop in the bot (/shop): about text, phone, working hours.

import { api, url } from './api.js';
import { t } from './i18n.js';
import { h, icon, spinner, emptyState, showError } from './ui.js';

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
  view.root.replaceChildren(rows.length ? h('div.shop-info', {}, ...rows) : emptyState('info', t('shopEmpty')));
}
