"""Fixtures of the deploy rehearsal tests: the Terraform toolchain, or a skip saying what is
missing (under CI=true a failure instead: CI has terraform and the provider mirror)."""

from __future__ import annotations

import os

import pytest

from rehearsal.terraform import MissingPrerequisite, Toolchain, find_toolchain


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    try:
        return find_toolchain()
    except MissingPrerequisite as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(str(missing), pytrace=False)
        pytest.skip(str(missing))
