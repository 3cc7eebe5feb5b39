"""Catalog files: items from JSONL, CSV or Parquet, for ``tailored import items``.

JSONL lines are item objects as ``PUT /v1/items`` takes them. CSV and Parquet rows have one
column per field; ``categories`` and ``tags`` as lists or as text split on ``|``, and other
columns go into ``properties``. Empty cells count as absent.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import pyarrow.parquet as pq
import pydantic

from tailored.core import ValidationError

from ._catalog import Item

ItemFormat = Literal["jsonl", "csv", "parquet"]
_FIELDS = set(Item.model_fields)
_LISTS = ("categories", "tags")
_TRUE = {"1", "true", "yes", "y", "t"}


def item_format(path: Path, given: str | None = None) -> ItemFormat:
    """The format named, or the one the file's suffix implies."""
    name = (given or path.suffix.lstrip(".")).lower()
    name = {"json": "jsonl", "ndjson": "jsonl", "pq": "parquet"}.get(name, name)
    if name not in ("jsonl", "csv", "parquet"):
        raise ValidationError(f"cannot tell the format of {path}: use --format jsonl|csv|parquet")
    return name  # type: ignore[return-value]


def _row_item(row: Mapping[str, Any]) -> Item:
    """An item from a flat row: lists split on ``|``, unknown columns into properties."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = dict(row.get("properties") or {})
    for key, value in row.items():
        if value is None or value == "" or key == "properties":
            continue
        if key not in _FIELDS:
            extra[key] = value
        elif key in _LISTS and isinstance(value, str):
            values[key] = [part.strip() for part in value.split("|") if part.strip()]
        elif key == "in_stock" and isinstance(value, str):
            values[key] = value.strip().lower() in _TRUE
        elif key == "item_id":
            values[key] = str(value)
        else:
            values[key] = value
    if extra:
        values["properties"] = extra
    return Item.model_validate(values)


def _rows(path: Path, kind: ItemFormat) -> Iterator[tuple[int, Any]]:
    if kind == "parquet":
        for n, row in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield n, row
        return
    with path.open(encoding="utf-8", newline="") as f:
        if kind == "csv":
            yield from enumerate(csv.DictReader(f), start=2)
            return
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    yield n, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield n, exc


def read_items(
    path: str | Path, file_format: str | None = None
) -> tuple[list[Item], list[tuple[int, str]]]:
    """The items of a catalog file, and ``(line, reason)`` for every row refused.

    Raises:
        ValidationError: the file is missing or its format unknown.
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"no catalog file at {path}")
    kind = item_format(path, file_format)
    found: list[Item] = []
    refused: list[tuple[int, str]] = []
    for line, row in _rows(path, kind):
        if isinstance(row, Exception):
            refused.append((line, f"not JSON: {row}"))
            continue
        if not isinstance(row, Mapping):
            refused.append((line, "not an object"))
            continue
        try:
            found.append(Item.model_validate(row) if kind == "jsonl" else _row_item(row))
        except pydantic.ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            refused.append((line, f"{where}: {error['msg']}"))
    return found, refused
