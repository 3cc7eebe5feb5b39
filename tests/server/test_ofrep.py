"""OFREP over real HTTP on both databases, read with the official, unmodified OpenFeature SDK
and OFREP provider, and with raw HTTP for the bulk ETag, the error shapes and authentication."""

from __future__ import annotations

import httpx
import pytest
from openfeature import api as openfeature
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import Reason

from tailored.experiments import assignment

FLAGS = {
    "beta": {
        "default": False,
        "rules": [
            {"id": "staff", "audience": {"condition": {"plan": "staff"}}, "value": True},
            {"id": "half", "value": True, "rollout": 0.5},
        ],
    },
    "checkout-copy": {
        "type": "string",
        "default": "Buy",
        "rules": [{"id": "de", "audience": {"condition": {"country": "DE"}}, "value": "Kaufen"}],
    },
    "max-items": {
        "type": "number",
        "default": 10,
        "rules": [{"id": "pro", "audience": {"condition": {"plan": "pro"}}, "value": 20}],
    },
    "discount": {
        "type": "number",
        "default": 0.5,
        "rules": [{"id": "de", "audience": {"condition": {"country": "DE"}}, "value": 0.25}],
    },
    "layout": {
        "type": "json",
        "default": {"columns": 2},
        "rules": [
            {"id": "pro", "audience": {"condition": {"plan": "pro"}}, "value": {"columns": 3}}
        ],
    },
    "old-banner": {"enabled": False, "default": False, "rules": [{"value": True}]},
    "gated": {"default": False, "prerequisites": [{"flag": "beta"}], "rules": [{"value": True}]},
    "cta": {
        "type": "string",
        "default": "Buy",
        "rules": [
            {"id": "test", "experiment": "cta-test", "values": {"control": "Buy", "bold": "BUY!"}}
        ],
    },
}
EXPERIMENT = {"key": "cta-test", "variants": [{"key": "control"}, {"key": "bold"}]}


def _in_rollout(user: str) -> bool:
    return (assignment.hash("beta", user, 2) or 0.0) < 0.5


def _users(in_rollout: bool) -> str:
    return next(u for u in (f"user-{n}" for n in range(100)) if _in_rollout(u) is in_rollout)


@pytest.fixture
def admin(live_server):
    key = live_server.key("admin")

    def call(method, path, expect=200, **kwargs):
        response = live_server.client.request(
            method, path, headers={"Authorization": f"Bearer {key}"}, **kwargs
        )
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    return call


@pytest.fixture
def flags(admin):
    admin("POST", "/v1/experiments", 201, json=EXPERIMENT)
    for key, body in FLAGS.items():
        admin("PUT", f"/v1/flags/{key}", 201, json=body)


@pytest.fixture
def server_key(live_server):
    return live_server.key("server")


@pytest.fixture
def ofrep(live_server, server_key, flags):
    """A post helper for raw OFREP calls with the server key."""

    def post(path, expect=200, headers=None, **kwargs):
        response = live_server.client.post(
            f"/ofrep/v1/evaluate/flags{path}",
            headers={"Authorization": f"Bearer {server_key}", **(headers or {})},
            **kwargs,
        )
        assert response.status_code == expect, response.text
        return response

    return post


@pytest.fixture
def of_client(live_server, server_key, flags):
    """An OpenFeature client whose global provider is OFREP on the live server."""
    openfeature.set_provider(
        OFREPProvider(
            base_url=live_server.url,
            headers_factory=lambda: {"Authorization": f"Bearer {server_key}"},
            timeout=30,
        )
    )
    try:
        yield openfeature.get_client()
    finally:
        openfeature.shutdown()
        openfeature.clear_providers()


def _context(user, **attributes):
    return EvaluationContext(targeting_key=user, attributes=attributes)


def test_sdk_boolean_targeting_rollout_and_prerequisite(of_client):
    staff = of_client.get_boolean_details("beta", False, _context("user-x", plan="staff"))
    assert (staff.value, staff.variant, staff.reason) == (True, "staff", Reason.TARGETING_MATCH)
    assert staff.error_code is None
    assert staff.flag_metadata == {"reason": "targeting", "rule_id": "staff"}

    inside, outside = _users(in_rollout=True), _users(in_rollout=False)
    rolled = of_client.get_boolean_details("beta", False, _context(inside))
    assert (rolled.value, rolled.variant, rolled.reason) == (True, "half", Reason.SPLIT)
    assert rolled.flag_metadata == {"reason": "rollout", "rule_id": "half"}
    missed = of_client.get_boolean_details("beta", True, _context(outside))
    assert (missed.value, missed.variant, missed.reason) == (False, "default", Reason.DEFAULT)

    # `gated` needs `beta`: on for the person in the rollout, the default otherwise.
    on = of_client.get_boolean_details("gated", False, _context(inside))
    assert (on.value, on.reason) == (True, Reason.TARGETING_MATCH)
    off = of_client.get_boolean_details("gated", True, _context(outside))
    assert (off.value, off.variant, off.reason) == (False, "default", Reason.DEFAULT)
    assert off.flag_metadata == {"reason": "prerequisite"}


