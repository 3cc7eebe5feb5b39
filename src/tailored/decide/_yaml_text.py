"""YAML in and out: read with the line of every node, so that a problem found later names
the line of its field; written the way people lay it out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """The safe loader, but timestamps stay strings: bodies are JSON, and the models parse
    ISO 8601 text themselves."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Problem:
    """One problem of a file: where it is (line and column count from 1) and what it is."""

    file: str
    line: int | None
    column: int | None
    loc: str
    message: str

    def as_detail(self) -> dict[str, Any]:
        """The problem as an item of :attr:`tailored.core.ValidationError.details`."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "loc": self.loc,
            "message": self.message,
        }


def compose(name: str, text: str) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """The document's node tree, its value, and its syntax errors and duplicate keys."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            message += f" ({exc.context})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return None, None, [Problem(name, line, column, "", message)]
    except yaml.YAMLError as exc:
        return None, None, [Problem(name, None, None, "", f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    return root, data, _duplicates(name, root, "")


def _duplicates(name: str, node: yaml.Node | None, loc: str) -> list[Problem]:
    """Keys that appear twice in one mapping (YAML would keep the last one silently)."""
    problems: list[Problem] = []
    if isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            problems += _duplicates(name, item, f"{loc}[{n}]")
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            text = str(key.value) if isinstance(key, yaml.ScalarNode) else ""
            path = f"{loc}.{text}" if loc else text
            if text in seen:
                line = key.start_mark.line + 1
                problems.append(Problem(name, line, None, path, f"{text!r} appears twice"))
            seen.add(text)
            problems += _duplicates(name, value, path)
    return problems


def line_of(root: yaml.Node | None, loc: str) -> int | None:
    """The line of the field at ``loc`` (``experiences[0].variants[1].key``), or of its
    nearest parent the file has.

    Mapping keys may hold dots (``context.page.url``): the longest key that fits is taken.
    """
    node, rest = root, loc
    line = None if root is None else root.start_mark.line + 1
    while rest and node is not None:
        if isinstance(node, yaml.SequenceNode) and rest.startswith("["):
            index, _, rest = rest[1:].partition("]")
            if not index.isdigit() or int(index) >= len(node.value):
                break
            node = node.value[int(index)]
            line = node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode):
            rest = rest.removeprefix(".")
            found = [
                (str(key.value), key, value)
                for key, value in node.value
                if isinstance(key, yaml.ScalarNode) and _heads(rest, str(key.value))
            ]
            if not found:
                break
            text, key, node = max(found, key=lambda f: len(f[0]))
            rest = rest[len(text) :]
            line = key.start_mark.line + 1
        else:
            break
    return line


def _heads(path: str, key: str) -> bool:
    return path == key or path.startswith((f"{key}.", f"{key}["))


def format_problem(detail: Mapping[str, Any]) -> str:
    """One problem as ``file:line[:column]: loc: message``, the way compilers print them."""
    where = str(detail.get("file", ""))
    for part in ("line", "column"):
        if detail.get(part) is not None:
            where += f":{detail[part]}"
    loc = detail.get("loc")
    return f"{where}: {loc}: {detail['message']}" if loc else f"{where}: {detail['message']}"


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as people write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        del indentless  # block lists are always indented, never flush with their key
        super().increase_indent(flow, False)


def dump(document: Any) -> str:
    """``document`` as block-style YAML, mappings in their own order."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
