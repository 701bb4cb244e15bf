"""The believable demo catalog behind `amazing-store seed-demo`: channels, categories, products, stock,
channel mappings and banners, deterministic and safe to run any number of times."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import asyncpg

from core import inventory
from core.inventory import Source


@dataclass(frozen=True)
class DemoSummary:
    """Rows created by one seed_demo call; all zeros when the demo was already there."""

    categories: int
    products: int
    banners: int
    marketplaces: int


# ---------------------------------------------------------------------------------------------------------
# Channels

@dataclass(frozen=True)
class _Marketplace:
    name: str
    slug: str
    integration_type: str
    api_type: str | None
    supports_webhooks: bool
    supports_stock_sync: bool
    supports_order_sync: bool
    supports_price_sync: bool
    sync_interval_minutes: int
    default_commission_rate: Decimal | None


_MARKETPLACES: tuple[_Marketplace, ...] = (
    _Marketplace("Uzum Market", "uzum", "api", "uzum", False, True, True, False, 5, Decimal("15.00")),
    _Marketplace("Wildberries", "wildberries", "api", "wildberries", False, True, True, False, 5,
                 Decimal("17.00")),
    _Marketplace("Ozon", "ozon", "api", "ozon", True, True, True, False, 5, Decimal("12.00")),
    # Classifieds take no sales commission we could know in advance, hence NULL rather than a made-up rate.
    _Marketplace("OLX", "olx", "manual", None, False, False, False, False, 60, None),
    _Marketplace("Bir-Bir", "bir-bir", "manual", None, False, False, False, False, 60, None),
    _Marketplace("Amazing Store", "amazing-store", "own", None, False, True, True, True, 60, Decimal("0.00")),
)

# The prefix makes a channel's listing id recognisable at a glance in the admin bot and in sync logs.
_LISTING_PREFIX: dict[str, str] = {
    "uzum": "UZ", "wildberries": "WB", "ozon": "OZ", "olx": "OLX", "bir-bir": "BB",
}
_API_SLUGS: tuple[str, ...] = ("uzum", "wildberries", "ozon")
_MANUAL_SLUGS: tuple[str, ...] = ("olx", "bir-bir")
# Wildberries and Ozon are Russian-first storefronts, OLX Uzbekistan listings are mostly in Russian too.
_RUSSIAN_LISTINGS: frozenset[str] = frozenset({"wildberries", "ozon", "olx"})


# ---------------------------------------------------------------------------------------------------------
# Categories

@dataclass(frozen=True)
class _Subcategory:
    key: str
    name_uz: str
    name_ru: str
    icon: str


@dataclass(frozen=True)
class _Category:
    key: str  # names the image /app/demo/<key>.svg
    code: str  # the middle of the SKU
    name_uz: str
    name_ru: str
    icon: str
    color: str
    children: tuple[_Subcategory, ...] = ()


_CATEGORIES: tuple[_Category, ...] = (
    _Category("electronics", "ELE", "Elektronika", "Электроника", "📱", "#2563EB", (
        _Subcategory("phones", "Smartfonlar", "Смартфоны", "📱"),
        _Subcategory("laptops", "Noutbuklar", "Ноутбуки", "💻"),
        _Subcategory("gadgets", "Aksessuarlar", "Аксессуары", "🎧"),
    )),
    _Category("appliances", "APP", "Maishiy texnika", "Бытовая техника", "🔌", "#0891B2", (
        _Subcategory("kitchen", "Oshxona texnikasi", "Техника для кухни", "☕"),
        _Subcategory("home-tech", "Uy uchun texnika", "Техника для дома", "🧺"),
        _Subcategory("climate", "Iqlim texnikasi", "Климатическая техника", "❄️"),
    )),
    _Category("clothing", "CLO", "Kiyim-kechak", "Одежда", "👕", "#DB2777", (
        _Subcategory("menswear", "Erkaklar kiyimi", "Мужская одежда", "👔"),
        _Subcategory("womenswear", "Ayollar kiyimi", "Женская одежда", "👗"),
    )),
    _Category("shoes", "SHO", "Poyabzal", "Обувь", "👟", "#EA580C"),
    _Category("kids", "KID", "Bolalar tovarlari", "Детские товары", "🧸", "#D97706"),
    _Category("beauty", "BEA", "Go'zallik va salomatlik", "Красота и здоровье", "💄", "#E11D48"),
    _Category("household", "HOM", "Uy-ro'zg'or buyumlari", "Товары для дома", "🏠", "#16A34A"),
    _Category("sports", "SPO", "Sport va dam olish", "Спорт и отдых", "⚽", "#0D9488"),
    _Category("books", "BOO", "Kitoblar va kanselyariya", "Книги и канцтовары", "📚", "#7C3AED"),
    _Category("groceries", "GRO", "Oziq-ovqat", "Продукты питания", "🍎", "#4D7C0F"),
    _Category("auto", "AUT", "Avtotovarlar", "Автотовары", "🚗", "#475569"),
    _Category("pets", "PET", "Uy hayvonlari uchun", "Зоотовары", "🐾", "#A16207"),
)


# ---------------------------------------------------------------------------------------------------------
# Products: every kind is models x variants, so a few lines of data make a catalog that reads like a shop.

_Model = tuple[str, str, int]  # (model in uz text, model in ru text, base price in UZS)
_Variant = tuple[str, str, str]  # (uz, ru, price multiplier)
_NO_VARIANT: tuple[_Variant, ...] = (("", "", "1"),)


def _m(name: str, price: int) -> _Model:
    return (name, name, price)


@dataclass(frozen=True)
class _Kind:
    leaf: str  # key of the category the products go to: a subcategory, or a top-level one without children
    name_uz: str  # templates over {m} (model) and {v} (variant)
    name_ru: str
    description_uz: str
    description_ru: str
    models: tuple[_Model, ...]
    variants: tuple[_Variant, ...] = _NO_VARIANT


_SIZES_SML: tuple[_Variant, ...] = (("o'lcham S", "размер S", "1"), ("o'lcham M", "размер M", "1"),
                                    ("o'lcham L", "размер L", "1"))
_SIZES_MLXL: tuple[_Variant, ...] = (("o'lcham M", "размер M", "1"), ("o'lcham L", "размер L", "1"),
                                     ("o'lcham XL", "размер XL", "1"))

_KINDS: tuple[_Kind, ...] = (
    # Elektronika
    _Kind("phones", "{m} smartfoni {v}", "Смартфон {m} {v}",
          "Katta ekran, sig'imli batareya va sifatli kameraga ega kundalik smartfon.",
          "Повседневный смартфон с большим экраном, ёмкой батареей и хорошей камерой.",
          (_m("Samsung Galaxy A15", 2_099_000), _m("Samsung Galaxy A25", 2_899_000),
           _m("Samsung Galaxy A55", 5_499_000), _m("Xiaomi Redmi 13C", 1_399_000),
           _m("Xiaomi Redmi Note 13", 2_499_000), _m("Xiaomi Redmi Note 13 Pro", 3_799_000),
           _m("Apple iPhone 13", 7_999_000), _m("Apple iPhone 15", 11_499_000), _m("Honor X8b", 2_799_000),
           _m("Tecno Spark 20 Pro", 1_899_000), _m("Realme C67", 2_199_000), _m("Vivo Y36", 2_299_000)),
          (("128GB", "128GB", "1"), ("256GB", "256GB", "1.15"))),
    _Kind("laptops", "{m} noutbuki {v}", "Ноутбук {m} {v}",
          "O'qish, ish va kundalik vazifalar uchun qulay noutbuk.",
          "Удобный ноутбук для учёбы, работы и повседневных задач.",
          (_m("Lenovo IdeaPad Slim 3 15", 6_499_000), _m("HP 250 G9", 5_299_000),
           _m("Asus Vivobook 15 X1504", 5_999_000), _m("Acer Aspire 5", 6_299_000),
           _m("Apple MacBook Air 13 M2", 13_999_000), _m("Lenovo ThinkPad E14 Gen 5", 9_499_000),
           _m("Asus TUF Gaming F15", 11_499_000)),
          (("8/256GB", "8/256GB", "1"), ("16/512GB", "16/512GB", "1.22"))),
    _Kind("gadgets", "{m} simsiz quloqchinlari", "Беспроводные наушники {m}",
          "Bluetooth orqali ulanadigan, uzoq ishlaydigan simsiz quloqchinlar.",
          "Беспроводные наушники с Bluetooth и долгой работой от батареи.",
          (_m("Apple AirPods Pro 2", 3_199_000), _m("Samsung Galaxy Buds FE", 899_000),
           _m("Xiaomi Redmi Buds 5", 349_000), _m("JBL Tune 520BT", 549_000),
           _m("Sony WH-1000XM5", 4_299_000), _m("Haylou GT7", 179_000))),
    _Kind("gadgets", "{m} tashqi akkumulyatori {v}", "Внешний аккумулятор {m} {v}",
          "Telefon va planshetni yo'lda zaryadlash uchun ixcham tashqi akkumulyator.",
          "Компактный внешний аккумулятор для зарядки телефона и планшета в дороге.",
          (_m("Xiaomi Mi Power Bank 3", 189_000), _m("Anker PowerCore", 299_000),
           _m("Baseus Bipow", 219_000)),
          (("10000 mAh", "10000 mAh", "1"), ("20000 mAh", "20000 mAh", "1.45"))),
    _Kind("gadgets", "{m} aqlli soati", "Умные часы {m}",
          "Qadamlar, puls va uyquni kuzatib boradigan aqlli soat.",
          "Умные часы с подсчётом шагов, пульсом и мониторингом сна.",
          (_m("Apple Watch SE 2", 3_499_000), _m("Samsung Galaxy Watch6 40mm", 2_899_000),
           _m("Xiaomi Redmi Watch 4", 1_049_000), _m("Huawei Watch Fit 3", 1_599_000),
           _m("Amazfit Bip 5", 999_000))),
    # Maishiy texnika
    _Kind("kitchen", "{m} elektr choynagi", "Электрочайник {m}",
          "Suvni tez qaynatadigan, avtomatik o'chadigan elektr choynak.",
          "Электрочайник с быстрым нагревом и автоотключением.",
          (_m("Tefal Snow KO330", 299_000), _m("Philips HD9350", 389_000),
           _m("Xiaomi Mi Smart Kettle", 349_000), _m("Bosch TWK3A011", 329_000),
           _m("Artel AKE-1717", 189_000))),
    _Kind("kitchen", "{m} multivarkasi", "Мультиварка {m}",
          "Palov, sho'rva va bo'tqa tayyorlash uchun ko'p dasturli multivarka.",
          "Мультиварка с множеством программ для плова, супов и каш.",
          (_m("Redmond RMC-M90", 899_000), _m("Philips HD4713", 1_199_000), _m("Tefal RK740", 1_299_000),
           _m("Polaris PMC 0517", 699_000))),
    _Kind("kitchen", "{m} mikroto'lqinli pechi", "Микроволновая печь {m}",
          "Ovqatni isitish va muzdan tushirish uchun mikroto'lqinli pech.",
          "Микроволновая печь для разогрева и разморозки продуктов.",
          (_m("Samsung ME88SUG", 1_399_000), _m("LG MS2042DB", 1_199_000), _m("Artel MWO-20", 899_000))),
    _Kind("kitchen", "{m} blenderi", "Блендер {m}",
          "Kokteyl, sous va pyure tayyorlash uchun blender.",
          "Блендер для коктейлей, соусов и пюре.",
          (_m("Philips HR2041", 549_000), _m("Bosch MSM64110", 499_000), _m("Moulinex Easy Force", 459_000))),
    _Kind("home-tech", "{m} changyutkichi", "Пылесос {m}",
          "Uyni tez va oson tozalash uchun kuchli changyutkich.",
          "Мощный пылесос для быстрой и лёгкой уборки дома.",
          (_m("Samsung VC18M21", 1_499_000), _m("LG VK76W02HY", 1_699_000),
           _m("Xiaomi Robot Vacuum S10", 2_999_000), _m("Dyson V8", 6_499_000), _m("Artel VCC 0120", 899_000),
           _m("Philips FC9332", 1_299_000))),
    _Kind("home-tech", "{m} dazmoli", "Утюг {m}",
          "Bug' funksiyasiga ega, kiyimni tez tekislaydigan dazmol.",
          "Утюг с паром, быстро разглаживает одежду.",
          (_m("Philips DST3020", 549_000), _m("Tefal FV2868", 699_000), _m("Braun TexStyle 5", 749_000),
           _m("Polaris PIR 2479", 399_000))),
    _Kind("home-tech", "{m} kir yuvish mashinasi, {v}", "Стиральная машина {m}, {v}",
          "Tejamkor va sokin ishlaydigan avtomatik kir yuvish mashinasi.",
          "Экономичная и тихая автоматическая стиральная машина.",
          (_m("Samsung WW60", 4_299_000), _m("LG F2J3", 4_899_000), _m("Artel WF60", 2_999_000)),
          (("6 kg", "6 кг", "1"), ("8 kg", "8 кг", "1.18"))),
    _Kind("climate", "{m} konditsioneri, {v}", "Кондиционер {m}, {v}",
          "Sovutish va isitish rejimlariga ega, Toshkent yozi uchun mos konditsioner.",
          "Кондиционер с режимами охлаждения и обогрева, рассчитан на ташкентское лето.",
          (_m("Artel ART-12HM Inverter", 4_499_000), _m("Samsung WindFree AR12", 7_999_000),
           _m("LG DualCool S12", 7_499_000), _m("Midea Blanc", 5_299_000), _m("Gree Bora", 5_799_000)),
          (("9000 BTU", "9000 BTU", "1"), ("12000 BTU", "12000 BTU", "1.2"))),
    _Kind("climate", "{m} isitgichi", "Обогреватель {m}",
          "Xonani tez isitadigan, xavfsiz elektr isitgich.",
          "Безопасный электрический обогреватель, быстро прогревает комнату.",
          (_m("Ballu BOH/CL-07", 699_000), _m("Electrolux EOH/M-9157", 899_000),
           _m("Artel AOH-1500", 499_000))),
    _Kind("climate", "{m} ventilyatori", "Вентилятор {m}",
          "Bir necha tezlik rejimiga ega, sokin ishlaydigan ventilyator.",
          "Тихий вентилятор с несколькими скоростями.",
          (_m("Xiaomi Mi Smart Standing Fan 2", 999_000), _m("Polaris PSF 40", 399_000),
           _m("Scarlett SC-SF111", 299_000))),
    # Kiyim-kechak
    _Kind("menswear", "{m} erkaklar futbolkasi, {v}", "Мужская футболка {m}, {v}",
          "Kundalik kiyish uchun 100% paxtadan tikilgan futbolka.",
          "Футболка из 100% хлопка на каждый день.",
          (_m("LC Waikiki Basic", 89_000), _m("Koton Regular Fit", 129_000), _m("Zara Oversize", 249_000),
           _m("DeFacto Slim Fit", 99_000)),
          _SIZES_MLXL),
    _Kind("menswear", "{m} erkaklar jinsi shimi, {v}", "Мужские джинсы {m}, {v}",
          "Klassik bichimdagi, bardoshli denimdan tikilgan jinsi shim.",
          "Джинсы классического кроя из прочного денима.",
          (_m("Levi's 501", 799_000), _m("Colin's 067 Jack", 399_000), _m("Mavi Marcus", 549_000)),
          (("o'lcham 32", "размер 32", "1"), ("o'lcham 34", "размер 34", "1"))),
    _Kind("menswear", "{m} erkaklar kurtkasi, {v}", "Мужская куртка {m}, {v}",
          "Shamol va yomg'irdan himoya qiladigan issiq kurtka.",
          "Тёплая куртка, защищает от ветра и дождя.",
          (_m("Columbia Ascender", 1_299_000), _m("The North Face Resolve", 1_599_000)),
          (("o'lcham L", "размер L", "1"), ("o'lcham XL", "размер XL", "1"))),
    _Kind("womenswear", "{m} ayollar ko'ylagi, {v}", "Женское платье {m}, {v}",
          "Har kuni va bayramlarda kiyish uchun qulay ko'ylak.",
          "Удобное платье на каждый день и для праздников.",
          (_m("Zara Midi", 449_000), _m("Mango Wrap", 519_000), _m("LC Waikiki Casual", 199_000),
           _m("Koton Maxi", 329_000)),
          _SIZES_SML),
    _Kind("womenswear", "{m} ayollar bluzkasi, {v}", "Женская блузка {m}, {v}",
          "Ofis va kundalik obraz uchun yengil bluzka.",
          "Лёгкая блузка для офиса и повседневных образов.",
          (_m("Mango Satin", 359_000), _m("DeFacto Oversize", 179_000)),
          _SIZES_SML[:2]),
    _Kind("womenswear", "{m} ayollar paltosi, {v}", "Женское пальто {m}, {v}",
          "Kuz va qish uchun klassik bichimdagi palto.",
          "Пальто классического кроя на осень и зиму.",
          (_m("Zara Wool Blend", 1_199_000), _m("Koton Classic", 899_000)),
          _SIZES_SML[1:]),
    # Poyabzal
    _Kind("shoes", "{m} krossovkalari, {v}", "Кроссовки {m}, {v}",
          "Yurish va sport uchun yengil, qulay krossovkalar.",
          "Лёгкие и удобные кроссовки для прогулок и спорта.",
          (_m("Nike Air Force 1", 1_299_000), _m("Adidas Grand Court 2.0", 899_000),
           _m("Puma Smash v2", 699_000), _m("New Balance 574", 1_199_000), _m("Skechers Go Walk 6", 799_000)),
          (("o'lcham 41", "размер 41", "1"), ("o'lcham 42", "размер 42", "1"),
           ("o'lcham 43", "размер 43", "1"))),
    _Kind("shoes", "{m} ayollar tuflisi, {v}", "Женские туфли {m}, {v}",
          "Tabiiy charmdan tikilgan qulay ayollar tuflisi.",
          "Удобные женские туфли из натуральной кожи.",
          (_m("Ekonika Classic", 699_000), _m("Respect Loafer", 599_000)),
          (("o'lcham 37", "размер 37", "1"), ("o'lcham 38", "размер 38", "1"))),
    # Bolalar tovarlari
    _Kind("kids", "{m} tagliklari, {v}", "Подгузники {m}, {v}",
          "Chaqaloq terisini quruq saqlaydigan yumshoq tagliklar.",
          "Мягкие подгузники, сохраняют кожу малыша сухой.",
          (_m("Pampers Active Baby", 189_000), _m("Huggies Elite Soft", 219_000),
           _m("Libero Comfort", 159_000)),
          (("3-o'lcham, 66 dona", "размер 3, 66 шт", "1"),
           ("4-o'lcham, 58 dona", "размер 4, 58 шт", "1.05"))),
    _Kind("kids", "{m} konstruktori", "Конструктор {m}",
          "Bolaning tasavvuri va mayda motorikasini rivojlantiradigan konstruktor.",
          "Конструктор, развивающий воображение и мелкую моторику.",
          (_m("LEGO City 60316", 899_000), _m("LEGO Technic 42151", 699_000),
           _m("LEGO Friends 41743", 599_000), _m("LEGO Duplo 10986", 459_000))),
    _Kind("kids", "{m} bolalar aravachasi", "Детская коляска {m}",
          "Yengil, oson yig'iladigan bolalar aravachasi.",
          "Лёгкая детская коляска, легко складывается.",
          (_m("Chicco Liteway", 2_499_000), _m("Cybex Eezy S", 4_999_000), _m("Yoya Plus", 1_199_000))),
    _Kind("kids", "{m} qo'g'irchog'i", "Кукла {m}",
          "Qizlar uchun aksessuarlari bilan qo'g'irchoq.",
          "Кукла с аксессуарами для девочек.",
          (_m("Barbie Dreamhouse Adventures", 349_000), _m("Barbie Fashionistas", 249_000))),
    # Go'zallik va salomatlik
    _Kind("beauty", "{m} shampuni, {v}", "Шампунь {m}, {v}",
          "Sochni yumshoq tozalaydigan va parvarish qiladigan shampun.",
          "Шампунь для мягкого очищения и ухода за волосами.",
          (_m("Head & Shoulders Classic", 59_000), _m("Pantene Pro-V", 55_000), _m("L'Oreal Elseve", 69_000),
           _m("Clear Men", 52_000)),
          (("250 ml", "250 мл", "1"), ("400 ml", "400 мл", "1.45"))),
    _Kind("beauty", "{m} atiri, {v}", "Парфюмерная вода {m}, {v}",
          "Kun bo'yi saqlanadigan nafis ifor.",
          "Изысканный аромат, который держится весь день.",
          (_m("Chanel Coco Mademoiselle", 2_299_000), _m("Dior Sauvage", 1_999_000),
           _m("Lancome La Vie Est Belle", 1_799_000), _m("Hugo Boss Bottled", 1_199_000)),
          (("50 ml", "50 мл", "1"), ("100 ml", "100 мл", "1.55"))),
    _Kind("beauty", "{m} yuz kremi, {v}", "Крем для лица {m}, {v}",
          "Terini namlaydigan va oziqlantiradigan yuz kremi.",
          "Крем для лица, увлажняет и питает кожу.",
          (_m("Nivea Soft", 49_000), _m("La Roche-Posay Toleriane", 329_000),
           _m("Garnier Skin Naturals", 69_000)),
          (("50 ml", "50 мл", "1"),)),
    _Kind("beauty", "{m} elektr tish cho'tkasi", "Электрическая зубная щётка {m}",
          "Tishlarni samarali tozalaydigan, taymerli elektr tish cho'tkasi.",
          "Электрическая зубная щётка с таймером для эффективной чистки.",
          (_m("Oral-B Vitality Pro", 399_000), _m("Philips Sonicare 3100", 699_000))),
    # Uy-ro'zg'or buyumlari
    _Kind("household", "{m} qozonlar to'plami, {v}", "Набор кастрюль {m}, {v}",
          "Zanglamaydigan po'latdan yasalgan, barcha plitalarga mos qozonlar to'plami.",
          "Набор кастрюль из нержавеющей стали для всех типов плит.",
          (_m("Tefal Daily Cook", 999_000), _m("Bergner Gourmet", 749_000), _m("Fissman", 599_000)),
          (("6 ta buyum", "6 предметов", "1"), ("10 ta buyum", "10 предметов", "1.4"))),
    _Kind("household", "{m} tovasi, {v}", "Сковорода {m}, {v}",
          "Yopishmaydigan qoplamali, bir tekis qiziydigan tova.",
          "Сковорода с антипригарным покрытием и равномерным нагревом.",
          (_m("Tefal Simplicity", 249_000), _m("Tefal Ingenio", 349_000), _m("Rondell", 199_000)),
          (("24 sm", "24 см", "1"), ("28 sm", "28 см", "1.2"))),
    _Kind("household", "{m} choyshab to'plami, {v}", "Комплект постельного белья {m}, {v}",
          "Tabiiy paxtadan tikilgan yumshoq choyshab to'plami.",
          "Мягкий комплект постельного белья из натурального хлопка.",
          (_m("Tac Satin", 599_000), _m("English Home Ranforce", 449_000)),
          (("1,5 kishilik", "1,5-спальный", "1"), ("2 kishilik", "2-спальный", "1.25"))),
    _Kind("household", "{m} sochig'i, {v}", "Полотенце {m}, {v}",
          "Namni yaxshi shimadigan yumshoq sochiq.",
          "Мягкое полотенце, хорошо впитывает влагу.",
          (_m("Karven Bamboo", 89_000), _m("Tac Cotton", 79_000)),
          (("50x90 sm", "50x90 см", "1"), ("70x140 sm", "70x140 см", "1.6"))),
    _Kind("household", "{m} kir yuvish kukuni, {v}", "Стиральный порошок {m}, {v}",
          "Rangli va oq kiyimdagi dog'larni yaxshi ketkazadigan kukun.",
          "Порошок, хорошо удаляет пятна с цветного и белого белья.",
          (_m("Ariel Color", 99_000), _m("Persil Expert", 109_000), _m("Tide Alpine", 79_000)),
          (("3 kg", "3 кг", "1"), ("6 kg", "6 кг", "1.85"))),
    # Sport va dam olish
    _Kind("sports", "{m} gantellari, {v}", "Гантели {m}, {v}",
          "Uyda mashg'ulot qilish uchun vinil qoplamali gantellar.",
          "Гантели в виниловом покрытии для домашних тренировок.",
          (_m("Starfit DB-101", 149_000), _m("Torneo", 169_000)),
          (("2 x 3 kg", "2 x 3 кг", "1"), ("2 x 5 kg", "2 x 5 кг", "1.5"))),
    _Kind("sports", "{m} yoga gilamchasi, {v}", "Коврик для йоги {m}, {v}",
          "Sirpanmaydigan, yengil yoga va fitnes gilamchasi.",
          "Нескользящий лёгкий коврик для йоги и фитнеса.",
          (_m("Starfit FM-101", 119_000), _m("Reebok Yoga Mat", 299_000)),
          (("4 mm", "4 мм", "1"), ("6 mm", "6 мм", "1.25"))),
    _Kind("sports", "{m} velosipedi", "Велосипед {m}",
          "Shahar va tog' yo'llari uchun ishonchli velosiped.",
          "Надёжный велосипед для города и горных дорог.",
          (_m("Stels Navigator 500", 2_999_000), _m("Forward Sporting 27.5", 3_499_000),
           _m("Trek Marlin 5", 8_999_000))),
    _Kind("sports", "{m} futbol to'pi", "Футбольный мяч {m}",
          "Maydon va hovlida o'ynash uchun 5-o'lchamli futbol to'pi.",
          "Футбольный мяч 5-го размера для поля и двора.",
          (_m("Adidas UCL League", 399_000), _m("Nike Strike", 349_000),
           _m("Select Brillant Super", 499_000))),
    _Kind("sports", "{m} yugurish yo'lakchasi", "Беговая дорожка {m}",
          "Uyda yurish va yugurish uchun ixcham yo'lakcha.",
          "Компактная дорожка для ходьбы и бега дома.",
          (_m("Xiaomi KingSmith WalkingPad C2", 4_999_000), _m("Clear Fit IT 5000", 6_999_000))),
    _Kind("sports", "{m} turistik chodiri, {v}", "Туристическая палатка {m}, {v}",
          "Tog' va dala sayohatlari uchun yengil chodir.",
          "Лёгкая палатка для походов в горы и на природу.",
          (_m("Quechua MH100", 699_000),),
          (("2 kishilik", "2-местная", "1"), ("3 kishilik", "3-местная", "1.3"))),
    # Kitoblar va kanselyariya
    _Kind("books", "Kitob: {m}", "Книга: {m}",
          "Qattiq muqovali nashr, kitobxonlar sevib o'qiydigan asar.",
          "Издание в твёрдой обложке, любимое читателями произведение.",
          (("O'tkan kunlar, Abdulla Qodiriy", "Минувшие дни, Абдулла Кадыри", 59_000),
           ("Kecha va kunduz, Cho'lpon", "Ночь и день, Чулпан", 55_000),
           ("Ufq, Said Ahmad", "Горизонт, Саид Ахмад", 65_000),
           ("Atom odatlar, Jeyms Klir", "Атомные привычки, Джеймс Клир", 89_000),
           ("Boy ota, kambag'al ota, Robert Kiyosaki", "Богатый папа, бедный папа, Роберт Кийосаки", 79_000),
           ("Alkimyogar, Paulo Koelo", "Алхимик, Пауло Коэльо", 69_000))),
    _Kind("books", "{m} daftari, {v}", "Тетрадь {m}, {v}",
          "Maktab va o'qish uchun katakli daftar.",
          "Тетрадь в клетку для школы и учёбы.",
          (_m("Hatber", 9_000), _m("Erich Krause", 12_000)),
          (("48 varaq", "48 листов", "1"), ("96 varaq", "96 листов", "1.6"))),
    _Kind("books", "{m} sharikli ruchkalar to'plami, {v}", "Набор шариковых ручек {m}, {v}",
          "Ravon yozadigan ko'k sharikli ruchkalar.",
          "Синие шариковые ручки с мягким письмом.",
          (_m("BIC Cristal", 29_000), _m("Pilot BPS-GP", 49_000)),
          (("10 dona", "10 шт", "1"),)),
    _Kind("books", "{m} maktab ryukzagi", "Школьный рюкзак {m}",
          "Ortopedik orqa qismli, yengil maktab ryukzagi.",
          "Лёгкий школьный рюкзак с ортопедической спинкой.",
          (_m("Erich Krause ErgoLine", 549_000), _m("Grizzly RG-360", 449_000),
           _m("Hatber Ergonomic", 399_000))),
    _Kind("books", "{m} rangli qalamlari, {v}", "Цветные карандаши {m}, {v}",
          "Chizish va bo'yash uchun yorqin rangli qalamlar.",
          "Яркие цветные карандаши для рисования и раскрашивания.",
          (_m("Faber-Castell", 49_000), _m("Koh-i-Noor", 39_000)),
          (("12 rang", "12 цветов", "1"), ("24 rang", "24 цвета", "1.8"))),
    # Oziq-ovqat
    _Kind("groceries", "{m} choyi, {v}", "Чай {m}, {v}",
          "Har kungi dasturxon uchun xushbo'y choy.",
          "Ароматный чай для каждого дня.",
          (_m("Ahmad Tea English Breakfast", 49_000), _m("Greenfield Green Melissa", 39_000),
           _m("Lipton Yellow Label", 35_000)),
          (("100 paket", "100 пакетиков", "1"),)),
    _Kind("groceries", "{m} qahvasi, {v}", "Кофе {m}, {v}",
          "Boy ta'mli eriydigan qahva.",
          "Растворимый кофе с насыщенным вкусом.",
          (_m("Jacobs Monarch", 89_000), _m("Nescafe Gold", 99_000), _m("Carte Noire", 109_000)),
          (("95 g", "95 г", "1"), ("190 g", "190 г", "1.85"))),
    _Kind("groceries", "{m} guruchi, {v}", "Рис {m}, {v}",
          "Palov uchun saralangan o'zbek guruchi.",
          "Отборный узбекский рис для плова.",
          (("Devzira", "Девзира", 38_000), ("Lazer", "Лазер", 24_000), ("Alanga", "Аланга", 27_000)),
          (("1 kg", "1 кг", "1"), ("5 kg", "5 кг", "4.8"))),
    _Kind("groceries", "{m} konfetlari, {v}", "Конфеты {m}, {v}",
          "Mehmonlar uchun va sovg'aga mos shirinlik.",
          "Сладости для гостей и в подарок.",
          (_m("Raffaello", 79_000), _m("Ferrero Rocher", 99_000), _m("Merci", 69_000)),
          (("sovg'a qutisi", "подарочная коробка", "1"),)),
    _Kind("groceries", "{m} kungaboqar yog'i, {v}", "Подсолнечное масло {m}, {v}",
          "Qovurish va salatlar uchun tozalangan kungaboqar yog'i.",
          "Рафинированное подсолнечное масло для жарки и салатов.",
          (("Zolotaya Semechka", "Золотая семечка", 29_000), ("Oleina", "Олейна", 27_000)),
          (("1 l", "1 л", "1"), ("5 l", "5 л", "4.6"))),
    # Avtotovarlar
    _Kind("auto", "{m} motor moyi, {v}", "Моторное масло {m}, {v}",
          "Dvigatelni yeyilishdan himoya qiladigan motor moyi.",
          "Моторное масло, защищающее двигатель от износа.",
          (_m("Shell Helix HX7 10W-40", 65_000), _m("Castrol Magnatec 5W-30", 85_000),
           _m("Mobil Super 3000 5W-40", 89_000), _m("Lukoil Genesis 5W-40", 69_000)),
          (("1 l", "1 л", "1"), ("4 l", "4 л", "3.4"))),
    _Kind("auto", "{m} videoregistratori", "Видеорегистратор {m}",
          "Yo'lni yuqori sifatda yozib oladigan videoregistrator.",
          "Видеорегистратор с качественной записью дороги.",
          (_m("70mai A400", 699_000), _m("Xiaomi Mi Dash Cam 2", 799_000),
           _m("Neoline G-Tech X77", 1_099_000))),
    _Kind("auto", "{m} avtomobil uchun telefon ushlagichi", "Автомобильный держатель для телефона {m}",
          "Telefonni mashinada mahkam ushlaydigan magnitli ushlagich.",
          "Магнитный держатель, надёжно фиксирует телефон в машине.",
          (_m("Baseus Magnetic", 99_000), _m("Ugreen Gravity", 119_000))),
    _Kind("auto", "{m} avtomobil shinasi, {v}", "Автомобильная шина {m}, {v}",
          "Yozgi yo'llar uchun ishonchli va sokin shina.",
          "Надёжная и тихая летняя шина.",
          (_m("Michelin Primacy 4", 1_099_000), _m("Bridgestone Turanza T005", 949_000),
           _m("Kumho Ecsta HS52", 749_000)),
          (("185/65 R15", "185/65 R15", "1"), ("205/55 R16", "205/55 R16", "1.2"))),
    _Kind("auto", "{m} uchun avtomobil gilamchalari", "Автомобильные коврики для {m}",
          "Salonni loy va changdan himoya qiladigan rezina gilamchalar.",
          "Резиновые коврики, защищают салон от грязи и пыли.",
          (_m("Chevrolet Cobalt", 249_000), _m("Chevrolet Gentra", 249_000), _m("Chevrolet Damas", 199_000),
           _m("Chevrolet Malibu", 349_000))),
    # Uy hayvonlari uchun
    _Kind("pets", "{m} mushuklar uchun ozuqa, {v}", "Корм для кошек {m}, {v}",
          "Katta yoshli mushuklar uchun to'liq ratsionli quruq ozuqa.",
          "Полнорационный сухой корм для взрослых кошек.",
          (_m("Whiskas", 29_000), _m("Royal Canin Indoor", 79_000), _m("Purina One", 49_000)),
          (("400 g", "400 г", "1"), ("2 kg", "2 кг", "4.2"))),
    _Kind("pets", "{m} itlar uchun ozuqa, {v}", "Корм для собак {m}, {v}",
          "Katta yoshli itlar uchun to'liq ratsionli quruq ozuqa.",
          "Полнорационный сухой корм для взрослых собак.",
          (_m("Pedigree", 45_000), _m("Royal Canin Medium Adult", 119_000)),
          (("1 kg", "1 кг", "1"), ("3 kg", "3 кг", "2.8"))),
    _Kind("pets", "{m} mushuk tualeti uchun to'ldirgich, {v}", "Наполнитель для кошачьего туалета {m}, {v}",
          "Hidni yaxshi yutadigan, kesaklanuvchi to'ldirgich.",
          "Комкующийся наполнитель, хорошо впитывает запах.",
          (_m("Catsan", 89_000), _m("N1 Naturel", 99_000)),
          (("5 l", "5 л", "1"), ("10 l", "10 л", "1.8"))),
)


@dataclass(frozen=True)
class _Listing:
    slug: str
    price: Decimal


@dataclass(frozen=True)
class _Product:
    sku: str
    barcode: str
    name_uz: str
    name_ru: str
    description_uz: str
    description_ru: str
    leaf: str
    image_url: str
    price: Decimal
    sale_price: Decimal | None
    cost_price: Decimal
    quantity: int
    listings: tuple[_Listing, ...]


_THOUSAND = Decimal(1000)
_HUNDRED = Decimal(100)
# GS1 gives Uzbekistan the 478 prefix; the company part is made up.
_BARCODE_PREFIX = "4781207"


def _round_thousand(amount: Decimal) -> Decimal:
    return (amount / _THOUSAND).quantize(Decimal(1), rounding=ROUND_HALF_UP) * _THOUSAND


def _ean13(first12: str) -> str:
    """The 12 digits with their EAN-13 check digit appended."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _stock(index: int, price: Decimal, rng: random.Random) -> int:
    # Positions, not chance, pick the sold-out and nearly sold-out products so that every catalog has some.
    if index % 41 == 17:
        return 0
    if index % 29 == 5:
        return rng.randint(1, 4)
    if price < 100_000:
        return rng.randint(20, 180)
    if price < 1_000_000:
        return rng.randint(8, 60)
    return rng.randint(5, 25)


