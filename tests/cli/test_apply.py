"""``tailored apply`` and ``tailored export`` on SQLite and PostgreSQL."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from typer.testing import CliRunner

from tailored import decide, segments, storage
from tailored.cli import app
from tailored.decide._workspace_file import load_workspace_file
from tests.fixtures.databases import SECRET

runner = CliRunner()
WS = 1

WORKSPACE = """\
settings:
  holdout: {percent: 5}
segments:
  - key: big-spenders
    name: Big spenders
    description: Spent 100 or more
    condition: {total_revenue: {$gte: 100}}
  - key: loyal-big-spenders
    name: Loyal big spenders
    condition: {$and: [{$segment: big-spenders}, {orders: {$gte: 3}}]}
placements:
  - key: home_hero
    name: Home hero
    default: {headline: Welcome}
  - key: pricing_cta
    default: {text: Buy}
experiments:
  - key: cta-test
    variants: [{key: control}, {key: bold}]
experiences:
  - key: hero-by-segment
    placement: home_hero
    schedule: {start: 2026-12-01T00:00:00Z}
    variants:
      - key: vip
        audience: {segment: big-spenders}
        content: {headline: Thanks}
      - key: everyone
        content: {headline: Hello}
  - key: cta-experience
    placement: pricing_cta
    allocation: experiment
    experiment: cta-test
    variants:
      - {key: control, content: {text: Buy}}
      - {key: bold, content: {text: Get it now}}
flags:
  - key: new-checkout
    type: boolean
    default: false
    rules:
      - audience: {segment: loyal-big-spenders}
        value: true
