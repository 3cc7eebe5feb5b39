"""The decide tables: configuration objects, the decision log and attributed conversions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    text,
)

from tailored.storage import BigIntKey, JSONType, UTCDateTime, metadata


def _workspace() -> Column[int]:
    return Column(
        "workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )


#: Placements, experiences, experiments, flags and settings, each a validated JSON body.
decide_objects = Table(
    "decide_objects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _workspace(),
    Column("kind", String(20), nullable=False),
    Column("key", String(100), nullable=False),
    Column("body", JSONType, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "kind", "key"),
)

#: Every logged decision, with the probability it had: the data of analysis and of
#: off-policy evaluation. Written from the ``Experience Viewed`` exposure event.
decisions = Table(
    "decisions",
    metadata,
    Column("id", String(40), primary_key=True),
    _workspace(),
    Column("profile_id", String(40), nullable=True),
    Column("message_id", String(200), nullable=False),
    Column("placement", String(100), nullable=True),
    Column("flag", String(100), nullable=True),
    Column("experience", String(100), nullable=True),
    Column("experiment", String(100), nullable=True),
    Column("variant", String(100), nullable=True),
    Column("reason", String(20), nullable=False),
    Column("propensity", Float, nullable=False),
    #: The policy's learned-state version for bandits, the bucket version for experiments.
    Column("version", Integer, nullable=True),
    #: What the choice could depend on: numeric bandit features, device, page.
    Column("context", JSONType, nullable=True),
    Column("decided_at", UTCDateTime, nullable=False),
    #: Bandit reports and off-policy evaluation read one experience's decisions; flags'
    #: decisions have no experience, and are left out.
    Index(
        None,
        "workspace_id",
        "experience",
        "decided_at",
        sqlite_where=text("experience IS NOT NULL"),
        postgresql_where=text("experience IS NOT NULL"),
    ),
    Index(None, "profile_id", "decided_at"),
)

#: Per experiment and person, their first exposure: what experiment results read instead of
#: the decision log. Kept from the log's experiment exposures as they are logged (see
#: ``_exposures``); like the log, it keeps the profile a decision was made for.
first_exposures = Table(
    "first_exposures",
    metadata,
    #: A number for the person that results join events to, instead of reading ids as text.
    Column("id", BigIntKey, primary_key=True, autoincrement=True),
    _workspace(),
    Column("experiment", String(100), nullable=False),
    Column("profile_id", String(40), nullable=False),
    #: The variant of the earliest exposure.
    Column("variant", String(100), nullable=True),
    #: When it was, in epoch milliseconds.
    Column("first_ms", BigInteger, nullable=False),
    #: The earliest exposure in any other variant (epoch ms), None while there is none.
    Column("other_ms", BigInteger, nullable=True),
    #: The upsert's key, and a person's rows for export and erasure.
    UniqueConstraint("workspace_id", "profile_id", "experiment"),
    #: An experiment's people, read from the index alone, by first exposure.
    Index(
        "ix_first_exposures_by_experiment",
        "workspace_id",
        "experiment",
        "first_ms",
        "variant",
        "other_ms",
    ),
)

#: Conversions credited to the decisions that preceded them.
attributions = Table(
    "decision_attributions",
    metadata,
    Column("id", BigIntKey, primary_key=True, autoincrement=True),
    Column("decision_id", String(40), nullable=False),
    _workspace(),
    Column("profile_id", String(40), nullable=True),
    Column("message_id", String(200), nullable=False),
    Column("event", String(200), nullable=False),
    #: Revenue or ``properties.value`` of the event, when it has one.
    Column("value", Float, nullable=True),
    #: ``decision_id`` (the client named the decision) or ``person`` (within the window).
    Column("method", String(20), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    UniqueConstraint("decision_id", "message_id"),
    Index(None, "profile_id"),
    Index(None, "workspace_id", "occurred_at"),
)

#: Rewards of decisions: sent through the API, or the default once the deadline passed.
rewards = Table(
    "decision_rewards",
    metadata,
    Column("id", BigIntKey, primary_key=True, autoincrement=True),
    Column("decision_id", String(40), nullable=False),
    _workspace(),
    Column("profile_id", String(40), nullable=True),
    Column("value", Float, nullable=False),
    Column("source", String(20), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Index(None, "decision_id"),
    Index(None, "profile_id"),
)

#: The learned state of each bandit experience's policy, versioned by its number of updates.
bandit_states = Table(
    "bandit_states",
    metadata,
    _workspace(),
    Column("experience", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", JSONType, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("workspace_id", "experience"),
)
