"""A small, fast user-agent classifier: device type, browser family and major version, OS.

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
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

DeviceType = Literal["desktop", "mobile", "tablet", "bot", "other"]

_MAX_LENGTH: Final = 1024

# Automated clients: crawlers, link-preview fetchers, headless browsers, HTTP libraries and
# command-line tools. "cubot" is a phone brand, hence the look-behind.
_BOT = re.compile(
    r"(?<!cu)bot\b|spider|crawl|slurp|archiver|facebookexternalhit|headless|lighthouse"
    r"|pagespeed|phantomjs|^(?:curl|wget|python-|go-http-client|java/|libwww|apache-httpclient"
    r"|axios|node-fetch|undici|httpie|aiohttp|scrapy|postmanruntime)",
    re.IGNORECASE,
)
_BOT_WORD = re.compile(r"bot|spider|crawl|slurp|archiver|externalhit|headless", re.IGNORECASE)
_PRODUCT = re.compile(r"([A-Za-z][\w.!-]*)/v?(\d+)")
# Server and mobile libraries of the Segment and RudderStack families send their own name.
_LIBRARY = re.compile(r"^(?:analytics[-.]|rudder|segment)", re.IGNORECASE)
_NOT_A_DEVICE = (
    "SMART-TV",
    "SmartTV",
    "Web0S",
    "HbbTV",
    "BRAVIA",
    "CrKey",
    "AppleTV",
    "PlayStation",
    "Xbox",
    "Nintendo",
)

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
    if _BOT.search(ua):
        name, version = _bot_product(ua)
        return UserAgent("bot", name, version)
    if _LIBRARY.match(ua):
        return _UNKNOWN
    device, os = _device_and_os(ua)
    browser, version = _browser(ua)
    return UserAgent(device, browser, version, os)


def _bot_product(ua: str) -> tuple[str | None, str | None]:
    """The bot's own product token (``Googlebot/2.1`` -> ``Googlebot``, ``2``)."""
    products = _PRODUCT.findall(ua)
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
