# Real user-agent strings are kept verbatim, one case a line, however long.
# ruff: noqa: E501
from __future__ import annotations

import json
from dataclasses import astuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailored.events._context import ParsedContext, default_channel, parse_context
from tailored.events._useragent import classify_user_agent as classify
from tailored.events._useragent import device_from_context, normalize_locale, valid_timezone

WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"
WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
IPHONE_SAFARI = f"{IOS} Version/17.4.1 Mobile/15E148 Safari/604.1"

USER_AGENTS = [
    # desktop browsers
    (f"{WIN} {WEBKIT} Chrome/124.0.0.0 Safari/537.36", "desktop", "Chrome", "124", "Windows"),
    (f"{WIN.rstrip(')')}; rv:125.0) Gecko/20100101 Firefox/125.0", "desktop", "Firefox", "125", "Windows"),
    (f"{WIN} {WEBKIT} Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80", "desktop", "Edge", "124", "Windows"),
    (f"{WIN} {WEBKIT} Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0", "desktop", "Opera", "109", "Windows"),
    ("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko", "desktop", "Internet Explorer", "11", "Windows"),
    (f"{MAC} AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15", "desktop", "Safari", "17", "macOS"),
    (f"{MAC} {WEBKIT} Chrome/124.0.0.0 Safari/537.36", "desktop", "Chrome", "124", "macOS"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0", "desktop", "Firefox", "125", "macOS"),
    (f"Mozilla/5.0 (X11; Linux x86_64) {WEBKIT} Chrome/124.0.0.0 Safari/537.36", "desktop", "Chrome", "124", "Linux"),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "desktop", "Firefox", "125", "Linux"),
    (f"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) {WEBKIT} Chrome/124.0.0.0 Safari/537.36", "desktop", "Chrome", "124", "ChromeOS"),
    # Android phones and tablets
    (f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} Chrome/124.0.0.0 Mobile Safari/537.36", "mobile", "Chrome", "124", "Android"),
    (f"Mozilla/5.0 (Linux; Android 14; SM-S918B) {WEBKIT} SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", "mobile", "Samsung Internet", "24", "Android"),
    (f"Mozilla/5.0 (Linux; Android 13; SM-X700) {WEBKIT} SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36", "tablet", "Samsung Internet", "23", "Android"),
    ("Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", "mobile", "Firefox", "125", "Android"),
    ("Mozilla/5.0 (Android 14; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0", "tablet", "Firefox", "125", "Android"),
    (f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64", "mobile", "Edge", "124", "Android"),
    (f"Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) {WEBKIT} Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36", "mobile", "Chrome", "124", "Android"),
    (f"Mozilla/5.0 (Linux; Android 9; CUBOT KINGKONG 5) {WEBKIT} Chrome/124.0.0.0 Mobile Safari/537.36", "mobile", "Chrome", "124", "Android"),
    (f"Mozilla/5.0 (Linux; Android 11; KFTRWI) {WEBKIT} Silk/124.2.2 like Chrome/124.0.6367.179 Safari/537.36", "tablet", "Silk", "124", "Android"),
    ("Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A.230805.001)", "mobile", None, None, "Android"),
    # iOS and iPadOS
    (IPHONE_SAFARI, "mobile", "Safari", "17", "iOS"),
    (f"{IOS} CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", "mobile", "Chrome", "124", "iOS"),
    (f"{IOS} FxiOS/125.0 Mobile/15E148 Safari/605.1.15", "mobile", "Firefox", "125", "iOS"),
    (f"{IOS} Version/17.0 EdgiOS/124.2478.71 Mobile/15E148 Safari/605.1.15", "mobile", "Edge", "124", "iOS"),
    (f"{IOS} Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBAV/460.0.0.38.108]", "mobile", "Facebook", "460", "iOS"),
    (f"{IOS} Mobile/15E148 Instagram 330.0.0.40.92 (iPhone14,5; iOS 17_4; en_US; en)", "mobile", "Instagram", "330", "iOS"),
    ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "tablet", "Safari", "17", "iPadOS"),
    # bots, tools and libraries
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot", "Googlebot", "2", None),
    (f"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) {WEBKIT} Chrome/124.0.6367.201 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot", "Googlebot", "2", None),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bot", "bingbot", "2", None),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", "bot", "GPTBot", "1", None),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "bot", "facebookexternalhit", "1", None),
    (f"Mozilla/5.0 (X11; Linux x86_64) {WEBKIT} HeadlessChrome/124.0.0.0 Safari/537.36", "bot", "HeadlessChrome", "124", None),
    ("curl/8.5.0", "bot", "curl", "8", None),
    ("python-requests/2.31.0", "bot", "python-requests", "2", None),
    ("Wget/1.21.4", "bot", "Wget", "1", None),
    ("Go-http-client/2.0", "bot", "Go-http-client", "2", None),
    ("analytics-node-next/latest", "other", None, None, None),
    ("analytics-python/2.3.0", "other", None, None, None),
    ("analytics-ios/4.1.8", "other", None, None, None),
    ("RudderLabs-node/1.0", "other", None, None, None),
    # not a person's device
    (f"Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) {WEBKIT} SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36", "other", "Samsung Internet", "4", None),
    (f"{WIN.rstrip(')')}; Xbox; Xbox One) {WEBKIT} Chrome/116.0.0.0 Safari/537.36 Edge/44.18363.8131", "other", "Edge", "44", None),
    ("", "other", None, None, None),
    ("something unknown", "other", None, None, None),
]  # fmt: skip


