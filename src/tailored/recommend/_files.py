"""Reading interactions from files: CSV, TSV, Parquet, or whitespace-separated columns."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tailored.core import ValidationError

from ._interactions import Interactions, SignalConfig

FileFormat = Literal["auto", "csv", "tsv", "parquet", "whitespace"]
Column = str | int

_SUFFIXES: dict[str, FileFormat] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
}


def _whitespace_table(path: Path, header: bool) -> pa.Table:
    """Columns split on runs of spaces or tabs, all read as strings."""
    with path.open(encoding="utf-8") as f:
        rows = [line.split() for line in f if line.strip()]
    names = rows.pop(0) if header and rows else []
    width = max((len(r) for r in rows), default=len(names))
    if any(len(r) != width for r in rows):
        raise ValidationError(f"{path}: rows have different numbers of columns")
    names = names or [f"f{n}" for n in range(width)]
    return pa.table({name: [r[n] for r in rows] for n, name in enumerate(names)})


def _load(path: Path, file_format: FileFormat, header: bool, ids: list[Column]) -> pa.Table:
    """The file as a table; the ``ids`` columns of a text file are read as text, so that an
    id such as ``007`` keeps its zeros."""
    if file_format == "parquet":
        return pq.read_table(path)
    if file_format == "whitespace":
        return _whitespace_table(path, header)
    delimiter = "\t" if file_format == "tsv" else ","
    names = [c if isinstance(c, str) else f"f{c}" for c in ids if header == isinstance(c, str)]
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(autogenerate_column_names=not header),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    )


def _name(table: pa.Table, column: Column | None) -> str | None:
    """A column given by name or 0-based number, as its name in ``table``."""
    if column is None or isinstance(column, str):
        return column
    if not 0 <= column < table.num_columns:
        raise ValidationError(f"no column number {column}: the file has {table.num_columns}")
    return str(table.schema.names[column])


def read_interactions(
    path: str | Path,
    *,
    user: Column = "user_id",
    item: Column = "item_id",
    time: Column | None = None,
    weight: Column | None = None,
    event: Column | None = None,
    file_format: FileFormat = "auto",
    header: bool | None = None,
    signal: SignalConfig | None = None,
) -> Interactions:
    """Read an interactions file.

    Args:
        path: The file.
        user: The user id column, by name or 0-based number.
        item: The item id column.
        time: The time column (timestamps, ISO 8601 text or epoch seconds), if any.
        weight: A strength column, if any.
        event: An event type column, if any (mapped through ``signal.event_weights``).
        file_format: ``auto`` picks by suffix: ``.parquet``/``.pq``, ``.csv``,
            ``.tsv``/``.tab``; anything else (``.dat``, ``.txt``) is whitespace-separated.
        header: Whether a text file starts with column names; by default yes when the
            columns are given by name and no when they are given by number.
        signal: How events become strengths.

    Example: MovieLens ``u.data`` (tab-separated, no header: user, item, rating, time) is
    ``read_interactions("u.data", user=0, item=1, weight=2, time=3)``.
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"no interactions file at {path}")
    if file_format == "auto":
        file_format = _SUFFIXES.get(path.suffix.lower(), "whitespace")
    columns = (user, item, time, weight, event)
    if header is None:
        header = not any(isinstance(c, int) for c in columns)
    table = _load(path, file_format, header, [user, item])
    user_name, item_name = _name(table, user), _name(table, item)
    assert user_name is not None and item_name is not None
    weight_name = _name(table, weight)
    if weight_name is not None and not pa.types.is_floating(table[weight_name].type):
        index = table.schema.get_field_index(weight_name)
        table = table.set_column(index, weight_name, table[weight_name].cast(pa.float64()))
    return Interactions.from_table(
        table,
        user=user_name,
        item=item_name,
        time=_name(table, time),
        weight=weight_name,
        event=_name(table, event),
        signal=signal,
    )
