"""What the client says about itself: device type, browser, OS, locale and time zone.

tailored needs coarse facts for segments and reports (``device_type == "mobile"``,
``browser == "Safari"``), not the thousand device models of a full user-agent database. A
handful of ordered substring checks answers them in a few microseconds per new string, and
:func:`classify_user_agent` remembers the last few thousand strings, since the same agent
repeats for every event of a visit.

Known limits, shared with every parser that reads only the header: iPadOS Safari asks for the
desktop site by default and then sends a Mac user agent, so it reads as ``macOS`` / desktop;
browsers that hide their brand (Brave, Vivaldi's newer builds) read as Chrome.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

DeviceType = Literal["desktop", "mobile", "tablet", "bot", "other"]

_MAX_LENGTH: Final = 1024

# Automated clients: crawlers, link-preview fetchers, headless browsers, HTTP libraries and
# command-line tools. Plain substring tests on the lower-cased string: a regular expression
# with this many alternatives costs ten times as much.
_BOT_WORDS: Final = (
    "spider", "crawl", "slurp", "archiver", "facebookexternalhit", "headless", "lighthouse",
    "pagespeed", "phantomjs",
)  # fmt: skip
_BOT_PREFIXES: Final = (
    "curl/", "wget/", "python-", "go-http-client", "java/", "libwww", "apache-httpclient",
    "axios/", "node-fetch", "undici", "httpie", "aiohttp", "scrapy", "postmanruntime",
)  # fmt: skip
_BOT_SUFFIX = re.compile(r"(?<!cu)bot\b")  # "Cubot" is a phone brand
_BOT_WORD = re.compile(r"bot|spider|crawl|slurp|archiver|externalhit|headless", re.IGNORECASE)
_PRODUCT = re.compile(r"([A-Za-z][\w.!-]*)/v?(\d+)")
# Server and mobile libraries of the Segment and RudderStack families send their own name.
_LIBRARIES: Final = ("analytics-", "analytics.", "rudder", "segment")
_NOT_A_DEVICE: Final = (
    "SMART-TV", "SmartTV", "Web0S", "HbbTV", "BRAVIA", "CrKey", "AppleTV", "PlayStation",
    "Xbox", "Nintendo",
)  # fmt: skip

# (token in the user agent, browser family, token whose number is the version), in order:
# the first match wins, so browsers built on Chrome come before Chrome, and Chrome before Safari.
_BROWSERS: Final = (
    ("SamsungBrowser/", "Samsung Internet", "SamsungBrowser/"),
    ("EdgA/", "Edge", "EdgA/"),
    ("EdgiOS/", "Edge", "EdgiOS/"),
    ("Edg/", "Edge", "Edg/"),
    ("Edge/", "Edge", "Edge/"),
    ("OPR/", "Opera", "OPR/"),
    ("OPT/", "Opera", "OPT/"),
    ("YaBrowser/", "Yandex Browser", "YaBrowser/"),
    ("UCBrowser/", "UC Browser", "UCBrowser/"),
    ("Vivaldi/", "Vivaldi", "Vivaldi/"),
    ("Silk/", "Silk", "Silk/"),
    ("FBAV/", "Facebook", "FBAV/"),
    ("Instagram ", "Instagram", "Instagram "),
    ("FxiOS/", "Firefox", "FxiOS/"),
    ("Firefox/", "Firefox", "Firefox/"),
    ("CriOS/", "Chrome", "CriOS/"),
    ("Chromium/", "Chromium", "Chromium/"),
    ("Chrome/", "Chrome", "Chrome/"),
    ("Safari/", "Safari", "Version/"),
    ("Trident/", "Internet Explorer", "rv:"),
    ("MSIE ", "Internet Explorer", "MSIE "),
)
_DIGITS = re.compile(r"\d+")
_LOCALE = re.compile(
    r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|\d{3}))?(?![A-Za-z0-9])"
)
_TZ_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}")
# Names in the zone database that are not places: the host's own zone and build artefacts.
_NOT_ZONES: Final = frozenset({"localtime", "posixrules", "Factory"})
_DEVICE_TYPES: Final[Mapping[str, DeviceType]] = {
    "ios": "mobile", "android": "mobile", "mobile": "mobile", "phone": "mobile",
    "tablet": "tablet", "desktop": "desktop",
}  # fmt: skip
_OS_NAMES: Final = {
    "ios": "iOS", "iphone os": "iOS", "ipados": "iPadOS", "android": "Android",
    "mac os x": "macOS", "mac os": "macOS", "macos": "macOS", "windows": "Windows",
    "linux": "Linux", "chrome os": "ChromeOS", "chromeos": "ChromeOS",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class UserAgent:
    """What tailored keeps from a user-agent string.

    Attributes:
        device_type: ``desktop``, ``mobile``, ``tablet``, ``bot`` (crawlers, HTTP libraries,
            headless browsers) or ``other`` (TVs, consoles, analytics libraries, unknown).
        browser: The browser family (``Chrome``, ``Safari``, ``Samsung Internet``...); for a
            bot, its product name (``Googlebot``, ``curl``); ``None`` when unknown.
        browser_version: The major version as digits (``"124"``), or ``None``.
        os: ``Windows``, ``macOS``, ``Linux``, ``ChromeOS``, ``Android``, ``iOS``, ``iPadOS``,
            ``Windows Phone``, or ``None``.
    """

    device_type: DeviceType
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None


_UNKNOWN = UserAgent("other")


def classify_user_agent(user_agent: str) -> UserAgent:
    """Classify a ``User-Agent`` string into device type, browser and OS.

    Results are cached, so repeated strings cost a dictionary lookup.

    Args:
        user_agent: The header value, as sent in ``context.userAgent``.

    Returns:
        The classification; ``UserAgent("other")`` for an empty or unrecognised string.

    Example:
        >>> classify_user_agent(
        ...     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        ...     "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
        ... )
        UserAgent(device_type='mobile', browser='Safari', browser_version='17', os='iOS')
    """
    return _classify(user_agent[:_MAX_LENGTH].strip())


@lru_cache(maxsize=4096)
def _classify(ua: str) -> UserAgent:
    if not ua:
        return _UNKNOWN
    low = ua.lower()
    if (
        low.startswith(_BOT_PREFIXES)
        or any(word in low for word in _BOT_WORDS)
        or ("bot" in low and _BOT_SUFFIX.search(low))
    ):
        name, version = _bot_product(ua)
        return UserAgent("bot", name, version)
    if low.startswith(_LIBRARIES):
        return _UNKNOWN
    device, os = _device_and_os(ua)
    browser, version = _browser(ua)
    return UserAgent(device, browser, version, os)


def _bot_product(ua: str) -> tuple[str | None, str | None]:
    """The bot's own product token (``Googlebot/2.1`` -> ``Googlebot``, ``2``)."""
    products: list[tuple[str, str]] = _PRODUCT.findall(ua)
    for name, version in products:
        if _BOT_WORD.search(name):
            return name, version
    if products and not ua.startswith("Mozilla/"):
        return products[0]
    return None, None