@pytest.mark.parametrize(("ua", "device", "browser", "version", "os"), USER_AGENTS)
def test_user_agents(ua, device, browser, version, os):
    assert astuple(classify(ua)) == (device, browser, version, os)


def test_parse_context_reads_the_user_agent():
    parsed = parse_context({"context": {"userAgent": IPHONE_SAFARI}})
    facts = (parsed.device_type, parsed.browser, parsed.browser_version, parsed.os)
    assert facts == ("mobile", "Safari", "17", "iOS")


@pytest.mark.parametrize(
    ("context", "device", "os"),
    [
        ({"device": {"type": "ios", "model": "iPhone15,2"}, "os": {"name": "iOS"}}, "mobile", "iOS"),
        ({"device": {"type": "ios", "model": "iPad13,4"}, "os": {"name": "iPadOS"}}, "tablet", "iPadOS"),
        ({"device": {"type": "android"}, "os": {"name": "Android"}}, "mobile", "Android"),
        ({"device": {"type": "android"}, "userAgent": "okhttp/4.12.0"}, "mobile", None),
        ({"os": {"name": "Mac OS X"}}, "other", "macOS"),
        ({"os": {"name": "  HarmonyOS "}}, "other", "HarmonyOS"),
        ({"device": {"type": 7}, "os": {"name": ["iOS"]}}, "other", None),
        # a browser user agent wins over what the device object says
        ({"userAgent": IPHONE_SAFARI, "device": {"type": "desktop"}}, "mobile", "iOS"),
    ],
)  # fmt: skip
def test_mobile_libraries_describe_the_device(context, device, os):
    agent = device_from_context(context)
    assert (agent.device_type, agent.os) == (device, os)


def utm_and_channel(p):
    return (p.utm_source, p.utm_medium, p.utm_campaign, p.utm_term, p.utm_content, p.channel)


def test_campaign_wins_over_the_url_as_a_whole():
    url = "https://shop.example/?utm_source=google&utm_medium=cpc&utm_term=shoes"
    parsed = parse_context(
        {"context": {"page": {"url": url}, "campaign": {"name": "spring", "source": "Newsletter"}}}
    )
    assert utm_and_channel(parsed) == ("Newsletter", None, "spring", None, None, "email")


def test_utm_from_the_page_url():
    url = "https://shop.example/p?UTM_Source=facebook&utm_medium=paid_social&utm_campaign=may%20sale&utm_content=a&utm_term=b&utm_source=second"
    parsed = parse_context({"context": {"page": {"url": url}, "campaign": {"name": " "}}})
    assert utm_and_channel(parsed) == (
        "facebook",
        "paid_social",
        "may sale",
        "b",
        "a",
        "paid_social",
    )


def test_utm_from_page_search_when_the_url_has_no_query():
    page = {"url": "https://shop.example/", "search": "?utm_source=bing&utm_medium=cpc"}
    parsed = parse_context({"context": {"page": page}})
    assert (parsed.utm_source, parsed.channel) == ("bing", "paid_search")


def test_page_calls_take_page_fields_from_properties():
    message = {
        "type": "page",
        "properties": {"url": "https://shop.example:8443/sale?x=1", "title": "Sale", "path": 3, "referrer": " "},
        "context": {"page": {"url": "https://old.example/", "path": "/old", "referrer": "https://t.co/x"}},
    }  # fmt: skip
    parsed = parse_context(message)
    assert parsed.page_url == "https://shop.example:8443/sale?x=1"
    assert parsed.page_host == "shop.example"
    assert parsed.page_title == "Sale"
    assert parsed.page_path == "/old", "a non-string or blank property falls back to context.page"
    assert (parsed.referrer_host, parsed.referrer_type) == ("t.co", "social")
    tracked = parse_context({**message, "type": "track"})
    assert tracked.page_url == "https://old.example/", "only page calls read properties"


