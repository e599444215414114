"""YAML as coop_drive reads its input files: UTF-8 text, safe types, and no key given twice in one mapping
(plain YAML keeps the last one silently, so a typo'd duplicate would change a run without a word)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class YamlInputError(ValueError):
    """The file cannot be read as strict YAML; the message names the problem (and line, where known)."""


class _StrictLoader(yaml.SafeLoader):
    pass


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise YamlInputError(f"line {line}: key {key!r} given twice (first on line {seen[key]})")
        seen[key] = line
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def read_text_utf8(path: Path) -> str:
    """The file's text; OSError as it comes, bytes that are not UTF-8 as YamlInputError naming the offset."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlInputError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}") from exc


def load_strict_yaml(text: str) -> Any:
    """Parse ``text``; YamlInputError on invalid YAML or a duplicated key."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise YamlInputError(f"not valid YAML: {exc}") from exc