def _build_products() -> list[_Product]:
    top_of_leaf: dict[str, _Category] = {}
    for top in _CATEGORIES:
        for leaf in top.children or (top,):
            top_of_leaf[leaf.key] = top
    numbers: dict[str, int] = {}
    products: list[_Product] = []
    for kind in _KINDS:
        top = top_of_leaf[kind.leaf]
        for model_uz, model_ru, base_price in kind.models:
            for variant_uz, variant_ru, multiplier in kind.variants:
                index = len(products)
                numbers[top.code] = numbers.get(top.code, 0) + 1
                sku = f"AS-{top.code}-{numbers[top.code]:04d}"
                # One generator per SKU, not one shared stream: a new kind leaves other prices alone.
                rng = random.Random(f"amazing-store-demo:{sku}")
                price = _round_thousand(Decimal(base_price) * Decimal(multiplier))
                cost = _round_thousand(price * rng.randint(55, 80) / _HUNDRED)
                cost = min(max(cost, _THOUSAND), price - _THOUSAND)
                sale_price: Decimal | None = None
                if rng.random() < 0.2:
                    discount = rng.choice((5, 10, 15, 20, 25))
                    candidate = _round_thousand(price * (100 - discount) / _HUNDRED)
                    # A sale below cost would make the demo's profit reports look broken.
                    if cost < candidate < price:
                        sale_price = candidate
                quantity = _stock(index, price, rng)
                listings: list[_Listing] = []
                for slug in _API_SLUGS:
                    mapped = rng.random() < 0.6
                    markup = rng.randint(-3, 5)
                    if mapped:
                        listings.append(_Listing(slug, _round_thousand(price * (100 + markup) / _HUNDRED)))
                listings += [_Listing(slug, sale_price or price) for slug in _MANUAL_SLUGS]
                products.append(_Product(
                    sku=sku,
                    barcode=_ean13(f"{_BARCODE_PREFIX}{index + 1:05d}"),
                    name_uz=" ".join(kind.name_uz.format(m=model_uz, v=variant_uz).split()).rstrip(","),
                    name_ru=" ".join(kind.name_ru.format(m=model_ru, v=variant_ru).split()).rstrip(","),
                    description_uz=kind.description_uz,
                    description_ru=kind.description_ru,
                    leaf=kind.leaf,
                    image_url=f"/app/demo/{top.key}.svg",
                    price=price,
                    sale_price=sale_price,
                    cost_price=cost,
                    quantity=quantity,
                    listings=tuple(listings),
                ))
    return products