def test_page_path_from_the_url_and_long_urls_cut():
    parsed = parse_context({"context": {"page": {"url": "HTTPS://Shop.Example/a/b?q=1#top"}}})
    assert (parsed.page_host, parsed.page_path) == ("shop.example", "/a/b")
    long = parse_context({"context": {"page": {"url": "https://x.example/" + "a" * 5000}}})
    assert long.page_url is not None and len(long.page_url) == 2048


NO_UTM = (None, None, None, None, None)


@pytest.mark.parametrize(
    ("utm", "referrer_type", "paid_click", "channel"),
    [
        (NO_UTM, "direct", False, "direct"),
        (NO_UTM, "internal", False, "direct"),
        (NO_UTM, "search", False, "organic_search"),
        (NO_UTM, "social", False, "organic_social"),
        (NO_UTM, "email", False, "email"),
        (NO_UTM, "other", False, "referral"),
        (NO_UTM, "direct", True, "paid_search"),
        (("google", "cpc", "brand", None, None), "direct", False, "paid_search"),
        (("Google", "PPC", None, None, None), "search", False, "paid_search"),
        (("bing.com", "paid", None, None, None), "direct", False, "paid_search"),
        (("facebook", "cpc", None, None, None), "direct", False, "paid_social"),
        (("Facebook Ads", "paidsocial", None, None, None), "direct", False, "paid_social"),
        (("ig", "cpm", None, None, None), "direct", False, "paid_social"),
        (("dv360", "display", None, None, None), "direct", False, "display"),
        (("network", "cpm", None, None, None), "direct", False, "display"),
        (("criteo", "retargeting", None, None, None), "direct", False, "paid_other"),
        (("linkedin", "social", None, None, None), "direct", False, "organic_social"),
        (("partner", "Social Media", None, None, None), "direct", False, "organic_social"),
        (("t.co", None, None, None, None), "direct", False, "organic_social"),
        (("duckduckgo", None, None, None, None), "direct", False, "organic_search"),
        (("whatever", "organic", None, None, None), "direct", False, "organic_search"),
        (("newsletter", "email", "may", None, None), "direct", False, "email"),
        (("klaviyo", None, None, None, None), "direct", False, "email"),
        (("mail.google.com", "referral", None, None, None), "direct", False, "email"),
        (("crm", "e-mail", None, None, None), "direct", False, "email"),
        (("awin", "affiliate", None, None, None), "direct", False, "affiliates"),
        (("sms", None, None, None, None), "direct", False, "sms"),
        (("braze", "push", None, None, None), "direct", False, "email"),
        (("app", "web-push", None, None, None), "direct", False, "mobile_push"),
        (("partner.example", "referral", None, None, None), "direct", False, "referral"),
        (("partner", "link", None, None, None), "direct", False, "referral"),
        ((None, None, "spring", None, None), "search", False, "organic_search"),
        ((None, None, "spring", None, None), "direct", False, "direct"),
        (("partner", None, None, None, None), "direct", False, "other"),
        (("partner", "qr", None, None, None), "direct", False, "other"),
        ((None, "cpc", None, None, None), "search", False, "paid_search"),
        ((None, "email", None, None, None), "direct", True, "email"),
    ],
)
def test_channel_grouping(utm, referrer_type, paid_click, channel):
    assert default_channel(utm, referrer_type, paid_click=paid_click) == channel


def test_ad_click_id_in_the_landing_url_is_paid_search():
    parsed = parse_context({"context": {"page": {"url": "https://shop.example/?GCLID=Cj0KCQ"}}})
    assert (parsed.utm_source, parsed.channel) == (None, "paid_search")
    parsed = parse_context({"context": {"page": {"url": "https://shop.example/?msclkid=abc"}}})
    assert parsed.channel == "paid_search"


