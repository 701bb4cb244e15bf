// Order history and order detail.

import { api } from './api.js';
import { t, money, dateTime, label } from './i18n.js';
import { h, fill, productImage, emptyState, spinner, button, toast, showError, confirmDialog } from './ui.js';
import { nav } from './state.js';
import { openInvoice, canOpenInvoice, confirmAction } from './tg.js';
import { askSeller, sellerLink } from './seller.js';

const statusBadge = (status) => h('span', { class: `status ${status}`, testid: 'order-status', 'data-status': status }, label('st_', status));
const pieces = (order) => (order.items ?? []).reduce((sum, item) => sum + Number(item.quantity), 0);
const row = (name, value, testid) => h('div.row', {}, h('span.hint', {}, name), h('span', { testid }, value));

export function ordersScreen(view) {
  view.setTitle(t('orders'));
  view.root.append(spinner());
  api('/api/orders', { signal: view.signal }).then(({ items }) => {
    view.root.replaceChildren(items.length ? '' : emptyState('orders', t('ordersEmpty'), button(t('toCatalog'), () => nav.tab('home'))),
      ...items.map((order) => h('button.panel.order-row', { testid: 'order-row', 'data-id': order.id,
        onclick: () => nav.go('order', { id: order.id, order }) },
      h('div.row', {}, h('b', {}, t('order', { n: order.order_number })), statusBadge(order.status)),
      h('div.row.hint', {}, `${dateTime(order.created_at)} · ${t('found', { n: pieces(order) })}`,
        h('b.sum', {}, money(order.total))))));
  }).catch(showError);
}

export function orderScreen(view) {
  const params = view.params;
  let busy = false;
  let botLink = null; // "Ask the seller" shows once the shop's bot link is known

  function draw(order) {
    params.order = order;
    view.setTitle(t('order', { n: order.order_number }));
    const canPay = params.invoiceUrl && order.payment_status !== 'paid' && order.status !== 'cancelled';
    fill(view.root,
      params.justPlaced && order.status !== 'cancelled' ? h('div.notice.ok', { testid: 'order-success' }, t('orderPlaced')) : '',
      h('div.panel', { testid: 'order-detail', 'data-id': order.id },
        h('div.row', {}, h('span.hint', {}, dateTime(order.created_at)), statusBadge(order.status))),
      h('div.panel', {}, (order.items ?? []).map((item) => h('div.line', { testid: 'order-item' },
        productImage(item.image, 'mini'),
        h('div.line-body', {}, h('span', {}, item.name),
          h('div.row', {}, h('span.hint', {}, `${item.quantity} × ${money(item.price)}`), h('b', {}, money(item.subtotal))))))),
      h('div.panel', {},
        row(t('itemsN', { n: pieces(order) }), money(order.subtotal)),
        (order.delivery_zone || Number(order.delivery_fee) > 0) && row(
          order.delivery_zone ? `${t('deliveryFee')}: ${order.delivery_zone}` : t('deliveryFee'),
          Number(order.delivery_fee) > 0 ? money(order.delivery_fee) : t('deliveryFree')),
        h('div.row.total', {}, h('span', {}, t('total')), h('b', { testid: 'order-total' }, money(order.total)))),
      h('div.panel', {},
        row(t('name'), order.customer_name), row(t('phone'), order.customer_phone), row(t('address'), order.customer_address),
        order.note && row(t('note'), order.note),
        row(t('payment'), [label('', order.payment_method), label('ps_', order.payment_status)].filter(Boolean).join(' · '), 'payment-status')),
      canPay && button(t('pay'), pay, { class: 'wide', testid: 'pay-invoice' }),
      order.status === 'pending' && button(t('cancelOrder'), cancel, { class: 'danger wide', testid: 'cancel-order', disabled: busy }),
      askSeller(botLink));
    view.setMain(canPay ? { text: t('pay'), onClick: pay } : null);
  }

  const load = () => api(`/api/orders/${params.id}`, { signal: view.signal }).then(draw).catch(showError);

  // "paid": the server has changed the order's payment status.
  function pay() {
    openInvoice(params.invoiceUrl, (status) => {
      if (status !== 'paid') return;
      toast(t('paid'), 'ok');
      if (view.alive()) load();
    });
  }

  // One tap could lose an order: the customer says yes first.
  async function cancel() {
    if (busy) return;
    busy = true;
    const sure = await confirmAction(t('confirmCancel'), confirmDialog);
    if (!sure || !view.alive()) {
      busy = false;
      // The order may have been drawn while the question was open (its reload, the seller's link), with the
      // button disabled then: drawn again, it works for the customer who said no.
      if (view.alive()) draw(params.order);
      return;
    }
    draw(params.order);
    try {
      params.order = await api(`/api/orders/${params.id}/cancel`, { method: 'POST' });
      toast(t('cancelled'), 'ok');
    } catch (err) {
      showError(err);
    }
    busy = false;
    if (view.alive()) draw(params.order);
  }

  if (params.order) draw(params.order); else view.root.append(spinner());
  // Right after checkout the invoice opens by itself, in Telegram only (a browser would block the tab).
  if (params.autoPay && params.invoiceUrl && canOpenInvoice()) pay();
  params.autoPay = false;
  load(); // the list's copy may be old
  sellerLink().then((link) => {
    botLink = link;
    if (link && view.alive() && params.order) draw(params.order);
  }).catch(() => {}); // the order reads the same without the button
}