# ---------------------------------------------------------------------------------------------------------
# Banners

@dataclass(frozen=True)
class _Banner:
    image_url: str
    title_uz: str
    title_ru: str
    link_type: str
    link_category: str | None = None  # a category key
    link_model: str | None = None  # the first product whose name starts with this
    link_url: str | None = None


_BANNERS: tuple[_Banner, ...] = (
    _Banner("/app/demo/banner-1.svg", "Smartfonlar chegirmada", "Скидки на смартфоны", "category",
            link_category="phones"),
    _Banner("/app/demo/banner-2.svg", "Yangi: Samsung Galaxy A55", "Новинка: Samsung Galaxy A55", "product",
            link_model="Samsung Galaxy A55"),
    _Banner("/app/demo/banner-3.svg", "Uy uchun maishiy texnika", "Бытовая техника для дома", "category",
            link_category="appliances"),
    # A placeholder address under the shop's own name; the seller replaces it from the admin bot.
    _Banner("/app/demo/banner-4.svg", "Bepul yetkazib berish", "Бесплатная доставка", "url",
            link_url="https://amazing-store.uz/yetkazib-berish"),
)


# ---------------------------------------------------------------------------------------------------------
# SQL

# Any constant works; it only has to be the same for every process that seeds.
_SEED_LOCK_KEY = 0x616D7A5F64656D6F