def test_sdk_disabled_flag(of_client):
    details = of_client.get_boolean_details("old-banner", True, _context("user-1"))
    assert (details.value, details.variant, details.reason) == (False, "default", Reason.DISABLED)
    assert details.flag_metadata == {"reason": "disabled"}


def test_sdk_string_integer_float_and_object(of_client):
    de = of_client.get_string_details("checkout-copy", "?", _context("u1", country="DE"))
    assert (de.value, de.variant, de.reason) == ("Kaufen", "de", Reason.TARGETING_MATCH)
    fr = of_client.get_string_details("checkout-copy", "?", _context("u1", country="FR"))
    assert (fr.value, fr.variant, fr.reason) == ("Buy", "default", Reason.DEFAULT)

    pro = of_client.get_integer_details("max-items", 0, _context("u1", plan="pro"))
    assert (pro.value, pro.variant, pro.reason) == (20, "pro", Reason.TARGETING_MATCH)
    assert of_client.get_integer_value("max-items", 0, _context("u1")) == 10

    cut = of_client.get_float_details("discount", 0.0, _context("u1", country="DE"))
    assert (cut.value, cut.variant, cut.reason) == (0.25, "de", Reason.TARGETING_MATCH)
    assert of_client.get_float_value("discount", 0.0, _context("u1")) == 0.5

    wide = of_client.get_object_details("layout", {}, _context("u1", plan="pro"))
    assert (wide.value, wide.variant) == ({"columns": 3}, "pro")
    assert wide.reason == Reason.TARGETING_MATCH
    assert of_client.get_object_value("layout", {}, _context("u1")) == {"columns": 2}


def test_sdk_experiment_flag_logs_an_exposure(of_client, admin):
    details = of_client.get_string_details("cta", "?", _context("buyer-1"))
    assert details.reason == Reason.SPLIT and details.variant in ("control", "bold")
    assert details.value == {"control": "Buy", "bold": "BUY!"}[details.variant]
    meta = details.flag_metadata
    assert meta["reason"] == "experiment" and meta["experiment"] == "cta-test"
    assert meta["rule_id"] == "test" and meta["decision_id"].startswith("dec_")
    events = admin("GET", "/v1/profiles/buyer-1/events")["events"]
    assert [e["event"] for e in events] == ["Experience Viewed"]
    assert events[0]["properties"]["decision_id"] == meta["decision_id"]
    # The same person keeps their variant.
    assert of_client.get_string_value("cta", "?", _context("buyer-1")) == details.value


def test_sdk_errors(of_client):
    ghost = of_client.get_boolean_details("ghost", True, _context("u1"))
    assert ghost.value is True and ghost.error_code == ErrorCode.FLAG_NOT_FOUND
    assert ghost.reason == Reason.ERROR and "ghost" in ghost.error_message

    # The SDK checks the type itself: a string flag read as a boolean.
    wrong = of_client.get_boolean_details("checkout-copy", False, _context("u1"))
    assert wrong.value is False and wrong.error_code == ErrorCode.TYPE_MISMATCH

    keyless = of_client.get_boolean_details("beta", True, EvaluationContext(attributes={"a": 1}))
    assert keyless.value is True and keyless.error_code == ErrorCode.TARGETING_KEY_MISSING


def test_sdk_with_a_wrong_key(live_server, flags):
    openfeature.set_provider(
        OFREPProvider(
            base_url=live_server.url,
            headers_factory=lambda: {"Authorization": "Bearer tls_not-a-key"},
            timeout=30,
        )
    )
    try:
        details = openfeature.get_client().get_boolean_details("beta", True, _context("u1"))
    finally:
        openfeature.shutdown()
        openfeature.clear_providers()
    assert details.value is True and details.error_code == ErrorCode.GENERAL
    assert details.error_message == "unauthorized"


def test_single_evaluation_document(ofrep):
    body = ofrep("/max-items", json={"context": {"targetingKey": "u1", "plan": "pro"}}).json()
    assert body == {
        "key": "max-items",
        "value": 20,
        "reason": "TARGETING_MATCH",
        "variant": "pro",
        "metadata": {"reason": "targeting", "rule_id": "pro"},
    }