@pytest.mark.parametrize(
    ("referrer", "referrer_type", "host"),
    [
        ("https://www.google.com/", "search", "www.google.com"),
        ("https://www.google.co.uk/search?q=shoes", "search", "www.google.co.uk"),
        ("https://search.yahoo.com/", "search", "search.yahoo.com"),
        ("https://duckduckgo.com/", "search", "duckduckgo.com"),
        ("https://search.brave.com/search?q=x", "search", "search.brave.com"),
        ("android-app://com.google.android.googlequicksearchbox/", "search", "com.google.android.googlequicksearchbox"),
        ("https://l.facebook.com/l.php?u=x", "social", "l.facebook.com"),
        ("https://t.co/abc", "social", "t.co"),
        ("https://www.linkedin.com/feed/", "social", "www.linkedin.com"),
        ("https://out.reddit.com/x", "social", "out.reddit.com"),
        ("android-app://com.linkedin.android/", "social", "com.linkedin.android"),
        ("https://mail.google.com/mail/u/0/", "email", "mail.google.com"),
        ("https://outlook.live.com/mail/0/", "email", "outlook.live.com"),
        ("https://webmail.example.net/", "email", "webmail.example.net"),
        ("android-app://com.google.android.gm/", "email", "com.google.android.gm"),
        ("https://docs.google.com/document/d/1", "other", "docs.google.com"),
        ("https://blog.partner.example/post", "other", "blog.partner.example"),
        ("http://192.0.2.10:8080/", "other", "192.0.2.10"),
        ("https://shop.example/cart", "internal", "shop.example"),
        ("https://www.shop.example/", "internal", "www.shop.example"),
        ("", "direct", None),
        ("not a url", "direct", None),
        ("http://[::1", "direct", None),
    ],
)  # fmt: skip
def test_referrer_classification(referrer, referrer_type, host):
    page = {"url": "https://shop.example/", "referrer": referrer}
    parsed = parse_context({"context": {"page": page}})
    assert (parsed.referrer_type, parsed.referrer_host) == (referrer_type, host)


def test_internal_hosts_and_their_subdomains():
    page = {"url": "https://shop.example/", "referrer": "https://pay.checkout.example/done"}
    external = parse_context({"context": {"page": page}})
    assert (external.referrer_type, external.channel) == ("other", "referral")
    internal = parse_context(
        {"context": {"page": page}}, internal_hosts=frozenset({"Checkout.Example"})
    )
    assert (internal.referrer_type, internal.channel) == ("internal", "direct")


def test_deep_link_referrer_object():
    parsed = parse_context({"context": {"referrer": {"url": "https://www.instagram.com/p/1"}}})
    assert (parsed.referrer_host, parsed.referrer_type) == ("www.instagram.com", "social")


@pytest.mark.parametrize(
    ("context_ip", "request_ip", "mode", "stored"),
    [
        ("203.0.113.77", None, "truncate", "203.0.113.0"), ("203.0.113.77", None, "keep", "203.0.113.77"),
        ("203.0.113.77", None, "drop", None), (None, "198.51.100.23", "drop", None),
        ("2001:db8:abcd:1234:5678::1", None, "truncate", "2001:db8:abcd::"),
        ("2001:DB8:ABCD:1234::1", None, "keep", "2001:db8:abcd:1234::1"),
        ("[2001:db8:abcd:12::1]", None, "truncate", "2001:db8:abcd::"),
        ("::ffff:198.51.100.23", None, "truncate", "198.51.100.0"),
        (" 198.51.100.23 ", None, "truncate", "198.51.100.0"),
        (None, "198.51.100.23", "truncate", "198.51.100.0"),
        ("not an ip", "198.51.100.23", "truncate", "198.51.100.0"),
        ("999.1.1.1", None, "truncate", None),
        (12345, "198.51.100.23", "keep", "198.51.100.23"),
        ("0.0.0.0", "198.51.100.23", "truncate", None),
        ("::", "198.51.100.23", "keep", None),
        (None, "not an ip", "truncate", None),
        ("1" * 100, None, "keep", None),
    ],
)  # fmt: skip
def test_ip_modes(context_ip, request_ip, mode, stored):
    parsed = parse_context({"context": {"ip": context_ip}}, request_ip=request_ip, ip_mode=mode)
    assert parsed.ip == stored


LOCALES = [
    ("en-GB", "en-GB"), ("en_gb", "en-GB"), ("EN-us", "en-US"), ("de", "de"),
    ("pt_BR.UTF-8", "pt-BR"), ("sr_RS@latin", "sr-RS"), ("zh-hans-cn", "zh-Hans-CN"),
    ("zh_Hant", "zh-Hant"), ("es-419", "es-419"), ("en-US,en;q=0.9", "en-US"),
    ("en-US-u-ca-buddhist", "en-US"), (" fr-CA ", "fr-CA"), ("C", None), ("POSIX", None),
    ("english", None), ("", None), ("12", None), (["en"], None), (None, None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "locale"), LOCALES)