_INSERT_MARKETPLACES = """
INSERT INTO marketplaces (name, slug, integration_type, api_type, supports_webhooks, supports_stock_sync,
                          supports_order_sync, supports_price_sync, sync_interval_minutes,
                          default_commission_rate)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::bool[], $7::bool[],
                     $8::bool[], $9::int[], $10::numeric[])
ON CONFLICT DO NOTHING
RETURNING id
"""

_INSERT_CATEGORIES = """
INSERT INTO categories (name_uz, name_ru, parent_id, icon, color, sort_order)
SELECT d.name_uz, d.name_ru, d.parent_id, d.icon, d.color, d.sort_order
  FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[])
       WITH ORDINALITY AS d(name_uz, name_ru, parent_id, icon, color, sort_order, ord)
 ORDER BY d.ord
RETURNING id, name_uz, parent_id
"""

# Categories have no natural key: (parent, name_uz) is how a person would recognise one as "already there".
_EXISTING_CATEGORIES = """
SELECT DISTINCT ON (parent_id, name_uz) id, name_uz, parent_id
  FROM categories
 WHERE name_uz = ANY($1::text[])
   AND (parent_id IS NULL OR parent_id = ANY($2::int[]))
 ORDER BY parent_id, name_uz, id
"""

# Products start hidden with an empty stock row, like every new product (core.catalog); the opening stock
# then arrives through the ledger, which shows them. The profitability trigger fills profitability_percentage.
_INSERT_PRODUCTS = """
WITH created AS (
    INSERT INTO products (sku, barcode, name_uz, name_ru, description_uz, description_ru, category_id, price,
                          sale_price, cost_price, image_url, is_active, inactive_reason)
    SELECT d.sku, d.barcode, d.name_uz, d.name_ru, d.description_uz, d.description_ru, d.category_id, d.price,
           d.sale_price, d.cost_price, d.image_url, FALSE, 'out_of_stock'
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
                  $8::numeric[], $9::numeric[], $10::numeric[], $11::text[])
           WITH ORDINALITY AS d(sku, barcode, name_uz, name_ru, description_uz, description_ru, category_id,
                                price, sale_price, cost_price, image_url, ord)
     ORDER BY d.ord
    ON CONFLICT (sku) DO NOTHING
    RETURNING id, sku
), stock AS (
    INSERT INTO inventory (product_id) SELECT id FROM created
)
SELECT id, sku FROM created
"""

