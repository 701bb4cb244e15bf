// Every user-facing string as [Uzbek (Latin), Russian], plus money and date formatting.

const STRINGS = {
  home: ['Bosh sahifa', 'Главная'],
  favorites: ['Sevimlilar', 'Избранное'],
  cart: ['Savat', 'Корзина'],
  orders: ['Buyurtmalar', 'Заказы'],
  back: ['Orqaga', 'Назад'],
  language: ['Til', 'Язык'],
  store: ["Do'kon", 'Магазин'],
  aboutShop: ["Do'kon haqida", 'О магазине'],
  hours: ['Ish vaqti', 'Часы работы'],
  shopEmpty: ["Sotuvchi hali do'kon haqida ma'lumot yozmagan", 'Продавец пока не написал о магазине'],
  search: ['Mahsulotlarni qidirish', 'Поиск товаров'],
  all: ['Hammasi', 'Все'],
  sort: ['Saralash', 'Сортировка'],
  sort_new: ['Yangilari', 'Новинки'],
  sort_popular: ['Ommabop', 'Популярные'],
  sort_price_asc: ['Avval arzonlari', 'Сначала дешёвые'],
  sort_price_desc: ['Avval qimmatlari', 'Сначала дорогие'],
  found: ['{n} ta mahsulot', 'Товаров: {n}'],
  nothingFound: ['Hech narsa topilmadi', 'Ничего не найдено'],
  soldOut: ["Sotuvda yo'q", 'Нет в наличии'],
  addToCart: ['Savatga', 'В корзину'],
  addToCartLong: ["Savatga qo'shish", 'Добавить в корзину'],
  inCart: ['Savatda: {n}', 'В корзине: {n}'],
  added: ["Savatga qo'shildi", 'Добавлено в корзину'],
  inStock: ['Omborda: {n} ta', 'В наличии: {n} шт.'],
  onlyLeft: ['Omborda faqat {n} ta bor', 'В наличии только {n} шт.'],
  product: ['Mahsulot', 'Товар'],
  description: ['Tavsif', 'Описание'],
  notFound: ['Mahsulot topilmadi', 'Товар не найден'],
  toCatalog: ['Katalogga', 'В каталог'],
  favoritesEmpty: ["Sevimlilar ro'yxati bo'sh", 'В избранном пока пусто'],
  favorite: ['Sevimli', 'Избранное'],
  cartEmpty: ["Savat bo'sh", 'Корзина пуста'],
  priceChanged: ["Narx o'zgardi", 'Цена изменилась'],
  remove: ["O'chirish", 'Удалить'],
  itemsN: ['Mahsulotlar ({n} ta)', 'Товары ({n} шт.)'],
  total: ['Jami', 'Итого'],
  deliveryFee: ['Yetkazib berish', 'Доставка'],
  checkout: ['Rasmiylashtirish', 'Оформить заказ'],
  name: ['Ism', 'Имя'],
  phone: ['Telefon', 'Телефон'],
  address: ['Manzil', 'Адрес'],
  addressHint: ["Shahar, ko'cha, uy, xonadon", 'Город, улица, дом, квартира'],
  note: ['Izoh (ixtiyoriy)', 'Комментарий (необязательно)'],
  payment: ["To'lov usuli", 'Способ оплаты'],
  cash: ['Naqd pul', 'Наличными'],
  card: ['Karta orqali', 'Картой онлайн'],
  placeOrder: ['Buyurtma berish', 'Подтвердить заказ'],
  required: ["Bu maydonni to'ldiring", 'Заполните это поле'],
  phoneInvalid: ["Telefon +998901234567 ko'rinishida bo'lishi kerak", 'Телефон должен быть в формате +998901234567'],
  orderPlaced: ['Buyurtma qabul qilindi!', 'Заказ оформлен!'],
  conflict: ["Savatda o'zgarishlar bor. Narxlar yangilandi: tekshirib, qaytadan buyurtma bering.",
    'В корзине есть изменения. Цены обновлены: проверьте и оформите заказ ещё раз.'],
  p_out_of_stock: ['{name}: omborda faqat {n} ta bor', '{name}: в наличии только {n} шт.'],
  p_sold_out: ["{name}: sotuvda yo'q", '{name}: нет в наличии'],
  p_price_changed: ['{name}: narx {old} → {new}', '{name}: цена {old} → {new}'],
  p_inactive: ['{name}: sotuvdan olingan', '{name}: снят с продажи'],
  backToCart: ['Savatga qaytish', 'Вернуться в корзину'],
  ordersEmpty: ["Hali buyurtmalar yo'q", 'Заказов пока нет'],
  order: ['Buyurtma №{n}', 'Заказ №{n}'],
  cancelOrder: ['Buyurtmani bekor qilish', 'Отменить заказ'],
  cancelled: ['Buyurtma bekor qilindi', 'Заказ отменён'],
  pay: ["To'lash", 'Оплатить'],
  paid: ["To'lov qabul qilindi", 'Оплата получена'],
  st_pending: ['Kutilmoqda', 'Ожидает'],
  st_confirmed: ['Tasdiqlandi', 'Подтверждён'],
  st_processing: ["Yig'ilmoqda", 'Собирается'],
  st_shipped: ["Yo'lda", 'В пути'],
  st_delivered: ['Yetkazildi', 'Доставлен'],
  st_cancelled: ['Bekor qilindi', 'Отменён'],
  ps_unpaid: ["To'lanmagan", 'Не оплачен'],
  ps_awaiting_payment: ["To'lov kutilmoqda", 'Ожидает оплаты'],
  ps_paid: ["To'langan", 'Оплачен'],
  ps_refunded: ['Qaytarildi', 'Возвращён'],
  auth: ["Do'konni Telegram bot orqali oching", 'Откройте магазин через Telegram-бота'],
  networkError: ["Tarmoq xatosi. Qaytadan urinib ko'ring", 'Ошибка сети. Попробуйте ещё раз'],
  error: ['Xatolik yuz berdi', 'Произошла ошибка'],
  retry: ['Qayta urinish', 'Повторить'],
  currency: ["so'm", 'сум'],
  // Support in chat: the customer writes to the seller through the shop's bot
  askSeller: ['Sotuvchiga yozish', 'Написать продавцу'],
  // Delivery zones and fee, the phone in one tap, card only when the shop takes it (lane delivery)
  deliveryTerms: ['Yetkazib berish', 'Доставка'],
  deliveryZone: ['Yetkazib berish hududi', 'Зона доставки'],
  deliveryFree: ['Bepul', 'Бесплатно'],
  freeFrom: ['{amount} dan bepul', 'бесплатно от {amount}'],
  zoneRequired: ['Yetkazib berish hududini tanlang', 'Выберите зону доставки'],
  sharePhone: ['Telegramdagi raqamimni yuborish', 'Отправить мой номер из Telegram'],
  err_delivery_zone_unavailable: ["Bu hududga yetkazib berish endi yo'q. Boshqa hududni tanlang.",
    'Доставка в эту зону больше недоступна. Выберите другую зону.'],
  err_card_payment_unavailable: ["Karta orqali to'lov hozir mavjud emas. Naqd pulni tanlang.",
    'Оплата картой сейчас недоступна. Выберите оплату наличными.'],
  err_field_delivery_zone_id: ['Yetkazib berish hududini tanlang', 'Выберите зону доставки'],
  // home: best sellers, the sale's badge, "Notify me", sharing
  bestSellers: ["Ko'p sotilganlar", 'Хиты продаж'],
  discount: ['−{n} %', '−{n} %'],
  notifyMe: ['Sotuvga chiqqanda xabar berish', 'Сообщить о поступлении'],
  notifyOn: ['Sotuvga chiqishi bilan botda xabar beramiz', 'Сообщим в боте, как только товар появится'],
  notifyOff: ['Kerak emas', 'Не нужно'],
  share: ['Ulashish', 'Поделиться'],
  err_product_in_stock: ["Mahsulot yana sotuvda: savatga qo'shishingiz mumkin", 'Товар снова в продаже: его можно добавить в корзину'],
  // Words for every error the API can answer (api.js errorText): err_<code>, err_field_<field>; confirmations;
  // the page outside Telegram; banners.
  err_not_found: ["Topilmadi: u olib tashlangan bo'lishi mumkin", 'Не найдено: возможно, его уже удалили'],
  err_validation_error: ["Ma'lumotlarni tekshirib, qaytadan yuboring", 'Проверьте данные и отправьте ещё раз'],
  err_forbidden: ["Bu amal sizga ruxsat etilmagan", 'Это действие вам недоступно'],
  err_unauthorized: ["Do'konni Telegram bot orqali qaytadan oching", 'Откройте магазин заново через Telegram-бота'],
  err_out_of_stock: ['Omborda yetarli emas', 'На складе недостаточно товара'],
  err_product_inactive: ['Bu mahsulot sotuvdan olingan', 'Этот товар снят с продажи'],
  err_invalid_transition: ["Buyurtmani endi bekor qilib bo'lmaydi: do'konga qo'ng'iroq qiling",
    'Этот заказ уже нельзя отменить: позвоните в магазин'],
  err_cart_conflict: ["Savatda o'zgarishlar bor: tekshirib, qaytadan buyurtma bering",
    'В корзине есть изменения: проверьте и оформите заказ ещё раз'],
  err_rate_limited: ["So'rovlar juda ko'p: biroz kutib, qaytadan urinib ko'ring", 'Слишком много запросов: подождите немного и повторите'],
  err_invalid_json: ['Xatolik yuz berdi', 'Произошла ошибка'],
  err_method_not_allowed: ['Xatolik yuz berdi', 'Произошла ошибка'],
  err_body_too_large: ["Matn juda uzun: qisqartirib, qaytadan yuboring", 'Текст слишком длинный: сократите и отправьте ещё раз'],
  err_http_error: ['Xatolik yuz berdi', 'Произошла ошибка'],
  err_unavailable: ["Do'kon bir daqiqaga band. Qaytadan urinib ko'ring", 'Магазин ненадолго недоступен. Попробуйте ещё раз'],
  err_internal_error: ["Bizda xatolik yuz berdi. Keyinroq urinib ko'ring", 'У нас произошла ошибка. Попробуйте позже'],
  err_field_customer_name: ['Ismingizni yozing', 'Укажите имя'],
  err_field_customer_phone: ["Telefon +998901234567 ko'rinishida bo'lishi kerak", 'Телефон должен быть в формате +998901234567'],
  err_field_phone: ["Telefon +998901234567 ko'rinishida bo'lishi kerak", 'Телефон должен быть в формате +998901234567'],
  err_field_customer_address: ["Manzil juda uzun: qisqartiring", 'Адрес слишком длинный: сократите его'],
  err_field_note: ['Izoh juda uzun: qisqartiring', 'Комментарий слишком длинный: сократите его'],
  err_field_payment_method: ["Karta orqali to'lov hozircha yo'q: naqd pulni tanlang", 'Оплата картой пока недоступна: выберите наличные'],
  err_field_cart: ["Savat bo'sh", 'Корзина пуста'],
  err_field_items: ["Savat bo'sh", 'Корзина пуста'],
  err_field_product_id: ["Savatda juda ko'p turdagi mahsulot bor", 'В корзине слишком много разных товаров'],
  err_field_quantity: ["Miqdor noto'g'ri", 'Неверное количество'],
  err_field_product_ids: ["Sevimlilar ro'yxati to'lgan", 'Список избранного заполнен'],
  err_field_first_name: ['Ismingizni yozing', 'Укажите имя'],
  err_field_last_name: ['Familiya juda uzun', 'Фамилия слишком длинная'],
  err_field_language: ["Til: faqat o'zbekcha yoki ruscha", 'Язык: только узбекский или русский'],
  err_field_channel: ["Do'kon hozir buyurtma qabul qilmayapti", 'Магазин сейчас не принимает заказы'],
  err_field_price: ["Mahsulot narxi noto'g'ri: do'konga yozing", 'Неверная цена товара: напишите в магазин'],
  err_field_delivery_fee: ["Yetkazib berish narxi noto'g'ri: do'konga yozing", 'Неверная стоимость доставки: напишите в магазин'],
  err_field_reservation: ['Bron muddati tugadi: qaytadan buyurtma bering', 'Бронь истекла: оформите заказ ещё раз'],
  err_field_q: ['Qidiruv matni juda uzun: qisqartiring', 'Слишком длинный запрос: сократите его'],
  confirmCancel: ['Buyurtma bekor qilinsinmi?', 'Отменить заказ?'],
  yes: ['Ha, bekor qilish', 'Да, отменить'],
  no: ["Yo'q", 'Нет'],
  openInTelegram: ["Telegramda ochish", 'Открыть в Telegram'],
  bannerOpen: ["Ko'rish", 'Смотреть'],
};

let lang = 'uz';

export function setLang(value) {
  lang = value === 'ru' ? 'ru' : 'uz';
  document.documentElement.lang = lang;
}

export const getLang = () => lang;

export const hasText = (key) => key in STRINGS;

// t('inStock', {n: 5}) -> "Omborda: 5 ta". An unknown key shows as itself, so a typo is visible.
export function t(key, vars = {}, language = lang) {
  const text = STRINGS[key]?.[language === 'ru' ? 1 : 0] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

// Statuses the table does not know are left out rather than shown in English.
export const label = (prefix, value) => (STRINGS[prefix + value] ? t(prefix + value) : '');

// "150000.00" -> "150 000 so'm" (thin spaces). Works on the string, not a float, so no digit is lost.
export function money(value) {
  const [whole = '0', fraction = ''] = String(value ?? '0').trim().split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  const cents = fraction.replace(/0+$/, '');
  return `${grouped}${cents ? `,${cents}` : ''}\u00a0${t('currency')}`;
}

// dd.mm.yyyy hh:mm: the same in both languages, whatever ICU data the WebView has.
export function dateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