"""
OBJECTS = 9  # settings, two segments, two placements, an experiment, two experiences, a flag


@pytest.fixture
def env(database_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", database_url)
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    return database_url


def write(tmp_path, text, name="workspace.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def without(text, start, end):
    """``text`` without the lines from ``start`` up to ``end`` (or to the end of the text)."""
    return text[: text.index(start)] + ("" if end is None else text[text.index(end) :])


def apply(path, *options):
    return runner.invoke(app, ["apply", str(path), *options])


def line_of(path, needle, after=None):
    """The 1-based line of the first line holding ``needle`` (below ``after``'s line)."""
    lines = path.read_text().splitlines()
    start = 0 if after is None else line_of(path, after)
    return next(n for n, line in enumerate(lines, 1) if n > start and needle in line)


def stored(engine):
    with engine.connect() as conn:
        snap = decide.load_snapshot(conn, WS)
        found = {s.key: s for s in segments.list_segments(conn, WS)}
    return snap, found


def actions(output):
    """``{(kind, key): action}`` from the listing apply prints."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("create", "update", "unchanged", "delete"):
            found[parts[1], parts[2]] = parts[0]
    return found


def test_dry_run_writes_nothing_then_apply_creates_then_nothing_changes(env, engine, tmp_path):
    path = write(tmp_path, WORKSPACE)
    dry = apply(path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert set(actions(dry.output).values()) == {"create"}
    assert len(actions(dry.output)) == OBJECTS
    assert f"{OBJECTS} to create" in dry.output and "nothing was written" in dry.output
    snap, found = stored(engine)
    assert not found and not any(snap.of(kind) for kind in decide.KINDS)

    first = apply(path)
    assert first.exit_code == 0, first.output
    assert f"{OBJECTS} created" in first.output
    snap, found = stored(engine)
    assert found["big-spenders"].description == "Spent 100 or more"
    assert snap.settings.holdout.percent == 5
    hero = snap.of("experience")["hero-by-segment"]
    assert hero.schedule.start.isoformat() == "2026-12-01T00:00:00+00:00"
    assert snap.of("flag")["new-checkout"].rules[0].audience.segment == "loyal-big-spenders"
    assert set(snap.of("placement")) == {"home_hero", "pricing_cta"}

    again = apply(path)
    assert again.exit_code == 0, again.output
    assert set(actions(again.output).values()) == {"unchanged"}
    assert f"0 created, 0 updated, {OBJECTS} unchanged, 0 deleted" in again.output


def test_update_lists_the_changed_fields(env, engine, tmp_path):
    path = write(tmp_path, WORKSPACE)
    assert apply(path).exit_code == 0
    changed = (
        WORKSPACE.replace("name: Home hero", "name: Start hero")
        .replace("{percent: 5}", "{percent: 10}")
        .replace("{total_revenue: {$gte: 100}}", "{total_revenue: {$gte: 250}}")
    )
    path = write(tmp_path, changed)
    dry = apply(path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    found = actions(dry.output)
    assert found["placement", "home_hero"] == "update"
    assert found["settings", "decide"] == "update"
    assert found["segment", "big-spenders"] == "update"
    assert found["experience", "cta-experience"] == "unchanged"
    assert 'name: "Home hero" -> "Start hero"' in dry.output
    assert 'holdout: {"percent": 5.0} -> {"percent": 10.0}' in dry.output
    assert 'condition: {"total_revenue": {"$gte": 100}} -> {"total_revenue": {"$gte": 250}}' in (
        dry.output
    )
    assert "default:" not in dry.output, "only the fields that change are listed"
    assert stored(engine)[0].of("placement")["home_hero"].name == "Home hero"

    result = apply(path)
    assert result.exit_code == 0, result.output
    assert f"3 updated, {OBJECTS - 3} unchanged" in result.output
    snap, found = stored(engine)
    assert snap.of("placement")["home_hero"].name == "Start hero"
    assert snap.settings.holdout.percent == 10
    assert found["big-spenders"].condition == {"total_revenue": {"$gte": 250}}


def test_prune_deletes_what_the_file_no_longer_holds(env, engine, tmp_path):
    segments.create_segment(engine, WS, "vips", "VIPs", {"orders": {"$gte": 10}}, builtin=True)
    path = write(tmp_path, WORKSPACE)
    assert apply(path).exit_code == 0
    smaller = without(WORKSPACE, "  - key: loyal", "placements:")
    smaller = without(smaller, "  - key: pricing_cta", "experiments:")
    smaller = without(smaller, "  - key: cta-experience", None)
    path = write(tmp_path, smaller)

    kept = apply(path)
    assert kept.exit_code == 0, kept.output
    assert "delete" not in actions(kept.output).values(), "nothing is deleted without --prune"

    dry = apply(path, "--prune", "--dry-run")
    assert dry.exit_code == 0, dry.output
    deletions = {k for k, action in actions(dry.output).items() if action == "delete"}
    assert deletions == {
        ("flag", "new-checkout"),
        ("experience", "cta-experience"),
        ("placement", "pricing_cta"),
        ("segment", "loyal-big-spenders"),
    }
    assert "4 to delete" in dry.output
    assert "pricing_cta" in stored(engine)[0].of("placement")

    result = apply(path, "--prune")
    assert result.exit_code == 0, result.output
    assert "4 deleted" in result.output
    snap, found = stored(engine)
    assert set(found) == {"big-spenders", "vips"}, "built-in segments stay"
    assert set(snap.of("placement")) == {"home_hero"}
    assert not snap.of("flag") and set(snap.of("experience")) == {"hero-by-segment"}
    assert set(snap.of("experiment")) == {"cta-test"}


def test_segments_are_created_after_the_segments_they_refer_to(env, engine, tmp_path):
    referrer_first = (
        "segments:\n"
        + WORKSPACE[WORKSPACE.index("  - key: loyal") : WORKSPACE.index("placements:")]
        + WORKSPACE[WORKSPACE.index("  - key: big-spenders") : WORKSPACE.index("  - key: loyal")]
    )
    result = apply(write(tmp_path, referrer_first))
    assert result.exit_code == 0, result.output
    assert set(stored(engine)[1]) == {"big-spenders", "loyal-big-spenders"}


def test_a_bad_field_is_named_with_its_line_and_all_problems_come_at_once(env, engine, tmp_path):
    text = WORKSPACE.replace("- key: everyone", "- key: Every One").replace(
        "type: boolean", "type: boolean\n    enabled: maybe"
    )
    path = write(tmp_path, text)
    result = apply(path, "--dry-run")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    line = line_of(path, "Every One")
    assert (
        f"workspace.yaml:{line}: experiences[0].variants[1].key: must be 1-100 lower-case letters"
        in result.output
    )
    assert f"workspace.yaml:{line_of(path, 'enabled: maybe')}: flags[0].enabled:" in result.output
    assert "error: " in result.output and "2 problems" in result.output
    assert "Traceback" not in result.output
    assert not stored(engine)[1], "nothing is written"


def test_a_segment_condition_problem_is_placed_in_the_condition(env, tmp_path):
    path = write(
        tmp_path,
        """\
        segments:
          - key: germans
            name: Germans
            condition:
              $and:
                - {plan: pro}
                - country: {$regx: ^D}
        """,
    )
    result = apply(path)
    assert result.exit_code == 1
    where = f"workspace.yaml:{line_of(path, '$regx')}: segments[0].condition.$and[1].country.$regx"
    assert where in result.output


def test_yaml_syntax_error_gives_line_and_column(env, tmp_path):
    path = write(
        tmp_path,
        """\
        placements:
          - key: home_hero
            default: {headline: Welcome
          - key: other
        """,
    )
    result = apply(path, "--dry-run")
    assert result.exit_code == 1
    assert "workspace.yaml:4:" in result.output and "invalid YAML" in result.output


def test_unknown_section_names_the_allowed_ones(env, tmp_path):
    path = write(tmp_path, "placements: []\nwidgets:\n  - key: a\n")
    result = apply(path, "--dry-run")
    assert result.exit_code == 1
    assert (
        "workspace.yaml:2: widgets: unknown section; use settings, segments, placements, "
        "metrics, experiments, experiences, flags" in result.output
    )


def test_dangling_reference_points_at_the_field(env, engine, tmp_path):
    text = WORKSPACE.replace("placement: pricing_cta", "placement: checkout_cta")
    path = write(tmp_path, text)
    result = apply(path)
    assert result.exit_code == 1
    line = line_of(path, "placement: checkout_cta")
    assert (
        f"workspace.yaml:{line}: experiences[1].placement: no placement 'checkout_cta'"
        in result.output
    )
    assert not stored(engine)[1], "nothing is written, segments neither"


def test_reference_to_a_segment_the_prune_deletes(env, engine, tmp_path):
    assert apply(write(tmp_path, WORKSPACE)).exit_code == 0
    text = WORKSPACE.replace("name: Loyal big spenders", "name: Loyal").replace(
        "{$segment: big-spenders}", "{lifecycle_stage: active}"
    )
    text = without(text, "  - key: big-spenders", "  - key: loyal")
    path = write(tmp_path, text)
    result = apply(path, "--prune", "--dry-run")
    assert result.exit_code == 1
    line = line_of(path, "segment: big-spenders")
    assert (
        f"workspace.yaml:{line}: experiences[0].variants[0].audience.segment: "
        "no segment 'big-spenders'" in result.output
    )


def test_duplicate_keys(env, tmp_path):
    path = write(
        tmp_path,
        """\
        placements:
          - key: home_hero
          - key: home_hero
            name: again
          - key: other
            name: one
            name: two
        """,
    )
    result = apply(path, "--dry-run")
    assert result.exit_code == 1
    assert (
        "workspace.yaml:3: placements[1].key: duplicate key 'home_hero': placements[0] has it too"
        in result.output
    )
    assert "workspace.yaml:7: placements[2].name: 'name' appears twice" in result.output


def test_export_round_trips(env, engine, tmp_path):
    segments.create_segment(engine, WS, "vips", "VIPs", {"orders": {"$gte": 10}}, builtin=True)
    assert apply(write(tmp_path, WORKSPACE)).exit_code == 0
    printed = runner.invoke(app, ["export"])
    assert printed.exit_code == 0, printed.output
    doc = yaml.safe_load(printed.output)
    assert list(doc) == [
        "settings", "segments", "placements", "experiments", "experiences", "flags",
    ]  # fmt: skip
    assert [e["key"] for e in doc["experiences"]] == ["cta-experience", "hero-by-segment"]
    assert [s["key"] for s in doc["segments"]] == ["big-spenders", "loyal-big-spenders"]
    assert doc["settings"] == {"holdout": {"percent": 5.0}}

    out = tmp_path / "exported.yaml"
    written = runner.invoke(app, ["export", "-o", str(out)])
    assert written.exit_code == 0, written.output
    assert out.read_text() == printed.output, "exports are stable"
    back = apply(out, "--dry-run", "--prune")
    assert back.exit_code == 0, back.output
    assert set(actions(back.output).values()) == {"unchanged"}
    assert len(actions(back.output)) == OBJECTS
    assert load_workspace_file(out).settings == decide.Settings(holdout={"percent": 5})


def test_empty_workspace_exports_an_empty_file_that_applies(env, tmp_path):
    printed = runner.invoke(app, ["export"])
    assert printed.exit_code == 0
    assert yaml.safe_load(printed.output) == {}
    result = apply(write(tmp_path, printed.output), "--prune")
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 0 unchanged, 0 deleted" in result.output


def test_workspace_option(env, engine, tmp_path):
    with engine.begin() as conn:
        staging = storage.create_workspace(conn, "staging")
    path = write(tmp_path, WORKSPACE)
    result = apply(path, "--workspace", "staging")
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        assert set(decide.load_snapshot(conn, staging.id).of("placement")) == {
            "home_hero",
            "pricing_cta",
        }
    assert not stored(engine)[1] and not stored(engine)[0].of("placement")
    exported = runner.invoke(app, ["export", "-w", "staging"])
    assert "home_hero" in exported.output
    assert "home_hero" not in runner.invoke(app, ["export"]).output


def test_help_has_examples():
    for command in ("apply", "export"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output