# API listings carry the platform keys a stock push needs (made up, deterministic), so the demo's sync works
# against the local sandboxes: Uzum skuId + barcode, Wildberries chrtId, Ozon offer_id + product_id.
_INSERT_LISTINGS = """
WITH listed AS (
    INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, marketplace_sku,
                                      marketplace_name, marketplace_price, marketplace_stock, previous_stock,
                                      price_editable, pushed_version)
    SELECT d.product_id, d.marketplace_id, d.listing_id, d.sku, d.name, d.price, d.stock, d.stock, d.editable,
           1  -- the listing starts with our stock already (marketplace_stock): nothing to push yet
      FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::int[], $8::bool[])
           AS d(product_id, marketplace_id, listing_id, sku, name, price, stock, editable)
    ON CONFLICT (product_id, marketplace_id) DO NOTHING
    RETURNING id, marketplace_id, product_id
)
INSERT INTO listing_keys (mapping_id, marketplace_id, name, value)
SELECT l.id, l.marketplace_id, k.name, k.value
  FROM listed l
  JOIN marketplaces m ON m.id = l.marketplace_id
  JOIN products p ON p.id = l.product_id
 CROSS JOIN LATERAL (VALUES
        ('uzum', 'sku_id', (7000000 + l.product_id)::text), ('uzum', 'barcode', p.barcode),
        ('wildberries', 'chrt_id', (8000000 + l.product_id)::text),
        ('ozon', 'offer_id', p.sku), ('ozon', 'product_id', (9000000 + l.product_id)::text)
       ) AS k(slug, name, value)
 WHERE k.slug = m.slug AND k.value IS NOT NULL
"""

