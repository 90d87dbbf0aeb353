"""The configuration's contract under mutation (hypothesis): the shipped environment files,
changed at random, either load (and then synthesize to valid JSON) or are refused with exactly
one short `config error:` line; never a traceback, a hang or unbounded memory (issue 16).

Three properties, from cheap to dear:
- values replaced anywhere in the data by anything YAML can hold: `load_config` returns a
  config or raises `ConfigError` with one line, nothing else;
- the file's text damaged (bytes inserted, deleted, duplicated): `python -m infra_config`, in a
  process limited to 1 GiB of memory, exits 0 or 1 with one line;
- values that load: the real app synthesizes every stack to JSON.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra_config import ConfigError, EnvironmentConfig, load_config
from infra_config.loader import MAX_LINE
from synth_helpers import REPO_ROOT, SHIPPED_ENVIRONMENTS, shipped_config, synthesize_config

MEMORY_LIMIT_BYTES = 1024**3

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.text(alphabet="0123456789./:-abcxyz", max_size=20),
    st.sampled_from(["0.0.0.0/0", "10.0.0.0/255.0.0.0", "yes", "latest", "../x", "a" * 300]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(data, prefix=()):
    """Every path into `data` (keys and list indexes)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*prefix, index))


def replaced(data, path, value):
    if not path:
        return value
    head, *rest = path
    copy = data.copy() if isinstance(data, dict) else list(data)
    copy[head] = replaced(data.get(head, {}) if isinstance(data, dict) else data[head], rest, value)
    return copy


@st.composite
def mutated_config(draw):
    environment = draw(st.sampled_from(SHIPPED_ENVIRONMENTS))
    data = shipped_config(environment)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(list(paths(data))[1:]))
        data = replaced(data, path, draw(values))
    return environment, data


def assert_one_line(message: str) -> None:
    assert "\n" not in message and 0 < len(message) <= MAX_LINE, message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_config())
def test_any_value_anywhere_loads_or_is_one_line(tmp_path_factory, case):
    environment, data = case
    directory = tmp_path_factory.mktemp("config")
    (directory / f"{environment}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        load_config(environment, directory)
    except ConfigError as error:
        assert_one_line(str(error))


def _limited_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


@st.composite
def damaged_text(draw):
    environment = draw(st.sampled_from(SHIPPED_ENVIRONMENTS))
    text = (REPO_ROOT / "config" / f"{environment}.yaml").read_bytes()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "repeat"]))
        if kind == "insert":
            text = text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(min_value=1, max_value=20)) :]
        else:
            text = text[:at] + text[at : at + 200] * draw(st.integers(2, 50)) + text[at:]
    return environment, text


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=damaged_text())
def test_damaged_text_is_refused_in_one_line_within_a_memory_limit(tmp_path_factory, case):
    environment, text = case
    directory = tmp_path_factory.mktemp("config")
    (directory / f"{environment}.yaml").write_bytes(text)
    result = subprocess.run(
        [sys.executable, "-m", "infra_config", environment],
        cwd=REPO_ROOT,
        env={"INFRA_CONFIG_DIR": str(directory), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,  # a guard against a hang, not a measure of speed
        preexec_fn=_limited_memory,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    if result.returncode:
        [line] = result.stderr.splitlines()
        assert line.startswith("config error: ")
        assert_one_line(line)


valid_changes = st.fixed_dictionaries(
    {},
    optional={
        ("network", "az_count"): st.integers(2, 3),
        ("network", "single_nat_gateway"): st.booleans(),
        ("network", "public_subnet_newbits"): st.integers(6, 8),
        ("cluster", "log_retention_days"): st.sampled_from([1, 7, 30, 365]),
        ("database", "kind"): st.sampled_from(["rds", "in-cluster"]),
        ("database", "instance_class"): st.sampled_from(["db.t4g.micro", "db.r7g.large"]),
        ("registry", "keep_tagged_images"): st.integers(1, 1000),
        ("tags",): st.dictionaries(
            st.from_regex(r"[A-Za-z][A-Za-z0-9_.:/=+@ -]{0,20}", fullmatch=True).filter(
                lambda key: not key.lower().startswith("aws:")
            ),
            st.from_regex(r"[A-Za-z0-9_.:/=+@ -]{0,30}", fullmatch=True),
            max_size=5,
        ),
    },
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(changes=valid_changes)
def test_values_that_load_synthesize_every_stack_to_json(tmp_path_factory, changes):
    data = shipped_config("dev")
    for path, value in changes.items():
        data = replaced(data, path, value)
    if data["network"]["az_count"] != len(data["network"]["availability_zones"]):
        data = replaced(data, ("network", "availability_zones"), [])
    config = EnvironmentConfig.model_validate(data, context={"environment": "dev"})
    result = synthesize_config(config, tmp_path_factory.mktemp("synth"))
    assert set(result.stacks) >= {"backend", "network", "cluster", "platform"}
    for stack in result.stacks.values():
        json.dumps(stack)


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_the_shipped_files_hold_the_contract_unmutated(environment):
    assert load_config(environment).environment == environment
