"""Reading Segment-shaped events from JSONL, CSV or Parquet files for bulk import.

- JSONL: one message per line.
- CSV and Parquet: one message per row. Columns name the message's fields; a dotted column
  (``properties.revenue``, ``context.page.url``) fills a nested field; a ``properties``,
  ``traits`` or ``context`` column may hold a JSON object. In CSV, numbers in dotted columns
  under ``properties`` and ``traits`` are read as numbers.

A row without a ``messageId`` gets one derived from its content, so importing the same file
twice stores nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tailored.core import ValidationError

FORMATS = ("jsonl", "csv", "parquet")
_JSON_COLUMNS = ("properties", "traits", "context", "integrations")
_NUMERIC_PREFIXES = ("properties.", "traits.")


def detect_format(path: Path, given: str | None = None) -> str:
    """The file's format: ``given``, else from the extension."""
    if given:
        if given not in FORMATS:
            raise ValidationError(f"unknown format {given!r}: choose {', '.join(FORMATS)}")
        return given
    suffix = path.suffix.lower().lstrip(".")
    guessed = {"jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "csv": "csv"}.get(suffix)
    if suffix in ("parquet", "pq"):
        guessed = "parquet"
    if guessed is None:
        raise ValidationError(
            f"{path}: cannot tell the format from the extension; pass --format jsonl|csv|parquet"
        )
    return guessed


def _with_id(message: Any) -> Any:
    if isinstance(message, dict) and not message.get("messageId"):
        digest = hashlib.sha256(orjson.dumps(message, option=orjson.OPT_SORT_KEYS)).hexdigest()
        message["messageId"] = f"import-{digest[:32]}"
    return message


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _nest(row: dict[str, Any], *, numbers: bool) -> dict[str, Any]:
    message: dict[str, Any] = {}
    for column, value in row.items():
        if value is None or value == "":
            continue
        if column in _JSON_COLUMNS and isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                raise ValidationError(f"{column}: not a JSON object ({exc})") from exc
        if "." not in column:
            message[column] = value
            continue
        if numbers and isinstance(value, str) and column.startswith(_NUMERIC_PREFIXES):
            value = _number(value)
        *parents, leaf = column.split(".")
        node = message
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValidationError(f"{column}: {part} is both a value and an object")
        node[leaf] = value
    return message


def read_messages(path: Path, fmt: str) -> Iterator[tuple[int, Any]]:
    """``(line or row number, message)`` for every message; a broken line yields its error."""
    if not path.is_file():
        raise ValidationError(f"{path}: no such file")
    if fmt == "jsonl":
        yield from _jsonl(path)
    elif fmt == "csv":
        with path.open(newline="", encoding="utf-8") as f:
            for number, row in enumerate(csv.DictReader(f), start=2):
                yield number, _guarded(lambda row=row: _nest(row, numbers=True))
    else:
        yield from _parquet(path)


def _guarded(build: Any) -> Any:
    try:
        return _with_id(build())
    except ValidationError as exc:
        return exc


def _jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, _with_id(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                yield number, ValidationError(f"malformed JSON: {exc}")


def _parquet(path: Path) -> Iterator[tuple[int, Any]]:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except Exception as exc:
        raise ValidationError(f"{path}: not a readable Parquet file ({exc})") from exc
    number = 0
    for batch in table.iter_batches(batch_size=10_000):
        for row in batch.to_pylist():
            number += 1
            yield number, _guarded(lambda row=row: _nest(row, numbers=False))


def count_rows(path: Path, fmt: str) -> int | None:
    """How many messages the file holds, cheaply, for a progress bar (None if unknown)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open("rb") as f:
        lines = sum(1 for line in f if line.strip())
    return lines - 1 if fmt == "csv" else lines