_INSERT_BANNERS = """
INSERT INTO banners (title_uz, title_ru, image_url, link_type, link_id, link_url, sort_order)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[])
RETURNING id
"""


async def catalog_is_empty(conn: asyncpg.Connection) -> bool:
    """True when there is not a single product, the moment to offer the demo."""
    return bool(await conn.fetchval("SELECT NOT EXISTS (SELECT 1 FROM products)"))


async def seed_demo(conn: asyncpg.Connection) -> DemoSummary:
    """Create whatever part of the demo catalog is missing, in one transaction; existing rows stay as is."""
    async with conn.transaction():
        # Two seeds at once (CLI beside a starting server) would otherwise both miss, then insert, a category.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SEED_LOCK_KEY)
        marketplaces_created = await _seed_marketplaces(conn)
        category_ids, categories_created = await _seed_categories(conn)
        products = _build_products()
        product_ids = await _seed_products(conn, products, category_ids)
        banners_created = await _seed_banners(conn, products, category_ids)
    return DemoSummary(
        categories=categories_created,
        products=len(product_ids),
        banners=banners_created,
        marketplaces=marketplaces_created,
    )


async def _seed_marketplaces(conn: asyncpg.Connection) -> int:
    rows = _MARKETPLACES
    created = await conn.fetch(
        _INSERT_MARKETPLACES,
        [m.name for m in rows], [m.slug for m in rows], [m.integration_type for m in rows],
        [m.api_type for m in rows], [m.supports_webhooks for m in rows],
        [m.supports_stock_sync for m in rows], [m.supports_order_sync for m in rows],
        [m.supports_price_sync for m in rows],
        [m.sync_interval_minutes for m in rows], [m.default_commission_rate for m in rows],
    )
    return len(created)


