// Cart and checkout.

import { api } from './api.js';
import { t, money } from './i18n.js';
import { h, fill, icon, productImage, emptyState, stepper, button, toast, showError } from './ui.js';
import { state, nav, refreshCart, changeCart, setCart } from './state.js';

const emptyCart = () => emptyState('cart', t('cartEmpty'), button(t('toCatalog'), () => nav.tab('home')));

function problemText(p) {
  const vars = { name: p.name, n: p.available, old: money(p.old_price), new: money(p.new_price) };
  if (p.problem === 'out_of_stock' && !(p.available > 0)) return t('p_sold_out', vars);
  return t(`p_${p.problem}`, vars);
}

const problemsPanel = (testid) => state.conflicts?.length > 0 && h('div.notice.warn', { testid, role: 'alert' },
  t('conflict'), h('ul', {}, state.conflicts.map((p) => h('li', { testid: 'problem', 'data-product-id': p.product_id }, problemText(p)))));

function totals(cart, testid) {
  return h('div.panel', {},
    h('div.row', {}, h('span', {}, t('itemsN', { n: cart.total_quantity })), h('span', {}, money(cart.subtotal))),
    h('div.row.total', {}, h('span', {}, t('total')), h('b', { testid }, money(cart.subtotal))));
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
    customer_phone: user.phone ?? '', customer_address: '', note: '', payment_method: 'cash' };
  let busy = false;
  const errors = {};

  function field(key, name, props = {}, tag = 'input') {
    const input = h(tag, { id: key, testid: `checkout-${name}`, rows: tag === 'textarea' ? '2' : null, ...props,
      oninput: () => { draft[key] = input.value; errors[key].hidden = true; } });
    input.value = draft[key];
    errors[key] = h('small.warning', { hidden: true });
    return h('div.field', {}, h('label', { for: key }, t(name)), input, errors[key]);
  }

  const radio = (value) => h('label.radio', {}, h('input', { type: 'radio', name: 'pay', testid: `payment-${value}`,
    checked: draft.payment_method === value, onchange: () => { draft.payment_method = value; } }), t(value));

  const formError = h('p.warning', { testid: 'checkout-error', role: 'alert', hidden: true });
  const placeButton = h('button.btn.wide', { type: 'submit', testid: 'place-order' }, t('placeOrder'));
  const form = h('form.panel', { noValidate: true, onsubmit: (e) => { e.preventDefault(); place(); } },
    field('customer_name', 'name', { autocomplete: 'name' }),
    field('customer_phone', 'phone', { type: 'tel', autocomplete: 'tel', placeholder: '+998901234567' }),
    field('customer_address', 'address', { placeholder: t('addressHint') }, 'textarea'),
    field('note', 'note', {}, 'textarea'),
    h('div.field', {}, h('span.label', {}, t('payment')), h('div.radios', {}, radio('cash'), radio('card'))),
    formError, placeButton);

  // After a conflict the main action is going back to the cart.
  function drawTop() {
    const back = state.conflicts?.length > 0;
    fill(top, problemsPanel('checkout-problems'),
      back && button(t('backToCart'), () => nav.tab('cart'), { class: 'ghost wide', testid: 'back-to-cart' }),
      totals(state.cart, 'checkout-total'));
    view.setMain(back ? { text: t('backToCart'), onClick: () => nav.tab('cart') } : { text: t('placeOrder'), onClick: place, busy });
  }

  function validate() {
    draft.customer_phone = normalizePhone(draft.customer_phone.trim());
    form.querySelector('#customer_phone').value = draft.customer_phone;
    const problems = {};
    for (const key of ['customer_name', 'customer_phone', 'customer_address']) if (!draft[key].trim()) problems[key] = t('required');
    if (!problems.customer_phone && !/^\+998\d{9}$/.test(draft.customer_phone)) problems.customer_phone = t('phoneInvalid');
    for (const [key, message] of Object.entries(problems)) Object.assign(errors[key], { textContent: message, hidden: false });
    form.querySelector('.field small:not([hidden])')?.previousElementSibling.focus();
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
  drawTop();
}

function orderPlaced({ order, invoice_url: invoiceUrl }) {
  Object.assign(state, { draft: null, conflicts: null });
  state.catalog.key = ''; // stock moved: reload the home list next time
  setCart({ items: [], total_quantity: 0, subtotal: '0' });
  refreshCart().catch(() => {});
  toast(t('orderPlaced'), 'ok');
  nav.reset([{ name: 'orders', params: {} }, { name: 'order', params: { id: order.id, order, invoiceUrl, justPlaced: true, autoPay: true } }]);
}
