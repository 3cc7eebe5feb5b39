"""``POST /v1/stats/sample-size`` over HTTP."""

from __future__ import annotations

import pytest

from tailored.experiments import stats


@pytest.fixture
def ask(live_server):
    headers = {"Authorization": f"Bearer {live_server.key('server')}"}

    def ask(body, expect=200):
        response = live_server.client.post("/v1/stats/sample-size", json=body, headers=headers)
        assert response.status_code == expect, response.text
        return response.json()

    return ask


def test_users_needed_and_detectable_effect(ask):
    assert ask({"baseline": 0.1, "effect": 0.01}) == {
        "control": 14751, "treatment": 14751, "total": 29502}  # fmt: skip
    relative = ask({"baseline": 0.04, "effect": 0.1, "relative": True})
    assert relative["control"] == stats.sample_size_conversion(0.04, 0.1, relative=True).control
    mean = ask({"std": 30, "effect": 2, "power": 0.9, "ratio": 2})
    assert mean["total"] == stats.sample_size_mean(30, 2, power=0.9, ratio=2).total
    mde = ask({"baseline": 0.1, "users": 14751})
    assert mde["mde"] == pytest.approx(0.01, rel=0.01)
    assert mde["mde_relative"] == pytest.approx(mde["mde"] / 0.1)


@pytest.mark.parametrize(
    "body",
    [
        {"baseline": 0.1},
        {"baseline": 0.1, "std": 2, "effect": 0.01},
        {"baseline": 1.5, "effect": 0.01},
        {"std": 3, "effect": 1, "relative": True},
        {"baseline": 0.1, "effect": 0.01, "colour": "red"},
    ],
)
def test_questions_it_cannot_answer_are_422(ask, body):
    assert ask(body, expect=422)["error"]["code"] == "validation_error"
