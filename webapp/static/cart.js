// Cart and checkout.

import { api, url } from './api.js';
import { t, money } from './i18n.js';
import { h, fill, icon, productImage, emptyState, stepper, button, toast, showError } from './ui.js';
import { state, nav, refreshCart, changeCart, setCart } from './state.js';
import { loadDelivery, feeFor, isFree, addMoney, zoneTerms } from './delivery.js';
import { canRequestContact, requestContact } from './tg.js';

const emptyCart = () => emptyState('cart', t('cartEmpty'), button(t('toCatalog'), () => nav.tab('home')));

function problemText(p) {
  const vars = { name: p.name, n: p.available, old: money(p.old_price), new: money(p.new_price) };
  if (p.problem === 'out_of_stock' && !(p.available > 0)) return t('p_sold_out', vars);
  return t(`p_${p.problem}`, vars);
}

const problemsPanel = (testid) => state.conflicts?.length > 0 && h('div.notice.warn', { testid, role: 'alert' },
  t('conflict'), h('ul', {}, state.conflicts.map((p) => h('li', { testid: 'problem', 'data-product-id': p.product_id }, problemText(p)))));

// With a delivery zone chosen, its fee (or "free") and the total with it: what the order will cost.
function totals(cart, testid, zone = null) {
  const fee = zone && feeFor(zone, cart.subtotal);
  return h('div.panel', {},
    h('div.row', {}, h('span', {}, t('itemsN', { n: cart.total_quantity })), h('span', {}, money(cart.subtotal))),
    zone && h('div.row', {}, h('span', {}, `${t('deliveryFee')}: ${zone.name}`),
      h('span', { testid: 'delivery-fee' }, isFree(fee) ? t('deliveryFree') : money(fee))),
    h('div.row.total', {}, h('span', {}, t('total')), h('b', { testid }, money(zone ? addMoney(cart.subtotal, fee) : cart.subtotal))));
}

export function cartScreen(view) {
  view.setTitle(t('cart'));
  const checkout = () => nav.go('checkout');

  function line(item) {
    const el = h('div.line', { testid: 'cart-item', 'data-id': item.id, 'data-product-id': item.product_id });
    // Busy lines ignore taps, so quick double taps cannot race.
    const change = (method, body) => {
      el.classList.add('busy');
      changeCart(method, `/api/cart/${item.id}`, body).then(draw);
    };
    const open = () => nav.go('product', { id: item.product_id });
    const available = Number(item.available) || 0;
    const warning = !item.in_stock || available < 1 ? t('soldOut') : item.quantity > available && t('onlyLeft', { n: available });
    el.append(h('button', { onclick: open }, productImage(item.image, 'mini')),
      h('div.line-body', {},
        h('button.line-name', { onclick: open }, item.name),
        h('div.hint', {}, money(item.price), ' ', item.price_changed && [h('s', {}, money(item.price_snapshot)),
          ' ', h('span.badge', { testid: 'price-changed' }, t('priceChanged'))]),
        warning && h('p.warning', { testid: 'stock-warning' }, warning),
        h('div.row', {},
          // "−" on the last piece removes the line.
          stepper({ value: item.quantity, min: 0, max: available, ids: ['qty-minus', 'qty-value', 'qty-plus'],
            onChange: (n) => (n < 1 ? change('DELETE') : change('PATCH', { quantity: n })) }),
          h('b', { testid: 'line-total' }, money(item.line_total)))),
      h('button.remove', { testid: 'cart-remove', 'aria-label': t('remove'), onclick: () => change('DELETE') },
        icon('trash')));
    return el;
  }

  function draw() {
    if (!view.alive()) return;
    const cart = state.cart;
    if (!cart.items.length) {
      view.setMain(null);
      return view.root.replaceChildren(emptyCart());
    }
    view.setMain({ text: t('checkout'), onClick: checkout });
    fill(view.root, problemsPanel('cart-problems'),
      h('div.panel', {}, cart.items.map(line)),
      totals(cart, 'cart-total'),
      button(t('checkout'), checkout, { class: 'wide', testid: 'checkout' }));
  }

  view.subscribe((what) => what === 'cart' && draw());
  draw();
  refreshCart(view.signal).catch(showError);
}

