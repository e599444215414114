"""Strict YAML for every input file: duplicated keys and non-UTF-8 bytes are errors naming line or offset."""

import pytest

from coop_drive.strict_yaml import YamlInputError, load_strict_yaml, read_text_utf8


def test_a_key_given_twice_is_named_with_both_lines():
    with pytest.raises(YamlInputError, match=r"line 3: key 'seed' given twice \(first on line 1\)"):
        load_strict_yaml("seed: 7\nname: x\nseed: 8\n")
    with pytest.raises(YamlInputError, match="line 3: key 'id' given twice"):
        load_strict_yaml("actors:\n  - id: a\n    id: b\n")  # nested mappings too


def test_the_same_key_in_different_mappings_is_fine_and_values_are_plain():
    assert load_strict_yaml("a: {id: 1}\nb: {id: 2}\nc: [1.5, true, null]\n") == {
        "a": {"id": 1}, "b": {"id": 2}, "c": [1.5, True, None]}


def test_unsafe_tags_and_broken_yaml_are_errors():
    with pytest.raises(YamlInputError, match="not valid YAML"):
        load_strict_yaml("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(YamlInputError, match="not valid YAML"):
        load_strict_yaml("a: [1, 2\n")


def test_bytes_that_are_not_utf8_are_named_by_offset(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(YamlInputError, match="not UTF-8 text: byte 0xe9 at offset 9"):
        read_text_utf8(path)
    path.write_text("name: café\n", encoding="utf-8")
    assert read_text_utf8(path) == "name: café\n"