def test_bulk_evaluation_etag_and_304(ofrep, admin):
    request = {"json": {"context": {"targetingKey": "u1", "plan": "pro", "country": "DE"}}}
    first = ofrep("", **request)
    body, etag = first.json(), first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    by_key = {f["key"]: f for f in body["flags"]}
    assert sorted(by_key) == sorted(FLAGS)
    assert by_key["max-items"]["value"] == 20 and by_key["checkout-copy"]["value"] == "Kaufen"
    assert by_key["old-banner"]["reason"] == "DISABLED"
    for flag in body["flags"]:
        assert set(flag) == {"key", "value", "reason", "variant", "metadata"}
        assert all(isinstance(v, str | int | float | bool) for v in flag["metadata"].values())

    # Unchanged: 304 with no body, however often it is asked, and for a list of tags.
    again = ofrep("", 304, headers={"If-None-Match": etag}, **request)
    assert again.content == b"" and again.headers["etag"] == etag
    ofrep("", 304, headers={"If-None-Match": f'"other", W/{etag}'}, **request)
    assert ofrep("", headers={"If-None-Match": '"other"'}, **request).headers["etag"] == etag

    # Another context is another answer, and another ETag.
    other = ofrep("", headers={"If-None-Match": etag}, json={"context": {"targetingKey": "u1"}})
    assert other.headers["etag"] != etag and other.json()["flags"]

    # A configuration change gives a new ETag, and the next 304 is against that.
    admin("PUT", "/v1/flags/max-items", json={**FLAGS["max-items"], "default": 11})
    changed = ofrep("", headers={"If-None-Match": etag}, **request)
    assert changed.headers["etag"] != etag
    ofrep("", 304, headers={"If-None-Match": changed.headers["etag"]}, **request)
    # A change that leaves this person's values alone still changes the ETag.
    admin("PUT", "/v1/flags/discount", json={**FLAGS["discount"], "description": "Promo"})
    assert ofrep("", **request).headers["etag"] != changed.headers["etag"]


def test_bulk_etag_ignores_decision_ids(ofrep, admin):
    request = {"json": {"context": {"targetingKey": "buyer-2"}}}
    first = ofrep("", **request)
    cta = next(f for f in first.json()["flags"] if f["key"] == "cta")
    assert cta["metadata"]["decision_id"].startswith("dec_")
    ofrep("", 304, headers={"If-None-Match": first.headers["etag"]}, **request)
    # Each bulk evaluation is an exposure, 304 or not.
    events = admin("GET", "/v1/profiles/buyer-2/events")["events"]
    assert [e["event"] for e in events] == ["Experience Viewed"] * 2


@pytest.mark.parametrize("path", ["/beta", ""])
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{not json", "PARSE_ERROR"),
        (b"[1, 2]", "INVALID_CONTEXT"),
        (b'{"context": "u1"}', "INVALID_CONTEXT"),
        (b'{"context": {"targetingKey": 42}}', "INVALID_CONTEXT"),
        (b'{"context": {"targetingKey": "' + b"x" * 201 + b'"}}', "INVALID_CONTEXT"),
        (b'{"context": {"plan": "pro"}}', "TARGETING_KEY_MISSING"),
        (b'{"context": {"targetingKey": ""}}', "TARGETING_KEY_MISSING"),
        (b"{}", "TARGETING_KEY_MISSING"),
        (b"", "TARGETING_KEY_MISSING"),
    ],
)
def test_bad_requests_answer_400_with_an_error_code(ofrep, path, content, code):
    headers = {"Content-Type": "application/json"}
    body = ofrep(path, 400, headers=headers, content=content).json()
    assert body["errorCode"] == code and body["errorDetails"]
    if path:
        assert body["key"] == "beta"
    else:
        assert "key" not in body


def test_unknown_flag_is_404(ofrep):
    body = ofrep("/ghost", 404, json={"context": {"targetingKey": "u1"}}).json()
    assert body["key"] == "ghost" and body["errorCode"] == "FLAG_NOT_FOUND"
    assert "ghost" in body["errorDetails"]


@pytest.mark.parametrize("path", ["/ofrep/v1/evaluate/flags/beta", "/ofrep/v1/evaluate/flags"])
def test_authentication(live_server, flags, path):
    body = {"context": {"targetingKey": "u1"}}
    client = live_server.client
    assert client.post(path, json=body).status_code == 401
    wrong = client.post(path, json=body, headers={"Authorization": "Bearer tls_nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    write = live_server.key("write")
    forbidden = client.post(path, json=body, headers={"Authorization": f"Bearer {write}"})
    assert forbidden.status_code == 403
    # OFREP's ApiKeyAuth header is accepted as well.
    api_key = client.post(path, json=body, headers={"X-API-Key": live_server.key("server")})
    assert api_key.status_code == 200


def test_keys_are_confined_to_their_workspace(live_server, flags):
    other = live_server.key("server", workspace="other")
    answer = httpx.post(
        f"{live_server.url}/ofrep/v1/evaluate/flags",
        json={"context": {"targetingKey": "u1"}},
        headers={"Authorization": f"Bearer {other}"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.json() == {"flags": []}
    missing = live_server.client.post(
        "/ofrep/v1/evaluate/flags/beta",
        json={"context": {"targetingKey": "u1"}},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert missing.status_code == 404 and missing.json()["errorCode"] == "FLAG_NOT_FOUND"
