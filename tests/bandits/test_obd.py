"""The Open Bandit Dataset loader and the Thompson policy comparison, on the shared sample."""

from __future__ import annotations

import numpy as np
import pytest

from tailored.bandits import (
    OBD_CAMPAIGNS,
    OffPolicyConfig,
    load_obd,
    obd_bts_ranking,
    obd_comparison,
    read_bts_priors,
)
from tailored.core import ValidationError
from tests.conftest import missing

ITEMS = {"all": 80, "men": 34, "women": 46}
CLICKS = {"random": {"all": 38, "men": 46, "women": 46}, "bts": {"all": 42, "men": 69, "women": 46}}


@pytest.fixture(scope="module")
def obd_dir(data_dir):
    path = data_dir / "obd"
    if not (path / "prior_bts.yaml").exists():
        missing(f"Open Bandit Dataset sample {path}", kind="shared")
    return path


@pytest.fixture(scope="module")
def comparison(obd_dir):
    return obd_comparison(obd_dir, draws=20_000, config=OffPolicyConfig(n_bootstrap=100))


@pytest.mark.shared
@pytest.mark.parametrize("logs", ["random", "bts"])
@pytest.mark.parametrize("campaign", OBD_CAMPAIGNS)
def test_the_loader_reads_every_log(obd_dir, logs, campaign):
    logged = load_obd(obd_dir / logs / campaign / f"{campaign}.csv")
    assert len(logged) == 10_000
    assert logged.n_arms == ITEMS[campaign]
    assert int(logged.rewards.sum()) == CLICKS[logs][campaign]
    assert set(np.unique(logged.positions)) == {0, 1, 2}
    assert logged.contexts is not None and logged.contexts.shape[0] == 10_000
    if logs == "random":
        assert np.allclose(logged.propensities, 1 / ITEMS[campaign])


@pytest.mark.shared
def test_priors_hold_one_beta_per_item(obd_dir):
    priors = read_bts_priors(obd_dir / "prior_bts.yaml")
    assert set(priors) == set(OBD_CAMPAIGNS)
    for campaign, (alpha, beta) in priors.items():
        assert alpha.shape == beta.shape == (ITEMS[campaign],)
        assert np.all(alpha > 0) and np.all(beta > 0)


@pytest.mark.shared
@pytest.mark.parametrize("campaign", OBD_CAMPAIGNS)
def test_the_rebuilt_policy_reproduces_the_first_logged_propensities(obd_dir, campaign):
    ranking = obd_bts_ranking(obd_dir, campaign, draws=20_000)
    assert ranking.shape == (ITEMS[campaign], 3)
    assert np.allclose(ranking.sum(axis=0), 1.0)
    # The priors describe the policy when logging began; it kept learning during the week.
    bts = load_obd(obd_dir / "bts" / campaign / f"{campaign}.csv")
    first = slice(0, 50)
    ours = ranking[bts.actions[first], bts.positions[first]]
    assert np.corrcoef(ours, bts.propensities[first])[0, 1] > 0.9


@pytest.mark.shared
def test_the_comparison_table(comparison):
    assert len(comparison) == 3 * 6
    for row in comparison:
        assert set(row) == {
            "campaign",
            "policy",
            "logs",
            "estimator",
            "value",
            "lower",
            "upper",
            "effective_sample_size",
            "rounds",
            "clicks",
        }
        assert row["lower"] <= row["value"] <= row["upper"]
        assert row["rounds"] == 10_000
        assert row["clicks"] == CLICKS[row["logs"]][row["campaign"]]
        if row["estimator"] == "logged":
            assert row["value"] == pytest.approx(row["clicks"] / 10_000)
        else:
            assert 0 < row["effective_sample_size"] < 10_000


@pytest.mark.shared
@pytest.mark.parametrize("campaign", OBD_CAMPAIGNS)
def test_estimators_agree_within_their_intervals(comparison, campaign):
    rows = {
        r["estimator"]: r
        for r in comparison
        if r["campaign"] == campaign and r["logs"] == "random" and r["policy"] == "bts"
    }
    assert set(rows) == {"ips", "snips", "dm", "dr"}
    for a in rows.values():
        for b in rows.values():
            assert a["lower"] <= b["value"] <= a["upper"], (a, b)
    observed = next(r for r in comparison if r["campaign"] == campaign and r["logs"] == "bts")
    assert observed["lower"] <= rows["ips"]["upper"] and rows["ips"]["lower"] <= observed["upper"]


def test_the_loader_needs_the_obd_columns(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(",timestamp,item_id,position,click\n0,t,1,1,0\n")
    with pytest.raises(ValidationError, match="propensity_score"):
        load_obd(path)
    path.write_text(",item_id,position,click,propensity_score\n0,x,1,0,0.5\n")
    with pytest.raises(ValidationError, match="parse"):
        load_obd(path)


def test_the_loader_reads_a_small_file(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        ",item_id,position,click,propensity_score,user-item_affinity_0\n"
        "0,2,1,1,0.5,0.1\n1,0,3,0,0.25,0.0\n"
    )
    logged = load_obd(path)
    assert logged.arms == ("0", "1", "2")
    assert logged.actions.tolist() == [2, 0]
    assert logged.positions.tolist() == [0, 1]
    assert logged.contexts.shape == (2, 1)


def test_the_prior_reader_refuses_other_shapes(tmp_path):
    path = tmp_path / "prior.yaml"
    path.write_text("all:\n  alpha:\n    - 1.0\n  beta:\n    - 2.0\n")
    alpha, beta = read_bts_priors(path)["all"]
    assert alpha.tolist() == [1.0] and beta.tolist() == [2.0]
    for text in ("all:\n  alpha:\n    - x\n", "all:\n  gamma: 3\n", "all:\n  alpha:\n    - 1.0\n"):
        path.write_text(text)
        with pytest.raises(ValidationError):
            read_bts_priors(path)


def test_unknown_campaigns_are_refused(tmp_path):
    with pytest.raises(ValidationError, match="campaign"):
        obd_comparison(tmp_path, campaigns=["kids"])
