"""Normalizing a Segment message's ``context`` into the fields tailored keeps.

:func:`parse_context` is pure, never raises (values of the wrong type are ignored) and caches
what repeats (user agents, URLs, IPs, locales, time zones): it runs once per event at ingest.

Referrers are typed by :data:`REFERRER_HOSTS` (a host and its subdomains), then a first label
``mail`` or ``webmail`` (email), then :data:`REFERRER_BRANDS` (``google.co.uk`` is search).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final, Literal, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from ._useragent import DeviceType, device_from_context, normalize_locale, valid_timezone

IpMode = Literal["truncate", "drop", "keep"]
ReferrerType = Literal["search", "social", "email", "internal", "direct", "other"]
Utm = tuple[str | None, str | None, str | None, str | None, str | None]
"""UTM tags in the order source, medium, campaign, term, content."""

REFERRER_HOSTS: Final[Mapping[str, ReferrerType]] = MappingProxyType({
    **dict.fromkeys(
        ("mail.google.com", "outlook.live.com", "outlook.office.com", "outlook.office365.com",
         "mail.yahoo.com", "mail.aol.com", "mail.proton.me", "mail.zoho.com",
         "com.google.android.gm", "com.microsoft.office.outlook"),
        "email"),
    **dict.fromkeys(
        ("t.co", "x.com", "lnkd.in", "t.me", "fb.me", "bsky.app", "threads.net",
         "com.facebook.katana", "com.instagram.android", "com.linkedin.android",
         "com.twitter.android", "com.reddit.frontpage"),
        "social"),
    **dict.fromkeys(("search.brave.com", "com.google.android.googlequicksearchbox"), "search"),
    # Google properties that are not its search engine.
    **dict.fromkeys(("docs.google.com", "drive.google.com", "sites.google.com"), "other"),
})  # fmt: skip
"""Known referrer hosts; a host matches itself and its subdomains."""

REFERRER_BRANDS: Final[Mapping[str, ReferrerType]] = MappingProxyType({
    **dict.fromkeys(
        ("google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia", "naver",
         "seznam", "qwant", "startpage", "ask", "kagi", "sogou", "aol"),
        "search"),
    **dict.fromkeys(
        ("facebook", "instagram", "linkedin", "twitter", "tiktok", "pinterest", "reddit",
         "youtube", "snapchat", "whatsapp", "telegram", "tumblr", "vk", "weibo", "quora",
         "discord", "threads", "mastodon", "messenger"),
        "social"),
})  # fmt: skip
"""Brand labels: a host or ``utm_source`` holding one (``l.facebook.com``) has its type."""

_SOURCE_TYPES: Final[Mapping[str, ReferrerType]] = {
    **REFERRER_BRANDS,
    **dict.fromkeys(("fb", "ig", "li", "tw", "yt", "x", "meta"), "social"),
    **dict.fromkeys(("adwords", "googleads", "gads", "bingads"), "search"),
    **dict.fromkeys(("email", "newsletter", "mailchimp", "klaviyo", "braze"), "email"),
}  # fmt: skip
_MAIL_LABELS: Final = frozenset({"mail", "webmail", "email"})
_WORDS = re.compile(r"[a-z0-9]+")
_PAID_MEDIUM = re.compile(r".*cp.*|ppc|retargeting|paid.*")
_DISPLAY_MEDIA: Final = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
_SOCIAL_MEDIA: Final = frozenset({"social", "social-network", "social-media", "sm"})
_EMAIL = re.compile(r"e[-_ ]?mail|newsletter")
_REFERRAL_MEDIA: Final = frozenset({"referral", "app", "link"})
_BY_REFERRER: Final = {
    "direct": "direct", "internal": "direct", "search": "organic_search",
    "social": "organic_social", "email": "email", "other": "referral",
}  # fmt: skip
# Ad click ids that mean paid search (GA4 reads an auto-tagged gclid as google / cpc).
_CLICK_IDS: Final = frozenset({"gclid", "gbraid", "wbraid", "msclkid"})
_UTM_KEYS: Final = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_PAGE_KEYS: Final = ("url", "path", "referrer", "search", "title")
_MAX_URL: Final = 2048
_MAX_TEXT: Final = 256
_EMPTY: Final[Mapping[str, Any]] = {}  # read-only by its type
_NO_UTM: Final[Utm] = (None, None, None, None, None)


class ParsedContext(NamedTuple):
    """The normalized facts of one message's ``context``, as stored on the event and profile.

    A field is ``None`` when the message does not say, or says something unusable. A named
    tuple (``_asdict()`` gives the stored form): it builds five times faster than a dataclass.

    Attributes:
        page_url: The page URL (``context.page.url``; ``properties.url`` for page calls).
        page_path: The page path, given or taken from the URL.
        page_host: The page URL's host name, lower case, without port.
        page_title: The page title.
        referrer: The referring URL.
        referrer_host: The referrer's host name, lower case.
        referrer_type: ``search``, ``social``, ``email``, ``internal`` (the page's own host or
            one of ``internal_hosts``), ``direct`` (no referrer) or ``other``.
        utm_source: ``context.campaign.source``; without a ``context.campaign``, the page
            URL's ``utm_source`` (likewise for the next four).
        utm_medium: ``campaign.medium`` or ``utm_medium``.
        utm_campaign: ``campaign.name`` or ``utm_campaign``.
        utm_term: ``campaign.term`` or ``utm_term``.
        utm_content: ``campaign.content`` or ``utm_content``.
        channel: The default channel grouping (see :func:`default_channel`).
        device_type: ``desktop``, ``mobile``, ``tablet``, ``bot`` or ``other``.
        browser: The browser family (``Chrome``, ``Safari``...), or the bot's name.
        browser_version: The browser's major version, as digits.
        os: The operating system (``Windows``, ``macOS``, ``iOS``, ``Android``...).
        locale: A BCP 47 tag such as ``en-GB`` or ``zh-Hans-CN``.
        timezone: A valid IANA time zone name such as ``Europe/London``.
        ip: The client IP after ``ip_mode``: truncated, kept or dropped.
        library_name: ``context.library.name``, the sending library.
        library_version: ``context.library.version``.
    """

    page_url: str | None = None
    page_path: str | None = None
    page_host: str | None = None
    page_title: str | None = None
    referrer: str | None = None
    referrer_host: str | None = None
    referrer_type: ReferrerType = "direct"
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    channel: str = "direct"
    device_type: DeviceType = "other"
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None
    locale: str | None = None
    timezone: str | None = None
    ip: str | None = None
    library_name: str | None = None
    library_version: str | None = None


def parse_context(
    message: Mapping[str, Any],
    *,
    request_ip: str | None = None,
    ip_mode: IpMode = "truncate",
    internal_hosts: frozenset[str] = frozenset(),
) -> ParsedContext:
    """Normalize a Segment message's ``context`` (plus request facts) into a ParsedContext.

    Never raises: values of the wrong type are ignored.

    Args:
        message: The whole message; page calls may carry page fields in ``properties``.
        request_ip: The client address of the HTTP request, used when ``context.ip`` is
            absent or not an IP address (``0.0.0.0`` in ``context.ip`` means "no IP").
        ip_mode: ``truncate`` (IPv4 to /24, IPv6 to /48), ``drop`` or ``keep``.
        internal_hosts: Host names (with their subdomains) whose referrals are internal,
            besides the page's own host.

    Returns:
        The normalized context.

    Example:
        >>> url = "https://shop.example/?utm_source=google&utm_medium=cpc"
        >>> parsed = parse_context(
        ...     {"context": {"page": {"url": url}, "ip": "203.0.113.77", "locale": "en_gb"}}
        ... )
        >>> parsed.channel, parsed.ip, parsed.locale, parsed.page_host
        ('paid_search', '203.0.113.0', 'en-GB', 'shop.example')
    """
    message = _mapping(message)
    context = _mapping(message.get("context"))
    page = _page(message, context)
    url = _text(page.get("url"), _MAX_URL)
    page_host, url_path, query = _split_url(url) if url else (None, None, "")
    referrer = _referrer(page, context)
    referrer_host = _split_url(referrer)[0] if referrer else None
    referrer_type = _referrer_type(referrer_host, page_host, internal_hosts)
    query = query or (_text(page.get("search"), _MAX_URL) or "").lstrip("?")
    query_utm, paid_click = _query_marks(query) if query else (None, False)
    utm = _utm_from_campaign(context.get("campaign")) or query_utm or _NO_UTM
    agent = device_from_context(context)
    library = _mapping(context.get("library"))
    return ParsedContext(
        page_url=url,
        page_path=_text(page.get("path"), _MAX_URL) or url_path,
        page_host=page_host,
        page_title=_text(page.get("title"), _MAX_TEXT),
        referrer=referrer,
        referrer_host=referrer_host,
        referrer_type=referrer_type,
        utm_source=utm[0],
        utm_medium=utm[1],
        utm_campaign=utm[2],
        utm_term=utm[3],
        utm_content=utm[4],
        channel=default_channel(utm, referrer_type, paid_click=paid_click),
        device_type=agent.device_type,
        browser=agent.browser,
        browser_version=agent.browser_version,
        os=agent.os,
        locale=normalize_locale(context.get("locale")),
        timezone=valid_timezone(context.get("timezone")),
        ip=_client_ip(context.get("ip"), request_ip, ip_mode),
        library_name=_text(library.get("name"), _MAX_TEXT),
        library_version=_text(library.get("version"), _MAX_TEXT),
    )


def default_channel(utm: Utm, referrer_type: ReferrerType, *, paid_click: bool = False) -> str:
    """The default channel of a visit, after GA4's default channel group (simplified).

    With no UTM tags and no ad click id the referrer decides: none or internal is ``direct``;
    search, social and email referrers are ``organic_search``, ``organic_social`` and
    ``email``; any other site is ``referral``. Otherwise the first rule that holds wins, where
    *paid* is a medium matching ``.*cp.*|ppc|retargeting|paid.*`` and the source's type comes
    from ``utm_source`` (a host, brand or alias such as ``fb``), else from the referrer:
    ``paid_search`` (a Google or Microsoft Ads click id without a medium, or a search source
    and a paid medium), ``paid_social``, ``display`` (medium display, banner, expandable,
    interstitial or cpm), ``paid_other``, ``organic_social`` (a social source or medium),
    ``organic_search`` (a search source or medium organic), ``email`` (an email source, or
    "email" or "newsletter" in source or medium), ``affiliates``, ``sms``, ``mobile_push``,
    ``referral`` (medium referral, app or link). Campaign tags with neither source nor medium
    fall back to the referrer; anything else is ``other``.

    Args:
        utm: ``(source, medium, campaign, term, content)``.
        referrer_type: The referrer's type.
        paid_click: The landing URL carried a Google or Microsoft Ads click id.

    Returns:
        The channel name.

    Example:
        >>> default_channel(("newsletter", "email", "may", None, None), "direct")
        'email'
    """
    source, medium = (utm[0] or "").lower(), (utm[1] or "").lower()
    if not (paid_click or source or medium):
        return _BY_REFERRER[referrer_type]
    return _channel(source, medium, referrer_type, paid_click)


@lru_cache(maxsize=1024)
def _channel(source: str, medium: str, referrer_type: ReferrerType, paid_click: bool) -> str:
    if paid_click and not medium:
        return "paid_search"
    kind = _source_type(source) if source else referrer_type
    paid = _PAID_MEDIUM.fullmatch(medium) is not None
    rules = (
        (kind == "search" and paid, "paid_search"),
        (kind == "social" and paid, "paid_social"),
        (medium in _DISPLAY_MEDIA, "display"),
        (paid, "paid_other"),
        (kind == "social" or medium.replace(" ", "-") in _SOCIAL_MEDIA, "organic_social"),
        (kind == "search" or medium == "organic", "organic_search"),
        (kind == "email" or bool(_EMAIL.search(medium) or _EMAIL.search(source)), "email"),
        (medium == "affiliate", "affiliates"),
        ("sms" in (source, medium), "sms"),
        (medium.endswith("push") or "notification" in medium, "mobile_push"),
        (medium in _REFERRAL_MEDIA, "referral"),
    )
    return next((name for holds, name in rules if holds), "other")


def _mapping(value: Any) -> Mapping[str, Any]:
    # JSON gives dicts or None; the Mapping ABC check alone costs ten times as much.
    if isinstance(value, dict) or value is None:
        return value or _EMPTY
    return value if isinstance(value, Mapping) else _EMPTY


def _text(value: Any, limit: int) -> str | None:
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def _page(message: Mapping[str, Any], context: Mapping[str, Any]) -> Mapping[str, Any]:
    """``context.page``; for page calls, overridden by the page fields of ``properties``."""
    page = _mapping(context.get("page"))
    properties = _mapping(message.get("properties")) if message.get("type") == "page" else _EMPTY
    if not properties:
        return page
    return {k: v if _text(v := properties.get(k), _MAX_URL) else page.get(k) for k in _PAGE_KEYS}


def _referrer(page: Mapping[str, Any], context: Mapping[str, Any]) -> str | None:
    """The page referrer, else the deep-link ``context.referrer`` {url, link} of mobile apps."""
    referrer = _text(page.get("referrer"), _MAX_URL)
    if referrer is None and (link := _mapping(context.get("referrer"))):
        referrer = _text(link.get("url"), _MAX_URL) or _text(link.get("link"), _MAX_URL)
    return referrer


@lru_cache(maxsize=4096)
def _split_url(url: str) -> tuple[str | None, str | None, str]:
    """Host (lower case, no port), path and query string of a URL; Nones if unparsable."""
    try:
        parts = urlsplit(url)
        return parts.hostname or None, parts.path or None, parts.query
    except ValueError:
        return None, None, ""


@lru_cache(maxsize=4096)
def _host_type(host: str) -> ReferrerType | None:
    labels = host.removeprefix("www.").split(".")
    for start in range(len(labels) - 1):
        known = REFERRER_HOSTS.get(".".join(labels[start:]))
        if known is not None:
            return known
    if labels[0] in _MAIL_LABELS and len(labels) > 2:
        return "email"
    return next((REFERRER_BRANDS[x] for x in labels[:-1] if x in REFERRER_BRANDS), None)


@lru_cache(maxsize=64)
def _internal(hosts: frozenset[str]) -> frozenset[str]:
    return frozenset(h.strip().lower().removeprefix("www.") for h in hosts if isinstance(h, str))


def _referrer_type(
    referrer_host: str | None, page_host: str | None, internal_hosts: frozenset[str]
) -> ReferrerType:
    if referrer_host is None:
        return "direct"
    host = referrer_host.removeprefix("www.")
    if page_host is not None and host == page_host.removeprefix("www."):
        return "internal"
    if internal_hosts:
        internal, labels = _internal(internal_hosts), host.split(".")
        if any(".".join(labels[i:]) in internal for i in range(len(labels))):
            return "internal"
    return _host_type(host) or "other"


@lru_cache(maxsize=1024)
def _source_type(source: str) -> ReferrerType | None:
    """The type of a ``utm_source`` value: a host name, a brand, or a known alias."""
    kind = _host_type(source) if "." in source and " " not in source else None
    words = _WORDS.findall(source)
    return kind or next((_SOURCE_TYPES[w] for w in words if w in _SOURCE_TYPES), None)


def _utm_from_campaign(value: Any) -> Utm | None:
    campaign = _mapping(value)
    if not campaign:
        return None
    get = campaign.get
    utm = (
        _text(get("source"), _MAX_TEXT), _text(get("medium"), _MAX_TEXT),
        _text(get("name"), _MAX_TEXT), _text(get("term"), _MAX_TEXT),
        _text(get("content"), _MAX_TEXT),
    )  # fmt: skip
    return utm if any(utm) else None


@lru_cache(maxsize=4096)
def _query_marks(query: str) -> tuple[Utm | None, bool]:
    """UTM tags in a query string, and whether it carries an ad click id."""
    if not any(mark in query.lower() for mark in ("utm_", "clid", "clkid", "braid")):
        return None, False
    found: dict[str, str] = {}
    for key, value in parse_qsl(query):
        key = key.lower()
        if key not in found and (key in _UTM_KEYS or key in _CLICK_IDS) and value.strip():
            found[key] = value.strip()[:_MAX_TEXT]
    get = found.get
    utm = (get("utm_source"), get("utm_medium"), get("utm_campaign"), get("utm_term"),
           get("utm_content"))  # fmt: skip
    return (utm if any(utm) else None), not _CLICK_IDS.isdisjoint(found)


@lru_cache(maxsize=4096)
def _anonymize(value: str, mode: IpMode) -> tuple[bool, str | None]:
    """``(is an IP address, the address to store)`` for one candidate string."""
    try:
        address = ipaddress.ip_address(value.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return False, None
    if address.is_unspecified:
        return True, None
    if mode == "keep":
        return True, str(address)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return True, str(ipaddress.IPv4Address(int(address) & 0xFFFFFF00))
    return True, str(ipaddress.IPv6Address(int(address) >> 80 << 80))


def _client_ip(context_ip: Any, request_ip: str | None, mode: IpMode) -> str | None:
    if mode == "drop":
        return None
    for candidate in (context_ip, request_ip):
        if isinstance(candidate, str) and len(candidate) <= 64:
            valid, stored = _anonymize(candidate, mode)
            if valid:
                return stored
    return None
