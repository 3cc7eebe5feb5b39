"""Words and weights of the demo shop's audience: countries, devices, channels, names, campaigns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """Where a visitor lives, with the locale and clock their browser reports."""

    code: str
    weight: float
    locale: str
    timezone: str
    utc_offset: int  # hours, standard time: close enough to place visits in the local day


@dataclass(frozen=True)
class Device:
    """A kind of device and the user agents it sends."""

    name: str
    weight: float
    user_agents: tuple[str, ...]


@dataclass(frozen=True)
class Channel:
    """A traffic source: how ``utm_*`` parameters and the referrer look for it."""

    name: str
    weight: float
    sources: tuple[tuple[str, str], ...]  # (utm_source, referrer url)
    medium: str
    campaigns: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country("GB", 0.30, "en-GB", "Europe/London", 0),
    Country("US", 0.20, "en-US", "America/New_York", -5),
    Country("DE", 0.12, "de-DE", "Europe/Berlin", 1),
    Country("FR", 0.09, "fr-FR", "Europe/Paris", 1),
    Country("NL", 0.06, "nl-NL", "Europe/Amsterdam", 1),
    Country("ES", 0.06, "es-ES", "Europe/Madrid", 1),
    Country("IT", 0.05, "it-IT", "Europe/Rome", 1),
    Country("IE", 0.04, "en-IE", "Europe/Dublin", 0),
    Country("BE", 0.02, "nl-BE", "Europe/Brussels", 1),
    Country("SE", 0.02, "sv-SE", "Europe/Stockholm", 1),
    Country("CA", 0.02, "en-CA", "America/Toronto", -5),
    Country("AU", 0.02, "en-AU", "Australia/Sydney", 10),
)

_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
_SAFARI = "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4"

DEVICES: tuple[Device, ...] = (
    Device(
        "mobile",
        0.58,
        (
            f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) {_SAFARI} Mobile/15E148",
            f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {_WEBKIT} Chrome/124.0 Mobile Safari/537.36",
            f"Mozilla/5.0 (Linux; Android 13; SM-S911) {_WEBKIT} Chrome/123 Mobile Safari/537.36",
        ),
    ),
    Device(
        "desktop",
        0.34,
        (
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/124.0 Safari/537.36",
            f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {_SAFARI} Safari/605.1.15",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        ),
    ),
    Device(
        "tablet",
        0.08,
        (
            f"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) {_SAFARI} Mobile/15E148",
            f"Mozilla/5.0 (Linux; Android 13; SM-X710) {_WEBKIT} Chrome/123.0 Safari/537.36",
        ),
    ),
)

_SEARCH_ENGINES = (("google", "https://www.google.com/"), ("bing", "https://www.bing.com/"))

CHANNELS: tuple[Channel, ...] = (
    Channel("organic", 0.30, _SEARCH_ENGINES, "organic", ()),
    Channel(
        "paid_search",
        0.17,
        _SEARCH_ENGINES,
        "cpc",
        ("brand_search", "generic_homeware_search", "seasonal_sale_search"),
    ),
    Channel(
        "social",
        0.17,
        (
            ("instagram", "https://www.instagram.com/"),
            ("facebook", "https://www.facebook.com/"),
            ("pinterest", "https://www.pinterest.com/"),
            ("tiktok", "https://www.tiktok.com/"),
        ),
        "paid_social",
        ("new_season_social", "gift_guide_social", "creator_collab"),
    ),
    Channel("email", 0.08, (("partner_newsletter", ""),), "email", ("partner_feature",)),
    Channel(
        "referral",
        0.10,
        (
            ("blog.example.org", "https://blog.example.org/best-buys"),
            ("deals.example.net", "https://deals.example.net/today"),
            ("giftideas.example.com", "https://giftideas.example.com/"),
        ),
        "referral",
        (),
    ),
    Channel("direct", 0.18, (("", ""),), "", ()),
)

#: Channels of returning visits: people come back directly, through search and through email.
RETURN_CHANNELS: tuple[tuple[str, float], ...] = (
    ("direct", 0.45),
    ("organic", 0.30),
    ("paid_search", 0.10),
    ("social", 0.10),
    ("referral", 0.05),
)

FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Sophie", "Grace", "Lily", "Freya", "Emily",
    "Hannah", "Lea", "Emma", "Chloe", "Lucia", "Giulia", "Sara", "Julia", "Anna", "Maya",
    "Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Jack", "Charlie", "Lucas", "James",
    "Liam", "Ben", "Finn", "Paul", "Hugo", "Mateo", "Luca", "Daan", "Erik", "Sam",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Patel", "Khan", "Walker",
    "Murphy", "Kelly", "Johnson", "Garcia", "Miller", "Davis", "Muller", "Schmidt", "Weber",
    "Martin", "Bernard", "Dubois", "de Vries", "Jansen", "Bakker", "Lopez", "Rossi", "Russo",
    "Bianchi", "Andersson", "Nilsson", "Clarke", "Hughes", "Wright", "Green", "Moreau",
)  # fmt: skip
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org", "mail.example")

COMPANY_PREFIXES: tuple[str, ...] = (
    "Blue", "North", "Bright", "Silver", "Oak", "River", "Summit", "Cedar", "Harbour", "Golden",
)  # fmt: skip
COMPANY_STEMS: tuple[str, ...] = (
    "Leaf", "Bridge", "Field", "Stone", "Works", "Lane", "Point", "Gate", "Mill", "Studio",
)  # fmt: skip
COMPANY_SUFFIXES: tuple[str, ...] = ("Ltd", "Group", "Partners", "& Co", "Collective", "Labs")
INDUSTRIES: tuple[str, ...] = (
    "Hospitality", "Retail", "Education", "Healthcare", "Technology", "Professional Services",
    "Architecture", "Non-Profit", "Media", "Property",
)  # fmt: skip
COMPANY_SIZES: tuple[tuple[str, float], ...] = (
    ("1-10", 0.35),
    ("11-50", 0.30),
    ("51-200", 0.20),
    ("201-1000", 0.10),
    ("1000+", 0.05),
)
JOB_ROLES: tuple[str, ...] = (
    "Office Manager", "Procurement Lead", "Founder", "Operations Manager", "Facilities Manager",
    "Executive Assistant", "Head of People", "Buyer",
)  # fmt: skip
#: Departments a business buyer leans towards: office supplies and kit.
B2B_CATEGORIES: tuple[str, ...] = ("Stationery", "Electronics Accessories", "Kitchenware")

EMAIL_SUBJECTS: tuple[str, ...] = (
    "New in {category}: fresh picks for the season",
    "Our {category} edit is here",
    "{category} favourites, back in stock",
    "Up to 20% off {category} this weekend",
    "The {category} gift guide",
    "Loved by customers: top {category}",
)
