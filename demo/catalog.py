"""What the demo shop is made of, in uz and ru: its sales channels (the API marketplaces from their declarations and
sandboxes), categories, kinds of product and banners. Plain data: demo.products turns the kinds into products,
demo.seeding writes it all."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.listings import Platform
from demo.platforms import demo_platforms
from demo.sandboxes.demo_platform import DemoPlatform

# ---------------------------------------------------------------------------------------------------------
# Channels


@dataclass(frozen=True)
class Marketplace:
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


def _api_channel(platform: Platform, demo: DemoPlatform) -> Marketplace:
    """An API marketplace's channel row: stock and orders synced every 5 minutes, prices read only, webhooks where
    the platform pushes."""
    api_type = platform.api_type
    return Marketplace(
        platform.name, api_type, "api", api_type, platform.pushes is not None, True, True, False, 5, demo.commission
    )


# The API marketplaces first, as the registry orders them (core.listings), each with its sandbox's demo values.
API_PLATFORMS = demo_platforms()
MARKETPLACES: tuple[Marketplace, ...] = (
    *(_api_channel(platform, demo) for platform, demo in API_PLATFORMS),
    # Classifieds take no sales commission we could know in advance, hence NULL rather than a made-up rate.
    Marketplace("OLX", "olx", "manual", None, False, False, False, False, 60, None),
    Marketplace("Bir-Bir", "bir-bir", "manual", None, False, False, False, False, 60, None),
    Marketplace("Amazing Store", "amazing-store", "own", None, False, True, True, True, 60, Decimal("0.00")),
)

# The prefix makes a channel's listing id recognisable at a glance in the admin bot and in sync logs.
LISTING_PREFIX: dict[str, str] = {
    **{platform.api_type: demo.sku_prefix for platform, demo in API_PLATFORMS},
    "olx": "OLX",
    "bir-bir": "BB",
}
API_SLUGS: tuple[str, ...] = tuple(platform.api_type for platform, _demo in API_PLATFORMS)
MANUAL_SLUGS: tuple[str, ...] = ("olx", "bir-bir")
# Some marketplaces are Russian-first storefronts (their sandbox says), OLX Uzbekistan listings are mostly in Russian
# too.
RUSSIAN_LISTINGS: frozenset[str] = frozenset(
    {*(platform.api_type for platform, demo in API_PLATFORMS if demo.russian_listings), "olx"}
)


# ---------------------------------------------------------------------------------------------------------
# Categories


@dataclass(frozen=True)
class Subcategory:
    key: str
    name_uz: str
    name_ru: str
    icon: str


@dataclass(frozen=True)
class Category:
    key: str  # names the image /app/demo/<key>.svg
    code: str  # the middle of the SKU
    name_uz: str
    name_ru: str
    icon: str
    color: str
    children: tuple[Subcategory, ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category(
        "electronics",
        "ELE",
        "Elektronika",
        "Электроника",
        "📱",
        "#2563EB",
        (
            Subcategory("phones", "Smartfonlar", "Смартфоны", "📱"),
            Subcategory("laptops", "Noutbuklar", "Ноутбуки", "💻"),
            Subcategory("gadgets", "Aksessuarlar", "Аксессуары", "🎧"),
        ),
    ),
    Category(
        "appliances",
        "APP",
        "Maishiy texnika",
        "Бытовая техника",
        "🔌",
        "#0891B2",
        (
            Subcategory("kitchen", "Oshxona texnikasi", "Техника для кухни", "☕"),
            Subcategory("home-tech", "Uy uchun texnika", "Техника для дома", "🧺"),
            Subcategory("climate", "Iqlim texnikasi", "Климатическая техника", "❄️"),
        ),
    ),
    Category(
        "clothing",
        "CLO",
        "Kiyim-kechak",
        "Одежда",
        "👕",
        "#DB2777",
        (
            Subcategory("menswear", "Erkaklar kiyimi", "Мужская одежда", "👔"),
            Subcategory("womenswear", "Ayollar kiyimi", "Женская одежда", "👗"),
        ),
    ),
    Category("shoes", "SHO", "Poyabzal", "Обувь", "👟", "#EA580C"),
    Category("kids", "KID", "Bolalar tovarlari", "Детские товары", "🧸", "#D97706"),
    Category("beauty", "BEA", "Go'zallik va salomatlik", "Красота и здоровье", "💄", "#E11D48"),
    Category("household", "HOM", "Uy-ro'zg'or buyumlari", "Товары для дома", "🏠", "#16A34A"),
    Category("sports", "SPO", "Sport va dam olish", "Спорт и отдых", "⚽", "#0D9488"),
    Category("books", "BOO", "Kitoblar va kanselyariya", "Книги и канцтовары", "📚", "#7C3AED"),
    Category("groceries", "GRO", "Oziq-ovqat", "Продукты питания", "🍎", "#4D7C0F"),
    Category("auto", "AUT", "Avtotovarlar", "Автотовары", "🚗", "#475569"),
    Category("pets", "PET", "Uy hayvonlari uchun", "Зоотовары", "🐾", "#A16207"),
)


# ---------------------------------------------------------------------------------------------------------
# Kinds of product: each is models x variants, so a few lines of data make a catalog that reads like a shop.

_Model = tuple[str, str, int]  # (model in uz text, model in ru text, base price in UZS)
_Variant = tuple[str, str, str]  # (uz, ru, price multiplier)
_NO_VARIANT: tuple[_Variant, ...] = (("", "", "1"),)


def _m(name: str, price: int) -> _Model:
    return (name, name, price)


@dataclass(frozen=True)
class Kind:
    leaf: str  # key of the category the products go to: a subcategory, or a top-level one without children
    name_uz: str  # templates over {m} (model) and {v} (variant)
    name_ru: str
    description_uz: str
    description_ru: str
    models: tuple[_Model, ...]
    variants: tuple[_Variant, ...] = _NO_VARIANT


_SIZES_SML: tuple[_Variant, ...] = (
    ("o'lcham S", "размер S", "1"),
    ("o'lcham M", "размер M", "1"),
    ("o'lcham L", "размер L", "1"),
)
_SIZES_MLXL: tuple[_Variant, ...] = (
    ("o'lcham M", "размер M", "1"),
    ("o'lcham L", "размер L", "1"),
    ("o'lcham XL", "размер XL", "1"),
)

KINDS: tuple[Kind, ...] = (
    # Elektronika
    Kind(
        "phones",
        "{m} smartfoni {v}",
        "Смартфон {m} {v}",
        "Katta ekran, sig'imli batareya va sifatli kameraga ega kundalik smartfon.",
        "Повседневный смартфон с большим экраном, ёмкой батареей и хорошей камерой.",
        (
            _m("Samsung Galaxy A15", 2_099_000),
            _m("Samsung Galaxy A25", 2_899_000),
            _m("Samsung Galaxy A55", 5_499_000),
            _m("Xiaomi Redmi 13C", 1_399_000),
            _m("Xiaomi Redmi Note 13", 2_499_000),
            _m("Xiaomi Redmi Note 13 Pro", 3_799_000),
            _m("Apple iPhone 13", 7_999_000),
            _m("Apple iPhone 15", 11_499_000),
            _m("Honor X8b", 2_799_000),
            _m("Tecno Spark 20 Pro", 1_899_000),
            _m("Realme C67", 2_199_000),
            _m("Vivo Y36", 2_299_000),
        ),
        (("128GB", "128GB", "1"), ("256GB", "256GB", "1.15")),
    ),
    Kind(
        "laptops",
        "{m} noutbuki {v}",
        "Ноутбук {m} {v}",
        "O'qish, ish va kundalik vazifalar uchun qulay noutbuk.",
        "Удобный ноутбук для учёбы, работы и повседневных задач.",
        (
            _m("Lenovo IdeaPad Slim 3 15", 6_499_000),
            _m("HP 250 G9", 5_299_000),
            _m("Asus Vivobook 15 X1504", 5_999_000),
            _m("Acer Aspire 5", 6_299_000),
            _m("Apple MacBook Air 13 M2", 13_999_000),
            _m("Lenovo ThinkPad E14 Gen 5", 9_499_000),
            _m("Asus TUF Gaming F15", 11_499_000),
        ),
        (("8/256GB", "8/256GB", "1"), ("16/512GB", "16/512GB", "1.22")),
    ),
    Kind(
        "gadgets",
        "{m} simsiz quloqchinlari",
        "Беспроводные наушники {m}",
        "Bluetooth orqali ulanadigan, uzoq ishlaydigan simsiz quloqchinlar.",
        "Беспроводные наушники с Bluetooth и долгой работой от батареи.",
        (
            _m("Apple AirPods Pro 2", 3_199_000),
            _m("Samsung Galaxy Buds FE", 899_000),
            _m("Xiaomi Redmi Buds 5", 349_000),
            _m("JBL Tune 520BT", 549_000),
            _m("Sony WH-1000XM5", 4_299_000),
            _m("Haylou GT7", 179_000),
        ),
    ),
    Kind(
        "gadgets",
        "{m} tashqi akkumulyatori {v}",
        "Внешний аккумулятор {m} {v}",
        "Telefon va planshetni yo'lda zaryadlash uchun ixcham tashqi akkumulyator.",
        "Компактный внешний аккумулятор для зарядки телефона и планшета в дороге.",
        (_m("Xiaomi Mi Power Bank 3", 189_000), _m("Anker PowerCore", 299_000), _m("Baseus Bipow", 219_000)),
        (("10000 mAh", "10000 mAh", "1"), ("20000 mAh", "20000 mAh", "1.45")),
    ),
    Kind(
        "gadgets",
        "{m} aqlli soati",
        "Умные часы {m}",
        "Qadamlar, puls va uyquni kuzatib boradigan aqlli soat.",
        "Умные часы с подсчётом шагов, пульсом и мониторингом сна.",
        (
            _m("Apple Watch SE 2", 3_499_000),
            _m("Samsung Galaxy Watch6 40mm", 2_899_000),
            _m("Xiaomi Redmi Watch 4", 1_049_000),
            _m("Huawei Watch Fit 3", 1_599_000),
            _m("Amazfit Bip 5", 999_000),
        ),
    ),
    # Maishiy texnika
    Kind(
        "kitchen",
        "{m} elektr choynagi",
        "Электрочайник {m}",
        "Suvni tez qaynatadigan, avtomatik o'chadigan elektr choynak.",
        "Электрочайник с быстрым нагревом и автоотключением.",
        (
            _m("Tefal Snow KO330", 299_000),
            _m("Philips HD9350", 389_000),
            _m("Xiaomi Mi Smart Kettle", 349_000),
            _m("Bosch TWK3A011", 329_000),
            _m("Artel AKE-1717", 189_000),
        ),
    ),
    Kind(
        "kitchen",
        "{m} multivarkasi",
        "Мультиварка {m}",
        "Palov, sho'rva va bo'tqa tayyorlash uchun ko'p dasturli multivarka.",
        "Мультиварка с множеством программ для плова, супов и каш.",
        (
            _m("Redmond RMC-M90", 899_000),
            _m("Philips HD4713", 1_199_000),
            _m("Tefal RK740", 1_299_000),
            _m("Polaris PMC 0517", 699_000),
        ),
    ),
    Kind(
        "kitchen",
        "{m} mikroto'lqinli pechi",
        "Микроволновая печь {m}",
        "Ovqatni isitish va muzdan tushirish uchun mikroto'lqinli pech.",
        "Микроволновая печь для разогрева и разморозки продуктов.",
        (_m("Samsung ME88SUG", 1_399_000), _m("LG MS2042DB", 1_199_000), _m("Artel MWO-20", 899_000)),
    ),
    Kind(
        "kitchen",
        "{m} blenderi",
        "Блендер {m}",
        "Kokteyl, sous va pyure tayyorlash uchun blender.",
        "Блендер для коктейлей, соусов и пюре.",
        (_m("Philips HR2041", 549_000), _m("Bosch MSM64110", 499_000), _m("Moulinex Easy Force", 459_000)),
    ),
    Kind(
        "home-tech",
        "{m} changyutkichi",
        "Пылесос {m}",
        "Uyni tez va oson tozalash uchun kuchli changyutkich.",
        "Мощный пылесос для быстрой и лёгкой уборки дома.",
        (
            _m("Samsung VC18M21", 1_499_000),
            _m("LG VK76W02HY", 1_699_000),
            _m("Xiaomi Robot Vacuum S10", 2_999_000),
            _m("Dyson V8", 6_499_000),
            _m("Artel VCC 0120", 899_000),
            _m("Philips FC9332", 1_299_000),
        ),
    ),
    Kind(
        "home-tech",
        "{m} dazmoli",
        "Утюг {m}",
        "Bug' funksiyasiga ega, kiyimni tez tekislaydigan dazmol.",
        "Утюг с паром, быстро разглаживает одежду.",
        (
            _m("Philips DST3020", 549_000),
            _m("Tefal FV2868", 699_000),
            _m("Braun TexStyle 5", 749_000),
            _m("Polaris PIR 2479", 399_000),
        ),
    ),
    Kind(
        "home-tech",
        "{m} kir yuvish mashinasi, {v}",
        "Стиральная машина {m}, {v}",
        "Tejamkor va sokin ishlaydigan avtomatik kir yuvish mashinasi.",
        "Экономичная и тихая автоматическая стиральная машина.",
        (_m("Samsung WW60", 4_299_000), _m("LG F2J3", 4_899_000), _m("Artel WF60", 2_999_000)),
        (("6 kg", "6 кг", "1"), ("8 kg", "8 кг", "1.18")),
    ),
    Kind(
        "climate",
        "{m} konditsioneri, {v}",
        "Кондиционер {m}, {v}",
        "Sovutish va isitish rejimlariga ega, Toshkent yozi uchun mos konditsioner.",
        "Кондиционер с режимами охлаждения и обогрева, рассчитан на ташкентское лето.",
        (
            _m("Artel ART-12HM Inverter", 4_499_000),
            _m("Samsung WindFree AR12", 7_999_000),
            _m("LG DualCool S12", 7_499_000),
            _m("Midea Blanc", 5_299_000),
            _m("Gree Bora", 5_799_000),
        ),
        (("9000 BTU", "9000 BTU", "1"), ("12000 BTU", "12000 BTU", "1.2")),
    ),
    Kind(
        "climate",
        "{m} isitgichi",
        "Обогреватель {m}",
        "Xonani tez isitadigan, xavfsiz elektr isitgich.",
        "Безопасный электрический обогреватель, быстро прогревает комнату.",
        (_m("Ballu BOH/CL-07", 699_000), _m("Electrolux EOH/M-9157", 899_000), _m("Artel AOH-1500", 499_000)),
    ),
    Kind(
        "climate",
        "{m} ventilyatori",
        "Вентилятор {m}",
        "Bir necha tezlik rejimiga ega, sokin ishlaydigan ventilyator.",
        "Тихий вентилятор с несколькими скоростями.",
        (
            _m("Xiaomi Mi Smart Standing Fan 2", 999_000),
            _m("Polaris PSF 40", 399_000),
            _m("Scarlett SC-SF111", 299_000),
        ),
    ),
    # Kiyim-kechak
    Kind(
        "menswear",
        "{m} erkaklar futbolkasi, {v}",
        "Мужская футболка {m}, {v}",
        "Kundalik kiyish uchun 100% paxtadan tikilgan futbolka.",
        "Футболка из 100% хлопка на каждый день.",
        (
            _m("LC Waikiki Basic", 89_000),
            _m("Koton Regular Fit", 129_000),
            _m("Zara Oversize", 249_000),
            _m("DeFacto Slim Fit", 99_000),
        ),
        _SIZES_MLXL,
    ),
    Kind(
        "menswear",
        "{m} erkaklar jinsi shimi, {v}",
        "Мужские джинсы {m}, {v}",
        "Klassik bichimdagi, bardoshli denimdan tikilgan jinsi shim.",
        "Джинсы классического кроя из прочного денима.",
        (_m("Levi's 501", 799_000), _m("Colin's 067 Jack", 399_000), _m("Mavi Marcus", 549_000)),
        (("o'lcham 32", "размер 32", "1"), ("o'lcham 34", "размер 34", "1")),
    ),
    Kind(
        "menswear",
        "{m} erkaklar kurtkasi, {v}",
        "Мужская куртка {m}, {v}",
        "Shamol va yomg'irdan himoya qiladigan issiq kurtka.",
        "Тёплая куртка, защищает от ветра и дождя.",
        (_m("Columbia Ascender", 1_299_000), _m("The North Face Resolve", 1_599_000)),
        (("o'lcham L", "размер L", "1"), ("o'lcham XL", "размер XL", "1")),
    ),
    Kind(
        "womenswear",
        "{m} ayollar ko'ylagi, {v}",
        "Женское платье {m}, {v}",
        "Har kuni va bayramlarda kiyish uchun qulay ko'ylak.",
        "Удобное платье на каждый день и для праздников.",
        (
            _m("Zara Midi", 449_000),
            _m("Mango Wrap", 519_000),
            _m("LC Waikiki Casual", 199_000),
            _m("Koton Maxi", 329_000),
        ),
        _SIZES_SML,
    ),
    Kind(
        "womenswear",
        "{m} ayollar bluzkasi, {v}",
        "Женская блузка {m}, {v}",
        "Ofis va kundalik obraz uchun yengil bluzka.",
        "Лёгкая блузка для офиса и повседневных образов.",
        (_m("Mango Satin", 359_000), _m("DeFacto Oversize", 179_000)),
        _SIZES_SML[:2],
    ),
    Kind(
        "womenswear",
        "{m} ayollar paltosi, {v}",
        "Женское пальто {m}, {v}",
        "Kuz va qish uchun klassik bichimdagi palto.",
        "Пальто классического кроя на осень и зиму.",
        (_m("Zara Wool Blend", 1_199_000), _m("Koton Classic", 899_000)),
        _SIZES_SML[1:],
    ),
    # Poyabzal
    Kind(
        "shoes",
        "{m} krossovkalari, {v}",
        "Кроссовки {m}, {v}",
        "Yurish va sport uchun yengil, qulay krossovkalar.",
        "Лёгкие и удобные кроссовки для прогулок и спорта.",
        (
            _m("Nike Air Force 1", 1_299_000),
            _m("Adidas Grand Court 2.0", 899_000),
            _m("Puma Smash v2", 699_000),
            _m("New Balance 574", 1_199_000),
            _m("Skechers Go Walk 6", 799_000),
        ),
        (("o'lcham 41", "размер 41", "1"), ("o'lcham 42", "размер 42", "1"), ("o'lcham 43", "размер 43", "1")),
    ),
    Kind(
        "shoes",
        "{m} ayollar tuflisi, {v}",
        "Женские туфли {m}, {v}",
        "Tabiiy charmdan tikilgan qulay ayollar tuflisi.",
        "Удобные женские туфли из натуральной кожи.",
        (_m("Ekonika Classic", 699_000), _m("Respect Loafer", 599_000)),
        (("o'lcham 37", "размер 37", "1"), ("o'lcham 38", "размер 38", "1")),
    ),
    # Bolalar tovarlari
    Kind(
        "kids",
        "{m} tagliklari, {v}",
        "Подгузники {m}, {v}",
        "Chaqaloq terisini quruq saqlaydigan yumshoq tagliklar.",
        "Мягкие подгузники, сохраняют кожу малыша сухой.",
        (_m("Pampers Active Baby", 189_000), _m("Huggies Elite Soft", 219_000), _m("Libero Comfort", 159_000)),
        (("3-o'lcham, 66 dona", "размер 3, 66 шт", "1"), ("4-o'lcham, 58 dona", "размер 4, 58 шт", "1.05")),
    ),
    Kind(
        "kids",
        "{m} konstruktori",
        "Конструктор {m}",
        "Bolaning tasavvuri va mayda motorikasini rivojlantiradigan konstruktor.",
        "Конструктор, развивающий воображение и мелкую моторику.",
        (
            _m("LEGO City 60316", 899_000),
            _m("LEGO Technic 42151", 699_000),
            _m("LEGO Friends 41743", 599_000),
            _m("LEGO Duplo 10986", 459_000),
        ),
    ),
    Kind(
        "kids",
        "{m} bolalar aravachasi",
        "Детская коляска {m}",
        "Yengil, oson yig'iladigan bolalar aravachasi.",
        "Лёгкая детская коляска, легко складывается.",
        (_m("Chicco Liteway", 2_499_000), _m("Cybex Eezy S", 4_999_000), _m("Yoya Plus", 1_199_000)),
    ),
    Kind(
        "kids",
        "{m} qo'g'irchog'i",
        "Кукла {m}",
        "Qizlar uchun aksessuarlari bilan qo'g'irchoq.",
        "Кукла с аксессуарами для девочек.",
        (_m("Barbie Dreamhouse Adventures", 349_000), _m("Barbie Fashionistas", 249_000)),
    ),
    # Go'zallik va salomatlik
    Kind(
        "beauty",
        "{m} shampuni, {v}",
        "Шампунь {m}, {v}",
        "Sochni yumshoq tozalaydigan va parvarish qiladigan shampun.",
        "Шампунь для мягкого очищения и ухода за волосами.",
        (
            _m("Head & Shoulders Classic", 59_000),
            _m("Pantene Pro-V", 55_000),
            _m("L'Oreal Elseve", 69_000),
            _m("Clear Men", 52_000),
        ),
        (("250 ml", "250 мл", "1"), ("400 ml", "400 мл", "1.45")),
    ),
    Kind(
        "beauty",
        "{m} atiri, {v}",
        "Парфюмерная вода {m}, {v}",
        "Kun bo'yi saqlanadigan nafis ifor.",
        "Изысканный аромат, который держится весь день.",
        (
            _m("Chanel Coco Mademoiselle", 2_299_000),
            _m("Dior Sauvage", 1_999_000),
            _m("Lancome La Vie Est Belle", 1_799_000),
            _m("Hugo Boss Bottled", 1_199_000),
        ),
        (("50 ml", "50 мл", "1"), ("100 ml", "100 мл", "1.55")),
    ),
    Kind(
        "beauty",
        "{m} yuz kremi, {v}",
        "Крем для лица {m}, {v}",
        "Terini namlaydigan va oziqlantiradigan yuz kremi.",
        "Крем для лица, увлажняет и питает кожу.",
        (_m("Nivea Soft", 49_000), _m("La Roche-Posay Toleriane", 329_000), _m("Garnier Skin Naturals", 69_000)),
        (("50 ml", "50 мл", "1"),),
    ),
    Kind(
        "beauty",
        "{m} elektr tish cho'tkasi",
        "Электрическая зубная щётка {m}",
        "Tishlarni samarali tozalaydigan, taymerli elektr tish cho'tkasi.",
        "Электрическая зубная щётка с таймером для эффективной чистки.",
        (_m("Oral-B Vitality Pro", 399_000), _m("Philips Sonicare 3100", 699_000)),
    ),
    # Uy-ro'zg'or buyumlari
    Kind(
        "household",
        "{m} qozonlar to'plami, {v}",
        "Набор кастрюль {m}, {v}",
        "Zanglamaydigan po'latdan yasalgan, barcha plitalarga mos qozonlar to'plami.",
        "Набор кастрюль из нержавеющей стали для всех типов плит.",
        (_m("Tefal Daily Cook", 999_000), _m("Bergner Gourmet", 749_000), _m("Fissman", 599_000)),
        (("6 ta buyum", "6 предметов", "1"), ("10 ta buyum", "10 предметов", "1.4")),
    ),
    Kind(
        "household",
        "{m} tovasi, {v}",
        "Сковорода {m}, {v}",
        "Yopishmaydigan qoplamali, bir tekis qiziydigan tova.",
        "Сковорода с антипригарным покрытием и равномерным нагревом.",
        (_m("Tefal Simplicity", 249_000), _m("Tefal Ingenio", 349_000), _m("Rondell", 199_000)),
        (("24 sm", "24 см", "1"), ("28 sm", "28 см", "1.2")),
    ),
    Kind(
        "household",
        "{m} choyshab to'plami, {v}",
        "Комплект постельного белья {m}, {v}",
        "Tabiiy paxtadan tikilgan yumshoq choyshab to'plami.",
        "Мягкий комплект постельного белья из натурального хлопка.",
        (_m("Tac Satin", 599_000), _m("English Home Ranforce", 449_000)),
        (("1,5 kishilik", "1,5-спальный", "1"), ("2 kishilik", "2-спальный", "1.25")),
    ),
    Kind(
        "household",
        "{m} sochig'i, {v}",
        "Полотенце {m}, {v}",
        "Namni yaxshi shimadigan yumshoq sochiq.",
        "Мягкое полотенце, хорошо впитывает влагу.",
        (_m("Karven Bamboo", 89_000), _m("Tac Cotton", 79_000)),
        (("50x90 sm", "50x90 см", "1"), ("70x140 sm", "70x140 см", "1.6")),
    ),
    Kind(
        "household",
        "{m} kir yuvish kukuni, {v}",
        "Стиральный порошок {m}, {v}",
        "Rangli va oq kiyimdagi dog'larni yaxshi ketkazadigan kukun.",
        "Порошок, хорошо удаляет пятна с цветного и белого белья.",
        (_m("Ariel Color", 99_000), _m("Persil Expert", 109_000), _m("Tide Alpine", 79_000)),
        (("3 kg", "3 кг", "1"), ("6 kg", "6 кг", "1.85")),
    ),
    # Sport va dam olish
    Kind(
        "sports",
        "{m} gantellari, {v}",
        "Гантели {m}, {v}",
        "Uyda mashg'ulot qilish uchun vinil qoplamali gantellar.",
        "Гантели в виниловом покрытии для домашних тренировок.",
        (_m("Starfit DB-101", 149_000), _m("Torneo", 169_000)),
        (("2 x 3 kg", "2 x 3 кг", "1"), ("2 x 5 kg", "2 x 5 кг", "1.5")),
    ),
    Kind(
        "sports",
        "{m} yoga gilamchasi, {v}",
        "Коврик для йоги {m}, {v}",
        "Sirpanmaydigan, yengil yoga va fitnes gilamchasi.",
        "Нескользящий лёгкий коврик для йоги и фитнеса.",
        (_m("Starfit FM-101", 119_000), _m("Reebok Yoga Mat", 299_000)),
        (("4 mm", "4 мм", "1"), ("6 mm", "6 мм", "1.25")),
    ),
    Kind(
        "sports",
        "{m} velosipedi",
        "Велосипед {m}",
        "Shahar va tog' yo'llari uchun ishonchli velosiped.",
        "Надёжный велосипед для города и горных дорог.",
        (_m("Stels Navigator 500", 2_999_000), _m("Forward Sporting 27.5", 3_499_000), _m("Trek Marlin 5", 8_999_000)),
    ),
    Kind(
        "sports",
        "{m} futbol to'pi",
        "Футбольный мяч {m}",
        "Maydon va hovlida o'ynash uchun 5-o'lchamli futbol to'pi.",
        "Футбольный мяч 5-го размера для поля и двора.",
        (_m("Adidas UCL League", 399_000), _m("Nike Strike", 349_000), _m("Select Brillant Super", 499_000)),
    ),
    Kind(
        "sports",
        "{m} yugurish yo'lakchasi",
        "Беговая дорожка {m}",
        "Uyda yurish va yugurish uchun ixcham yo'lakcha.",
        "Компактная дорожка для ходьбы и бега дома.",
        (_m("Xiaomi KingSmith WalkingPad C2", 4_999_000), _m("Clear Fit IT 5000", 6_999_000)),
    ),
    Kind(
        "sports",
        "{m} turistik chodiri, {v}",
        "Туристическая палатка {m}, {v}",
        "Tog' va dala sayohatlari uchun yengil chodir.",
        "Лёгкая палатка для походов в горы и на природу.",
        (_m("Quechua MH100", 699_000),),
        (("2 kishilik", "2-местная", "1"), ("3 kishilik", "3-местная", "1.3")),
    ),
    # Kitoblar va kanselyariya
    Kind(
        "books",
        "Kitob: {m}",
        "Книга: {m}",
        "Qattiq muqovali nashr, kitobxonlar sevib o'qiydigan asar.",
        "Издание в твёрдой обложке, любимое читателями произведение.",
        (
            ("O'tkan kunlar, Abdulla Qodiriy", "Минувшие дни, Абдулла Кадыри", 59_000),
            ("Kecha va kunduz, Cho'lpon", "Ночь и день, Чулпан", 55_000),
            ("Ufq, Said Ahmad", "Горизонт, Саид Ахмад", 65_000),
            ("Atom odatlar, Jeyms Klir", "Атомные привычки, Джеймс Клир", 89_000),
            ("Boy ota, kambag'al ota, Robert Kiyosaki", "Богатый папа, бедный папа, Роберт Кийосаки", 79_000),
            ("Alkimyogar, Paulo Koelo", "Алхимик, Пауло Коэльо", 69_000),
        ),
    ),
    Kind(
        "books",
        "{m} daftari, {v}",
        "Тетрадь {m}, {v}",
        "Maktab va o'qish uchun katakli daftar.",
        "Тетрадь в клетку для школы и учёбы.",
        (_m("Hatber", 9_000), _m("Erich Krause", 12_000)),
        (("48 varaq", "48 листов", "1"), ("96 varaq", "96 листов", "1.6")),
    ),
    Kind(
        "books",
        "{m} sharikli ruchkalar to'plami, {v}",
        "Набор шариковых ручек {m}, {v}",
        "Ravon yozadigan ko'k sharikli ruchkalar.",
        "Синие шариковые ручки с мягким письмом.",
        (_m("BIC Cristal", 29_000), _m("Pilot BPS-GP", 49_000)),
        (("10 dona", "10 шт", "1"),),
    ),
    Kind(
        "books",
        "{m} maktab ryukzagi",
        "Школьный рюкзак {m}",
        "Ortopedik orqa qismli, yengil maktab ryukzagi.",
        "Лёгкий школьный рюкзак с ортопедической спинкой.",
        (_m("Erich Krause ErgoLine", 549_000), _m("Grizzly RG-360", 449_000), _m("Hatber Ergonomic", 399_000)),
    ),
    Kind(
        "books",
        "{m} rangli qalamlari, {v}",
        "Цветные карандаши {m}, {v}",
        "Chizish va bo'yash uchun yorqin rangli qalamlar.",
        "Яркие цветные карандаши для рисования и раскрашивания.",
        (_m("Faber-Castell", 49_000), _m("Koh-i-Noor", 39_000)),
        (("12 rang", "12 цветов", "1"), ("24 rang", "24 цвета", "1.8")),
    ),
    # Oziq-ovqat
    Kind(
        "groceries",
        "{m} choyi, {v}",
        "Чай {m}, {v}",
        "Har kungi dasturxon uchun xushbo'y choy.",
        "Ароматный чай для каждого дня.",
        (
            _m("Ahmad Tea English Breakfast", 49_000),
            _m("Greenfield Green Melissa", 39_000),
            _m("Lipton Yellow Label", 35_000),
        ),
        (("100 paket", "100 пакетиков", "1"),),
    ),
    Kind(
        "groceries",
        "{m} qahvasi, {v}",
        "Кофе {m}, {v}",
        "Boy ta'mli eriydigan qahva.",
        "Растворимый кофе с насыщенным вкусом.",
        (_m("Jacobs Monarch", 89_000), _m("Nescafe Gold", 99_000), _m("Carte Noire", 109_000)),
        (("95 g", "95 г", "1"), ("190 g", "190 г", "1.85")),
    ),
    Kind(
        "groceries",
        "{m} guruchi, {v}",
        "Рис {m}, {v}",
        "Palov uchun saralangan o'zbek guruchi.",
        "Отборный узбекский рис для плова.",
        (("Devzira", "Девзира", 38_000), ("Lazer", "Лазер", 24_000), ("Alanga", "Аланга", 27_000)),
        (("1 kg", "1 кг", "1"), ("5 kg", "5 кг", "4.8")),
    ),
    Kind(
        "groceries",
        "{m} konfetlari, {v}",
        "Конфеты {m}, {v}",
        "Mehmonlar uchun va sovg'aga mos shirinlik.",
        "Сладости для гостей и в подарок.",
        (_m("Raffaello", 79_000), _m("Ferrero Rocher", 99_000), _m("Merci", 69_000)),
        (("sovg'a qutisi", "подарочная коробка", "1"),),
    ),
    Kind(
        "groceries",
        "{m} kungaboqar yog'i, {v}",
        "Подсолнечное масло {m}, {v}",
        "Qovurish va salatlar uchun tozalangan kungaboqar yog'i.",
        "Рафинированное подсолнечное масло для жарки и салатов.",
        (("Zolotaya Semechka", "Золотая семечка", 29_000), ("Oleina", "Олейна", 27_000)),
        (("1 l", "1 л", "1"), ("5 l", "5 л", "4.6")),
    ),
    # Avtotovarlar
    Kind(
        "auto",
        "{m} motor moyi, {v}",
        "Моторное масло {m}, {v}",
        "Dvigatelni yeyilishdan himoya qiladigan motor moyi.",
        "Моторное масло, защищающее двигатель от износа.",
        (
            _m("Shell Helix HX7 10W-40", 65_000),
            _m("Castrol Magnatec 5W-30", 85_000),
            _m("Mobil Super 3000 5W-40", 89_000),
            _m("Lukoil Genesis 5W-40", 69_000),
        ),
        (("1 l", "1 л", "1"), ("4 l", "4 л", "3.4")),
    ),
    Kind(
        "auto",
        "{m} videoregistratori",
        "Видеорегистратор {m}",
        "Yo'lni yuqori sifatda yozib oladigan videoregistrator.",
        "Видеорегистратор с качественной записью дороги.",
        (_m("70mai A400", 699_000), _m("Xiaomi Mi Dash Cam 2", 799_000), _m("Neoline G-Tech X77", 1_099_000)),
    ),
    Kind(
        "auto",
        "{m} avtomobil uchun telefon ushlagichi",
        "Автомобильный держатель для телефона {m}",
        "Telefonni mashinada mahkam ushlaydigan magnitli ushlagich.",
        "Магнитный держатель, надёжно фиксирует телефон в машине.",
        (_m("Baseus Magnetic", 99_000), _m("Ugreen Gravity", 119_000)),
    ),
    Kind(
        "auto",
        "{m} avtomobil shinasi, {v}",
        "Автомобильная шина {m}, {v}",
        "Yozgi yo'llar uchun ishonchli va sokin shina.",
        "Надёжная и тихая летняя шина.",
        (_m("Michelin Primacy 4", 1_099_000), _m("Bridgestone Turanza T005", 949_000), _m("Kumho Ecsta HS52", 749_000)),
        (("185/65 R15", "185/65 R15", "1"), ("205/55 R16", "205/55 R16", "1.2")),
    ),
    Kind(
        "auto",
        "{m} uchun avtomobil gilamchalari",
        "Автомобильные коврики для {m}",
        "Salonni loy va changdan himoya qiladigan rezina gilamchalar.",
        "Резиновые коврики, защищают салон от грязи и пыли.",
        (
            _m("Chevrolet Cobalt", 249_000),
            _m("Chevrolet Gentra", 249_000),
            _m("Chevrolet Damas", 199_000),
            _m("Chevrolet Malibu", 349_000),
        ),
    ),
    # Uy hayvonlari uchun
    Kind(
        "pets",
        "{m} mushuklar uchun ozuqa, {v}",
        "Корм для кошек {m}, {v}",
        "Katta yoshli mushuklar uchun to'liq ratsionli quruq ozuqa.",
        "Полнорационный сухой корм для взрослых кошек.",
        (_m("Whiskas", 29_000), _m("Royal Canin Indoor", 79_000), _m("Purina One", 49_000)),
        (("400 g", "400 г", "1"), ("2 kg", "2 кг", "4.2")),
    ),
    Kind(
        "pets",
        "{m} itlar uchun ozuqa, {v}",
        "Корм для собак {m}, {v}",
        "Katta yoshli itlar uchun to'liq ratsionli quruq ozuqa.",
        "Полнорационный сухой корм для взрослых собак.",
        (_m("Pedigree", 45_000), _m("Royal Canin Medium Adult", 119_000)),
        (("1 kg", "1 кг", "1"), ("3 kg", "3 кг", "2.8")),
    ),
    Kind(
        "pets",
        "{m} mushuk tualeti uchun to'ldirgich, {v}",
        "Наполнитель для кошачьего туалета {m}, {v}",
        "Hidni yaxshi yutadigan, kesaklanuvchi to'ldirgich.",
        "Комкующийся наполнитель, хорошо впитывает запах.",
        (_m("Catsan", 89_000), _m("N1 Naturel", 99_000)),
        (("5 l", "5 л", "1"), ("10 l", "10 л", "1.8")),
    ),
)


# ---------------------------------------------------------------------------------------------------------
# Banners


@dataclass(frozen=True)
class Banner:
    image_url: str
    title_uz: str
    title_ru: str
    link_type: str
    link_category: str | None = None  # a category key
    link_model: str | None = None  # the first product whose name starts with this
    link_url: str | None = None


BANNERS: tuple[Banner, ...] = (
    Banner(
        "/app/demo/banner-1.svg", "Smartfonlar chegirmada", "Скидки на смартфоны", "category", link_category="phones"
    ),
    Banner(
        "/app/demo/banner-2.svg",
        "Yangi: Samsung Galaxy A55",
        "Новинка: Samsung Galaxy A55",
        "product",
        link_model="Samsung Galaxy A55",
    ),
    Banner(
        "/app/demo/banner-3.svg",
        "Uy uchun maishiy texnika",
        "Бытовая техника для дома",
        "category",
        link_category="appliances",
    ),
    # A placeholder address under the shop's own name; the seller replaces it from the admin bot.
    Banner(
        "/app/demo/banner-4.svg",
        "Bepul yetkazib berish",
        "Бесплатная доставка",
        "url",
        link_url="https://amazing-store.uz/yetkazib-berish",
    ),
)


@dataclass(frozen=True)
class DeliveryZone:
    name_uz: str
    name_ru: str
    fee: Decimal
    free_from: Decimal | None
    time_uz: str
    time_ru: str


# The "Bepul yetkazib berish" banner's promise, kept: delivery in Tashkent is free from an order of 300 000 so'm.
DELIVERY_ZONES: tuple[DeliveryZone, ...] = (
    DeliveryZone("Toshkent shahri", "город Ташкент", Decimal(20000), Decimal(300000), "1 kun", "1 день"),
    DeliveryZone("Toshkent viloyati", "Ташкентская область", Decimal(35000), Decimal(600000), "1–2 kun", "1–2 дня"),
    DeliveryZone("Boshqa viloyatlar", "Другие регионы", Decimal(50000), None, "2–4 kun", "2–4 дня"),
)