def test_locale_normalization(value, locale):
    assert normalize_locale(value) == locale
    assert parse_context({"context": {"locale": value}}).locale == locale


TIMEZONES = [
    ("Europe/London", "Europe/London"), ("UTC", "UTC"), (" Asia/Tokyo ", "Asia/Tokyo"),
    ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("Mars/Olympus_Mons", None), ("europe/london", None), ("America", None),
    ("localtime", None), ("../../etc/passwd", None), ("/etc/localtime", None),
    ("Europe/London\x00", None), ("+01:00", None), ("x" * 100, None), ("", None), (3600, None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "timezone"), TIMEZONES)
def test_timezone_validation(value, timezone):
    assert valid_timezone(value) == timezone
    assert parse_context({"context": {"timezone": value}}).timezone == timezone


def test_library():
    context = {"library": {"name": "analytics.js", "version": "npm:next-1.70.0"}}
    parsed = parse_context({"context": context})
    assert (parsed.library_name, parsed.library_version) == ("analytics.js", "npm:next-1.70.0")
    assert parse_context({"context": {"library": "analytics.js"}}).library_name is None


def test_empty_message_is_direct_and_unknown():
    parsed = parse_context({})
    assert parsed == ParsedContext()
    assert parsed.count(None) == len(parsed) - 3
    assert (parsed.channel, parsed.referrer_type, parsed.device_type) == ("direct", "direct", "other")  # fmt: skip


def test_stored_form_is_json():
    parsed = parse_context(
        {"context": {"userAgent": IPHONE_SAFARI, "page": {"url": "https://shop.example/"}}}
    )
    stored = json.loads(json.dumps(parsed._asdict()))
    assert stored["device_type"] == "mobile" and stored["page_host"] == "shop.example"
    assert set(stored) == set(ParsedContext._fields)


@pytest.mark.parametrize(
    "message",
    [
        None, [], "track", {"context": None}, {"context": []}, {"context": 42}, {"context": "x"},
        {"context": {"page": [1, 2], "campaign": "spring", "library": 3, "device": "ios"}},
        {"context": {"page": {"url": 5, "referrer": {"a": 1}, "search": [], "path": None}}},
        {"context": {"userAgent": ["Mozilla"], "locale": {"x": 1}, "timezone": [], "ip": 1.5}},
        {"context": {"campaign": {"source": {"nested": ["junk"]}, "medium": 1}}},
        {"context": {"os": "iOS", "referrer": ["x"], "page": {"url": "http://[::1"}}},
        {"type": "page", "properties": [1], "context": {"page": {"url": "https://a.example/"}}},
        {"type": "page", "properties": {"url": None, "referrer": 1}},
        {"context": {"page": {"url": "https://a.example/?utm_source=%ff%fe&gclid="}}},
        {"context": {"ip": "fe80::1%eth0", "userAgent": "\x00" * 5000}},
    ],
)  # fmt: skip
def test_garbage_does_not_crash(message):
    assert isinstance(parse_context(message, request_ip="not an ip"), ParsedContext)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    ["page", "campaign", "userAgent", "locale", "timezone", "ip", "library", "device", "os",
     "referrer", "url", "path", "search", "title", "source", "medium", "name", "version",
     "type", "model"]
)  # fmt: skip
SHAPED = st.recursive(
    JSON, lambda children: st.dictionaries(KEYS, children, max_size=6), max_leaves=12
)


@settings(max_examples=100, deadline=None)
@given(
    context=SHAPED,
    properties=SHAPED,
    kind=st.sampled_from(["page", "track", None]),
    mode=st.sampled_from(["truncate", "keep"]),
)
def test_arbitrary_json_context_never_raises(context, properties, kind, mode):
    message = {"type": kind, "context": context, "properties": properties}
    parsed = parse_context(message, ip_mode=mode, internal_hosts=frozenset({"a.example"}))
    assert isinstance(parsed, ParsedContext)
    assert parsed.device_type in ("desktop", "mobile", "tablet", "bot", "other")
    assert all(v is None or isinstance(v, str) for v in parsed)


@settings(max_examples=200, deadline=None)
@given(ua=st.text(max_size=300))
def test_arbitrary_user_agents_never_raise(ua):
    agent = classify(ua)
    assert agent.browser_version is None or agent.browser_version.isdigit()