def _device_and_os(ua: str) -> tuple[DeviceType, str | None]:
    if any(token in ua for token in _NOT_A_DEVICE):
        return "other", None
    if "Windows Phone" in ua:
        return "mobile", "Windows Phone"
    if "iPad" in ua:
        return "tablet", "iPadOS"
    if "iPhone" in ua or "iPod" in ua:
        return "mobile", "iOS"
    if "Android" in ua:
        # Android tablet browsers leave out "Mobile" and Firefox says "Tablet"; an app's own
        # client (Dalvik, okhttp) says neither, and most Android devices are phones.
        tablet = "Tablet" in ua or (ua.startswith("Mozilla/") and "Mobile" not in ua)
        return ("tablet" if tablet else "mobile"), "Android"
    if "CrOS" in ua:
        return "desktop", "ChromeOS"
    if "Windows" in ua:
        return "desktop", "Windows"
    if "Macintosh" in ua or "Mac OS X" in ua:
        return "desktop", "macOS"
    if "Linux" in ua or "X11" in ua:
        return "desktop", "Linux"
    if "Mobile" in ua:
        return "mobile", None
    return "other", None


def _browser(ua: str) -> tuple[str | None, str | None]:
    for token, family, version_token in _BROWSERS:
        if token in ua:
            return family, _major_after(ua, version_token)
    return None, None


