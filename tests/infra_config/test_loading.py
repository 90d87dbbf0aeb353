"""Hostile and careless environment files: each gives one short ConfigError line and never a
traceback (issue 16). The file is read within bounds (`infra_config.yaml_loading`): an alias is
refused before anything is expanded."""

from __future__ import annotations

import pytest
import yaml

from infra_config import ConfigError, load_config
from infra_config.loader import MAX_LINE
from infra_config.yaml_loading import MAX_DEPTH, MAX_FILE_BYTES
from synth_helpers import set_path, shipped_config

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)),
        "project: *i",
    ]
)


def error_line(tmp_path, text: str | bytes, environment: str = "dev") -> str:
    path = tmp_path / f"{environment}.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(environment, tmp_path)
    message = str(raised.value)
    assert "\n" not in message and len(message) <= MAX_LINE, message
    return message


def shipped_text(**changes) -> str:
    data = shipped_config()
    for path, value in changes.items():
        data = set_path(data, path.replace("__", "."), value)
    return yaml.safe_dump(data)


def test_the_billion_laughs_is_refused_at_its_first_anchor(tmp_path):
    assert len(BILLION_LAUGHS) < 2048
    assert "anchors and aliases are not allowed" in error_line(tmp_path, BILLION_LAUGHS)


def test_an_alias_alone_is_refused(tmp_path):
    text = shipped_text() + "extra: &tags {a: b}\n"
    assert "YAML anchor &tags at line" in error_line(tmp_path, text)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    text = shipped_text().encode("utf-8").replace(b"platform-team", b"\xe9quipe")
    assert "not UTF-8" in error_line(tmp_path, text)


def test_nesting_thousands_deep_is_refused(tmp_path):
    text = shipped_text() + "deep: " + "[" * 5000 + "]" * 5000 + "\n"
    assert f"nesting deeper than {MAX_DEPTH} levels" in error_line(tmp_path, text)


def test_a_key_written_twice_is_refused_not_silently_the_last(tmp_path):
    text = shipped_text() + "project: other\n"
    assert "key 'project' at line" in error_line(tmp_path, text)
    assert "appears twice" in error_line(tmp_path, text)


def test_a_file_larger_than_any_environment_needs_is_refused(tmp_path):
    text = shipped_text() + "# " + "x" * MAX_FILE_BYTES + "\n"
    assert f"more than an environment file may have ({MAX_FILE_BYTES})" in error_line(
        tmp_path, text
    )


def test_a_huge_value_is_shortened_in_its_one_line(tmp_path):
    message = error_line(tmp_path, shipped_text(network__vpc_cidr="10." * 15000))
    assert "network.vpc_cidr: '10.10.10." in message and "...' is not allowed" not in message
    assert "10." * 100 not in message


def test_several_problems_are_one_line_counting_the_others(tmp_path):
    message = error_line(
        tmp_path, shipped_text(network__vpc_cidr="x", network__az_count=99, registry__x=1)
    )
    assert message.endswith("(and 2 more problems)")


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("network.single_nat_gateway", "yes", "network.single_nat_gateway: 'yes' is not allowed"),
        ("network.az_count", True, "network.az_count: True is not allowed"),
        ("network.az_count", "3", "network.az_count: '3' is not allowed"),
        ("tags.CostCenter", 1234, "tags.CostCenter: 1234 is not allowed"),
        ("state.noncurrent_version_expiration_days", 30.5, "30.5 is not allowed"),
    ],
)
def test_types_are_strict(tmp_path, path, value, expected):
    assert expected in error_line(tmp_path, shipped_text(**{path.replace(".", "__"): value}))


def test_a_control_character_is_refused_in_one_line(tmp_path):
    """Found by tests/infra_config/test_properties.py: PyYAML's reader refused a NUL byte
    before the loader's own error handling started."""
    assert "unacceptable character #x0000" in error_line(tmp_path, "\0" + shipped_text())