async def _seed_categories(conn: asyncpg.Connection) -> tuple[dict[str, int], int]:
    """Ids of every demo category by key, and how many had to be created."""
    ids: dict[str, int] = {}
    created = 0

    top_rows = await conn.fetch(_EXISTING_CATEGORIES, [c.name_uz for c in _CATEGORIES], [])
    existing_top = {r["name_uz"]: r["id"] for r in top_rows if r["parent_id"] is None}
    missing_top = [(i, c) for i, c in enumerate(_CATEGORIES, start=1) if c.name_uz not in existing_top]
    if missing_top:
        inserted = await conn.fetch(
            _INSERT_CATEGORIES,
            [c.name_uz for _, c in missing_top], [c.name_ru for _, c in missing_top],
            [None for _ in missing_top], [c.icon for _, c in missing_top], [c.color for _, c in missing_top],
            [i for i, _ in missing_top],
        )
        existing_top.update({r["name_uz"]: r["id"] for r in inserted})
        created += len(inserted)
    for top in _CATEGORIES:
        ids[top.key] = existing_top[top.name_uz]

    parents = [top for top in _CATEGORIES if top.children]
    sub_rows = await conn.fetch(
        _EXISTING_CATEGORIES,
        [s.name_uz for top in parents for s in top.children],
        [ids[top.key] for top in parents],
    )
    existing_sub = {(r["parent_id"], r["name_uz"]): r["id"] for r in sub_rows if r["parent_id"] is not None}
    missing_sub = [
        (ids[top.key], i, top, sub)
        for top in parents
        for i, sub in enumerate(top.children, start=1)
        if (ids[top.key], sub.name_uz) not in existing_sub
    ]
    if missing_sub:
        inserted = await conn.fetch(
            _INSERT_CATEGORIES,
            [s.name_uz for _, _, _, s in missing_sub], [s.name_ru for _, _, _, s in missing_sub],
            [p for p, _, _, _ in missing_sub], [s.icon for _, _, _, s in missing_sub],
            [t.color for _, _, t, _ in missing_sub], [i for _, i, _, _ in missing_sub],
        )
        existing_sub.update({(r["parent_id"], r["name_uz"]): r["id"] for r in inserted})
        created += len(inserted)
    for top in parents:
        for sub in top.children:
            ids[sub.key] = existing_sub[(ids[top.key], sub.name_uz)]
    return ids, created