// "90 123 45 67", "998901234567", "+998 (90) 123-45-67" -> "+998901234567".
export function normalizePhone(raw) {
  const digits = raw.replace(/[\s()\-.]/g, '');
  return /^(998)?\d{9}$/.test(digits) ? `+998${digits.slice(-9)}` : digits;
}

export function checkoutScreen(view) {
  view.setTitle(t('checkout'));
  if (!state.cart.items.length) return view.root.append(emptyCart());
  const user = state.user ?? {};
  // Pre-filled from the profile; kept across a trip back to the cart.
  const draft = state.draft ??= { customer_name: [user.first_name, user.last_name].filter(Boolean).join(' '),
    customer_phone: user.phone ?? '', customer_address: '', note: '', payment_method: 'cash', delivery_zone_id: null };
  let busy = false;
  const errors = {};
  // What the shop offers: its delivery zones (none: no zone, no fee) and whether card payment is set up.
  let zones = [];
  let cardPayment = false;
  const zoneBox = h('div');
  const paymentBox = h('div');
  const chosenZone = () => zones.find((zone) => zone.id === draft.delivery_zone_id) ?? null;

  function field(key, name, props = {}, tag = 'input') {
    const input = h(tag, { id: key, testid: `checkout-${name}`, rows: tag === 'textarea' ? '2' : null, ...props,
      oninput: () => { draft[key] = input.value; errors[key].hidden = true; } });
    input.value = draft[key];
    errors[key] = h('small.warning', { hidden: true });
    return h('div.field', {}, h('label', { for: key }, t(name)), input, errors[key]);
  }

  const radio = (value) => h('label.radio', {}, h('input', { type: 'radio', name: 'pay', testid: `payment-${value}`,
    checked: draft.payment_method === value, onchange: () => { draft.payment_method = value; } }), t(value));

  // The phone in one tap: Telegram asks the user to share it (and the bot keeps it for next time).
  const sharePhone = canRequestContact() && h('button.btn.ghost.share-phone', { type: 'button', testid: 'share-phone',
    onclick: () => requestContact((phone) => {
      draft.customer_phone = normalizePhone(phone.startsWith('+') ? phone : `+${phone}`);
      form.querySelector('#customer_phone').value = draft.customer_phone;
      errors.customer_phone.hidden = true;
    }) }, icon('phone'), t('sharePhone'));

  function drawZones() {
    errors.delivery_zone_id ??= h('small.warning', { hidden: true });
    if (!zones.length) return zoneBox.replaceChildren();
    const choice = (zone) => h('label.radio.zone', {}, h('input', { type: 'radio', name: 'zone', testid: `zone-${zone.id}`,
      checked: draft.delivery_zone_id === zone.id,
      onchange: () => { draft.delivery_zone_id = zone.id; errors.delivery_zone_id.hidden = true; drawTop(); } }),
    h('span', {}, h('b', {}, zone.name), h('small.hint', {}, zoneTerms(zone))));
    zoneBox.replaceChildren(h('div.field', { testid: 'checkout-zones' }, h('span.label', {}, t('deliveryZone')),
      h('div.zones', {}, zones.map(choice)), errors.delivery_zone_id));
  }

  // Card only when the shop can take it; otherwise cash is the one way and no card is promised.
  function drawPayment() {
    if (!cardPayment) draft.payment_method = 'cash';
    paymentBox.replaceChildren(h('div.field', {}, h('span.label', {}, t('payment')),
      h('div.radios', {}, radio('cash'), cardPayment && radio('card'))));
  }

  async function loadOptions(fresh = false) {
    const [terms, shop] = await Promise.all([loadDelivery({ fresh }), api(url('/api/shop'))]);
    zones = terms.zones;
    cardPayment = Boolean(shop.card_payment);
    if (draft.delivery_zone_id != null && !chosenZone()) draft.delivery_zone_id = null; // switched off meanwhile
    if (zones.length === 1) draft.delivery_zone_id = zones[0].id;
    if (!view.alive()) return;
    drawZones();
    drawPayment();
    drawTop();
  }

  const formError = h('p.warning', { testid: 'checkout-error', role: 'alert', hidden: true });
  const placeButton = h('button.btn.wide', { type: 'submit', testid: 'place-order' }, t('placeOrder'));
  const form = h('form.panel', { noValidate: true, onsubmit: (e) => { e.preventDefault(); place(); } },
    field('customer_name', 'name', { autocomplete: 'name' }),
    field('customer_phone', 'phone', { type: 'tel', autocomplete: 'tel', placeholder: '+998901234567' }),
    sharePhone,
    zoneBox,
    field('customer_address', 'address', { placeholder: t('addressHint') }, 'textarea'),
    field('note', 'note', {}, 'textarea'),
    paymentBox,
    formError, placeButton);

  // After a conflict the main action is going back to the cart.
  function drawTop() {
    const back = state.conflicts?.length > 0;
    fill(top, problemsPanel('checkout-problems'),
      back && button(t('backToCart'), () => nav.tab('cart'), { class: 'ghost wide', testid: 'back-to-cart' }),
      totals(state.cart, 'checkout-total', chosenZone()));
    view.setMain(back ? { text: t('backToCart'), onClick: () => nav.tab('cart') } : { text: t('placeOrder'), onClick: place, busy });
  }

  function validate() {
    draft.customer_phone = normalizePhone(draft.customer_phone.trim());
    form.querySelector('#customer_phone').value = draft.customer_phone;
    const problems = {};
    for (const key of ['customer_name', 'customer_phone', 'customer_address']) if (!draft[key].trim()) problems[key] = t('required');
    if (!problems.customer_phone && !/^\+998\d{9}$/.test(draft.customer_phone)) problems.customer_phone = t('phoneInvalid');
    if (zones.length && !chosenZone()) problems.delivery_zone_id = t('zoneRequired');
    for (const [key, message] of Object.entries(problems)) Object.assign(errors[key], { textContent: message, hidden: false });
    form.querySelector('.field small:not([hidden])')?.previousElementSibling.focus();
    if (problems.delivery_zone_id) zoneBox.scrollIntoView({ block: 'center' });
    return !Object.keys(problems).length;
  }

  async function place() {
    if (busy || !validate()) return;
    busy = placeButton.disabled = true;
    formError.hidden = true;
    drawTop();
    try {
      orderPlaced(await api('/api/orders', { method: 'POST', body: { ...draft } }));
    } catch (err) {
      if (err.code === 'cart_conflict') {
        state.conflicts = err.details?.items ?? [];
        window.scrollTo(0, 0);
        refreshCart().then(drawTop).catch(() => {}); // the server already moved the cart to the new prices
      } else if (['delivery_zone_unavailable', 'card_payment_unavailable'].includes(err.code)) {
        // The seller changed the options while the page was open: show today's and let the customer choose again.
        formError.textContent = t(`err_${err.code}`);
        formError.hidden = false;
        loadOptions(true).catch(showError);
      } else if (err.details?.field === 'delivery_zone_id') {
        Object.assign(errors.delivery_zone_id, { textContent: t('zoneRequired'), hidden: false });
        loadOptions(true).catch(showError);
      } else {
        const input = errors[err.field === 'phone' ? 'customer_phone' : err.field]; // core checks the phone as "phone"
        if (input) Object.assign(input, { textContent: err.message, hidden: false });
        formError.textContent = err.message;
        formError.hidden = err.status === 401;
        showError(err);
      }
    }
    busy = placeButton.disabled = false;
    if (view.alive()) drawTop();
  }

  const top = h('div');
  view.root.append(top, form);
  drawZones();
  drawPayment();
  drawTop();
  loadOptions().catch(showError);
}

function orderPlaced({ order, invoice_url: invoiceUrl }) {
  Object.assign(state, { draft: null, conflicts: null });
  state.catalog.key = ''; // stock moved: reload the home list next time
  setCart({ items: [], total_quantity: 0, subtotal: '0' });
  refreshCart().catch(() => {});
  toast(t('orderPlaced'), 'ok');
  nav.reset([{ name: 'orders', params: {} }, { name: 'order', params: { id: order.id, order, invoiceUrl, justPlaced: true, autoPay: true } }]);
}
