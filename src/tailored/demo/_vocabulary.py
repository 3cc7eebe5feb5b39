"""Words of the demo shop's catalog: its departments, brands, products and prices."""

from __future__ import annotations

from dataclasses import dataclass

SHOP_NAME = "Larkspur & Co"
SHOP_URL = "https://shop.example.com"
CURRENCY = "GBP"


@dataclass(frozen=True)
class CategorySpec:
    """One department of the shop and the words its products are made of."""

    name: str
    slug: str
    code: str
    weight: float
    median_price: float
    price_sigma: float
    brands: tuple[str, ...]
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    tags: tuple[str, ...]
    uses: tuple[str, ...]


def _spec(
    name: str, code: str, weight: float, price: tuple[float, float], *words: str
) -> CategorySpec:
    brands, nouns, adjectives, tags, uses = (tuple(w.split("|")) for w in words)
    slug = name.lower().replace(" ", "-")
    return CategorySpec(
        name, slug, code, weight, price[0], price[1], brands, nouns, adjectives, tags, uses
    )


CATEGORIES: tuple[CategorySpec, ...] = (
    _spec(
        "Kitchenware",
        "KIT",
        1.2,
        (24.0, 0.6),
        "Harlow|Copperfield|Oakmere|Pantry Lane",
        "Saucepan|Frying Pan|Chef's Knife|Chopping Board|Mixing Bowl|Casserole Dish|Tea Towel Set"
        "|Cafetiere|Utensil Set|Baking Tray|Measuring Jug|Knife Block",
        "Enamel|Stainless Steel|Cast Iron|Bamboo|Non-Stick|Ceramic|Copper|Stoneware|Glass|Walnut",
        "cooking|baking|dishwasher-safe|induction|gift|sustainable|essentials|chef",
        "for everyday cooking|for weekend baking|for family dinners|for small kitchens",
    ),
    _spec(
        "Home Decor",
        "HOM",
        1.0,
        (32.0, 0.7),
        "Linden & Rye|Morrow Home|Thistle House|Ashby",
        "Cushion Cover|Table Lamp|Wall Mirror|Throw Blanket|Vase|Candle|Picture Frame|Rug"
        "|Plant Pot|Wall Clock|Storage Basket|Bookend Pair",
        "Linen|Velvet|Rattan|Marble|Wool|Brass|Terracotta|Boucle|Oak|Scandi",
        "living-room|bedroom|cosy|minimalist|gift|handmade|neutral|statement",
        "for the living room|for a cosy bedroom|for a bright hallway|for a calm reading nook",
    ),
    _spec(
        "Outdoor",
        "OUT",
        0.8,
        (45.0, 0.8),
        "Fellside|Northpeak|Wayfarer|Trailhound",
        "Tent|Sleeping Bag|Daypack|Camping Stove|Head Torch|Hiking Poles|Water Bottle|Camping Chair"
        "|Rain Jacket|Cool Box|Hammock|Compass",
        "Lightweight|Waterproof|Insulated|Packable|Rugged|Ultralight|Two-Person|Foldable|Thermal|Trail",
        "camping|hiking|waterproof|lightweight|festival|adventure|family|wild-camping",
        "for weekend camping|for long-distance hikes|for festival season|for family adventures",
    ),
    _spec(
        "Electronics Accessories",
        "ELE",
        1.3,
        (22.0, 0.7),
        "Voltline|Pixelcraft|Anker Bay|Lumen",
        "Charging Cable|Power Bank|Phone Case|Laptop Sleeve|Wireless Charger|Earbuds|USB-C Hub"
        "|Screen Protector|Bluetooth Speaker|Laptop Stand|Wireless Mouse|Webcam Cover",
        "Braided|Fast-Charge|Slim|Rugged|Magnetic|Compact|Noise-Cancelling|Aluminium|Foldable|Pro",
        "usb-c|wireless|travel|office|fast-charging|gaming|work-from-home|gift",
        "for the daily commute|for the home office|for travel|for busy work days",
    ),
    _spec(
        "Toys",
        "TOY",
        0.9,
        (18.0, 0.7),
        "Tumbletown|Kitebrook|Little Acorn|Puzzleworks",
        "Jigsaw Puzzle|Building Blocks|Plush Bear|Wooden Train Set|Board Game|Craft Kit"
        "|Doll's House|Remote Control Car|Stacking Rings|Science Kit|Card Game|Ride-On Toy",
        "Wooden|Colourful|Educational|Classic|Deluxe|Mini|Giant|Eco|Rainbow|Junior",
        "kids|educational|family|gift|wooden|creative|outdoor-play|ages-3-plus",
        "for rainy afternoons|for curious minds|for family game night|for little hands",
    ),
    _spec(
        "Stationery",
        "STA",
        0.9,
        (9.0, 0.6),
        "Inkwell|Paperhouse|Quillon|Leaf & Ledger",
        "Notebook|Fountain Pen|Planner|Desk Organiser|Sticky Notes|Pencil Set|Greeting Cards"
        "|Washi Tape|Highlighters|A4 Binder|Sketchbook|Gel Pens",
        "Dotted|Lined|Recycled|Leather-Bound|Pastel|Hardback|Refillable|Minimal|Kraft|Weekly",
        "office|journaling|school|gift|recycled|planning|art|back-to-school",
        "for planning the week|for the office desk|for journaling|for back to school",
    ),
    _spec(
        "Apparel",
        "APP",
        1.4,
        (35.0, 0.6),
        "Wren & Weave|Northwind|Common Thread|Harbour",
        "T-Shirt|Hoodie|Jeans|Knit Jumper|Rain Mac|Chinos|Socks Pack|Beanie|Scarf|Shirt|Shorts"
        "|Dress",
        "Organic Cotton|Merino|Relaxed|Slim|Striped|Oversized|Linen|Fleece|Recycled|Classic",
        "womens|mens|organic|everyday|layering|winter|summer|sustainable",
        "for everyday wear|for cooler evenings|for weekends away|for the office",
    ),
    _spec(
        "Beauty",
        "BEA",
        1.0,
        (16.0, 0.6),
        "Bloomly|Sel & Sable|Dewdrop|Apothecary Row",
        "Face Serum|Moisturiser|Lip Balm|Hand Cream|Shampoo|Body Wash|Face Mask|Eye Cream"
        "|Cleanser|Bath Salts|Hair Oil|Sunscreen",
        "Hydrating|Vegan|Fragrance-Free|Rose|Vitamin C|Soothing|Travel-Size|Refillable|Botanical"
        "|Overnight",
        "skincare|vegan|cruelty-free|sensitive-skin|self-care|gift|natural|haircare",
        "for a morning routine|for sensitive skin|for a self-care evening|for travel",
    ),
    _spec(
        "Garden",
        "GAR",
        0.7,
        (26.0, 0.8),
        "Greenacre|Potting Shed|Hedgerow|Fernleigh",
        "Watering Can|Secateurs|Planter|Seed Kit|Garden Gloves|Bird Feeder|Hose Reel|Trowel"
        "|Raised Bed|Solar Lights|Compost Bin|Kneeler",
        "Galvanised|Ash-Handled|Self-Watering|Heritage|Weatherproof|Folding|Copper|Wildlife|Cedar"
        "|Compact",
        "gardening|grow-your-own|wildlife|balcony|tools|outdoor|sustainable|gift",
        "for grow-your-own beginners|for balcony gardens|for wildlife lovers|for allotment days",
    ),
    _spec(
        "Pet Supplies",
        "PET",
        0.8,
        (17.0, 0.7),
        "Pawsome|Whisker & Co|Barkley|Tailwind",
        "Dog Bed|Cat Scratcher|Lead|Collar|Chew Toy|Food Bowl|Grooming Brush|Pet Carrier"
        "|Treat Jar|Cat Tunnel|Dog Coat|Litter Tray",
        "Orthopaedic|Reflective|Durable|Washable|Cosy|Adjustable|Natural|Travel|Non-Slip|Plush",
        "dog|cat|puppy|grooming|walks|washable|pet-gift|durable",
        "for long walks|for playful cats|for new puppies|for a cosy nap",
    ),
    _spec(
        "Books",
        "BOO",
        0.9,
        (12.0, 0.4),
        "Tern Press|Hollow Oak Books|Meridian|Brightwater",
        "Cookbook|Travel Guide|Novel|Field Guide|Poetry Collection|Picture Book|Biography"
        "|Garden Handbook|Puzzle Book|Graphic Novel|Atlas|Short Stories",
        "Illustrated|Hardback|Paperback|Bestselling|Award-Winning|Pocket|Collector's|Annotated"
        "|Seasonal|Classic",
        "reading|fiction|non-fiction|cooking|travel|kids|gift|bestseller",
        "for a quiet weekend|for curious readers|for the commute|for long evenings",
    ),
    _spec(
        "Sports",
        "SPO",
        0.9,
        (28.0, 0.8),
        "Stridewell|Peak Form|Velo Club|Courtside",
        "Yoga Mat|Running Shoes|Dumbbell Set|Resistance Bands|Football|Tennis Racket|Cycling Gloves"
        "|Gym Bag|Skipping Rope|Foam Roller|Swim Goggles|Sports Bottle",
        "Non-Slip|Cushioned|Adjustable|Pro|Training|Breathable|Lightweight|Grippy|Compact"
        "|Performance",
        "fitness|running|yoga|home-gym|cycling|team-sports|training|recovery",
        "for home workouts|for morning runs|for the weekend match|for post-run recovery",
    ),
)

DESCRIPTION_FEATURES: tuple[str, ...] = (
    "Made to last and designed to be used every day.",
    "Thoughtfully designed with simple, clean lines.",
    "A customer favourite, now in a new finish.",
    "Responsibly sourced materials and plastic-free packaging.",
    "Backed by our two-year guarantee.",
    "Small-batch made by an independent maker.",
)