async def _seed_products(
    conn: asyncpg.Connection, products: list[_Product], category_ids: dict[str, int]
) -> dict[str, int]:
    """Insert the missing products with their stock, ledger and channel listings; the new ids by SKU."""
    rows = await conn.fetch(
        _INSERT_PRODUCTS,
        [p.sku for p in products], [p.barcode for p in products],
        [p.name_uz for p in products], [p.name_ru for p in products],
        [p.description_uz for p in products], [p.description_ru for p in products],
        [category_ids[p.leaf] for p in products], [p.price for p in products],
        [p.sale_price for p in products], [p.cost_price for p in products],
        [p.image_url for p in products],
    )
    new_ids: dict[str, int] = {r["sku"]: r["id"] for r in rows}
    # Only products created now get stock and listings: a product that was already there keeps its own.
    fresh = [p for p in products if p.sku in new_ids]
    if not fresh:
        return new_ids

    opening = Source("demo", notes="Demo opening stock")
    for product in fresh:
        if product.quantity > 0:
            await inventory.receive(conn, new_ids[product.sku], product.quantity, opening, opening=True)

    marketplace_ids: dict[str, int] = {
        r["slug"]: r["id"]
        for r in await conn.fetch(
            "SELECT id, slug FROM marketplaces WHERE slug = ANY($1::text[])", list(_LISTING_PREFIX)
        )
    }
    listings = [(p, listing) for p in fresh for listing in p.listings if listing.slug in marketplace_ids]
    if listings:
        await conn.execute(
            _INSERT_LISTINGS,
            [new_ids[p.sku] for p, _ in listings],
            [marketplace_ids[x.slug] for _, x in listings],
            [f"{_LISTING_PREFIX[x.slug]}-{p.sku}" for p, x in listings],
            [p.sku for p, _ in listings],
            [p.name_ru if x.slug in _RUSSIAN_LISTINGS else p.name_uz for p, x in listings],
            [x.price for _, x in listings],
            [p.quantity for p, _ in listings],
            [x.slug in _MANUAL_SLUGS for _, x in listings],
        )
    return new_ids


async def _seed_banners(
    conn: asyncpg.Connection, products: list[_Product], category_ids: dict[str, int]
) -> int:
    existing = {
        r["image_url"]
        for r in await conn.fetch(
            "SELECT image_url FROM banners WHERE image_url = ANY($1::text[])", [b.image_url for b in _BANNERS]
        )
    }
    missing = [(i, b) for i, b in enumerate(_BANNERS, start=1) if b.image_url not in existing]
    if not missing:
        return 0
    linked_skus = {
        b.link_model: next(p.sku for p in products if p.name_uz.startswith(b.link_model))
        for _, b in missing
        if b.link_model
    }
    product_ids: dict[str, int] = {
        r["sku"]: r["id"]
        for r in await conn.fetch(
            "SELECT id, sku FROM products WHERE sku = ANY($1::text[])", list(linked_skus.values())
        )
    }
    link_ids: list[int | None] = []
    for _, banner in missing:
        if banner.link_category:
            link_ids.append(category_ids[banner.link_category])
        elif banner.link_model:
            link_ids.append(product_ids.get(linked_skus[banner.link_model]))
        else:
            link_ids.append(None)
    inserted = await conn.fetch(
        _INSERT_BANNERS,
        [b.title_uz for _, b in missing], [b.title_ru for _, b in missing], [b.image_url for _, b in missing],
        [b.link_type for _, b in missing], link_ids, [b.link_url for _, b in missing],
        [i for i, _ in missing],
    )
    return len(inserted)
