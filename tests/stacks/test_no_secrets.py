"""No secret value in any synthesized JSON: credentials come from Secrets created outside Git."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import yaml

from synth_helpers import SHIPPED_ENVIRONMENTS

SECRET_KEYS = re.compile(
    r"^(password|secret|token|apikey|api_key|privatekey|private_key|"
    r"client_secret|secretkey|secret_key|access_key|adminpassword)$",
    re.IGNORECASE,
)
SECRET_TEXT = [
    re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key id
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),  # any PEM private key
    re.compile(r"gh[pousr]_[A-Za-z0-9]{36}"),  # GitHub token
]
PLACEHOLDER = re.compile(r"^\$\$?\{[^}]+\}$")
"""`${terraform.reference}` or an escaped `$${jcasc-secret-key}`: a pointer, not a value."""


def secret_values(node, path: str = "") -> Iterator[str]:
    """Paths whose key names a secret and whose value is a literal, looking inside YAML strings
    (chart values, JCasC scripts) too."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if (
                SECRET_KEYS.match(str(key))
                and isinstance(value, str)
                and value
                and not PLACEHOLDER.match(value)
            ):
                yield where
            yield from secret_values(value, where)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from secret_values(value, f"{path}[{index}]")
    elif isinstance(node, str) and "\n" in node:
        try:
            parsed = yaml.safe_load(node)
        except yaml.YAMLError:
            return
        if isinstance(parsed, (dict, list)):
            yield from secret_values(parsed, f"{path}(yaml)")


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_no_stack_contains_a_secret_value(synth, environment):
    for name, stack in synth(environment).stacks.items():
        assert list(secret_values(stack)) == [], name
        text = json.dumps(stack)
        for pattern in SECRET_TEXT:
            assert not pattern.search(text), f"{name}: {pattern.pattern}"


def test_the_scan_finds_a_literal_password_inside_chart_values():
    values = yaml.safe_dump({"controller": {"admin": {"password": "hunter2"}}})
    stack = {"resource": {"helm_release": {"jenkins": {"values": [values + "\n"]}}}}
    assert list(secret_values(stack)) == [
        ".resource.helm_release.jenkins.values[0](yaml).controller.admin.password"
    ]


def test_the_scan_accepts_references_and_secret_names():
    stack = {
        "password": "$${git-credentials-password}",
        "token": "${data.x.y.token}",
        "existingSecret": "jenkins-admin",
    }
    assert list(secret_values(stack)) == []