def _major_after(ua: str, token: str) -> str | None:
    start = ua.find(token)
    if start < 0:
        return None
    match = _DIGITS.match(ua, start + len(token))
    return match.group() if match else None


def device_from_context(context: Mapping[str, Any]) -> UserAgent:
    """Device facts of a Segment ``context``: ``userAgent``, else ``device`` and ``os``.

    Mobile libraries send no browser user agent but describe the device
    (``{"type": "ios", "model": "iPad13,4"}``) and the OS (``{"name": "iOS"}``); those fill
    in when the user agent says nothing.

    Args:
        context: The message's ``context`` object; values of the wrong type are ignored.

    Returns:
        The classification.
    """
    ua = context.get("userAgent")
    agent = classify_user_agent(ua) if isinstance(ua, str) else _UNKNOWN
    if agent.device_type != "other" or agent.os is not None:
        return agent
    device, os = context.get("device"), context.get("os")
    device = device if isinstance(device, (dict, Mapping)) else {}
    stated, model = device.get("type"), device.get("model")
    kind: DeviceType = "other"
    if isinstance(stated, str):
        kind = _DEVICE_TYPES.get(stated.strip().lower(), "other")
    if isinstance(model, str) and model.startswith("iPad"):
        kind = "tablet"
    name = os.get("name") if isinstance(os, (dict, Mapping)) else None
    name = name.strip()[:64] if isinstance(name, str) else None
    os_name = _OS_NAMES.get(name.lower(), name) if name else None
    return UserAgent(kind, agent.browser, agent.browser_version, os_name)


def normalize_locale(value: Any) -> str | None:
    """A locale as a BCP 47 tag: language, optional script and region, in canonical case.

    Accepts POSIX forms (``en_GB.UTF-8``) and the first entry of an ``Accept-Language`` list;
    drops variants and extensions.

    Args:
        value: ``context.locale``, any JSON value.

    Returns:
        The tag, or ``None`` if the value does not start with a language code.

    Example:
        >>> normalize_locale("zh_hant_tw.UTF-8"), normalize_locale("C")
        ('zh-Hant-TW', None)
    """
    return _locale(value[:64]) if isinstance(value, str) else None


@lru_cache(maxsize=1024)
def _locale(value: str) -> str | None:
    match = _LOCALE.match(value.strip())
    if match is None:
        return None
    language, script, region = match.groups()
    parts = (language.lower(), script and script.title(), region and region.upper())
    return "-".join(p for p in parts if p)


def valid_timezone(value: Any) -> str | None:
    """The value if it names a time zone of the IANA database (as ``zoneinfo`` loads it).

    Args:
        value: ``context.timezone``, any JSON value.

    Returns:
        The name, stripped of surrounding blanks, or ``None``.

    Example:
        >>> valid_timezone("Europe/London"), valid_timezone("Mars/Olympus_Mons")
        ('Europe/London', None)
    """
    return _timezone(value.strip()) if isinstance(value, str) and len(value) <= 64 else None


@lru_cache(maxsize=1024)
def _timezone(name: str) -> str | None:
    if name in _NOT_ZONES or not _TZ_NAME.fullmatch(name):
        return None
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # KeyError covers ZoneInfoNotFoundError
        return None
    return name
