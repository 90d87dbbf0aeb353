"""Reading an environment file as data, bounded: what a hostile or careless file can make the
loader do is limited before any of it is believed.

- size: at most `MAX_FILE_BYTES` bytes (the shipped files are about 3 KB);
- encoding: UTF-8, nothing else;
- no anchors or aliases (`&a` / `*a`): an environment file has no use for them, and nested
  aliases expand exponentially (a 1.7 KB "billion laughs" file needs gigabytes);
- nesting at most `MAX_DEPTH` mappings or sequences deep (Python's recursion would end in a
  traceback thousands deep);
- no key twice in one mapping (YAML would keep the last one silently);
- only plain data: PyYAML's safe loader (no Python objects).

Each refusal is a `YamlRefused` with one line that says where and what to do instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.nodes import MappingNode

MAX_FILE_BYTES = 64 * 1024
MAX_DEPTH = 16


class YamlRefused(Exception):
    """The file is not read: too large, not UTF-8, not YAML, or YAML this loader refuses."""


def _where(mark: yaml.Mark | None) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with anchors, aliases, deep nesting and duplicate keys refused."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise YamlRefused(
                f"YAML alias *{event.anchor}{_where(event.start_mark)}: anchors and aliases are "
                "not allowed in an environment file; write the value out"
            )
        if getattr(event, "anchor", None):
            raise YamlRefused(
                f"YAML anchor &{event.anchor}{_where(event.start_mark)}: anchors and aliases "
                "are not allowed in an environment file; write the value out"
            )
        nested = isinstance(event, CollectionStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise YamlRefused(
                    f"nesting deeper than {MAX_DEPTH} levels{_where(event.start_mark)}; an "
                    "environment file needs a few"
                )
        try:
            return super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise YamlRefused(
                    f"key {_short(key)}{_where(key_node.start_mark)} is not a string; quote it"
                )
            if key in seen:
                raise YamlRefused(
                    f"key {key!r}{_where(key_node.start_mark)} appears twice in one mapping; "
                    "keep one"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def read_yaml(path: Path) -> Any:
    """The data in the YAML file at `path`, within the bounds above."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlRefused(
            f"{size} bytes is more than an environment file may have ({MAX_FILE_BYTES})"
        )
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlRefused(
            f"not UTF-8 (byte {error.start}: {error.object[error.start : error.start + 1]!r}); "
            "save the file as UTF-8"
        ) from None
    loader = None
    try:
        loader = BoundedLoader(text)  # the reader refuses control characters at once
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise YamlRefused(f"invalid YAML{_where(mark)}: {problem}") from None
    except RecursionError:
        raise YamlRefused(f"nesting too deep to read; keep it within {MAX_DEPTH} levels") from None
    finally:
        if loader is not None:
            loader.dispose()
