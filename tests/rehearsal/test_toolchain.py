"""`find_toolchain`: terraform and the provider mirror, or one line saying what is missing."""

from __future__ import annotations

import json
import stat

import pytest

from rehearsal.terraform import MissingPrerequisite, find_toolchain


def fake_terraform(bin_dir, version: str) -> None:
    """A `terraform` on PATH that only answers `terraform version -json`."""
    about = json.dumps({"terraform_version": version, "platform": "linux_amd64"})
    script = bin_dir / "terraform"
    script.write_text(f"#!/bin/sh\necho '{about}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def mirror_with(root, *versions: str):
    for version in versions:
        (root / "registry.terraform.io/hashicorp/aws" / version / "linux_amd64").mkdir(parents=True)
    return root


def test_terraform_missing_from_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        MissingPrerequisite, match="^rehearsal needs terraform >= 1.10 on PATH: not found$"
    ):
        find_toolchain()


def test_terraform_too_old_for_s3_native_locking(tmp_path, monkeypatch):
    fake_terraform(tmp_path, "1.9.8")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingPrerequisite, match="terraform >= 1.10: .* is 1.9.8$"):
        find_toolchain()


def test_mirror_without_the_aws_provider(tmp_path, monkeypatch):
    fake_terraform(tmp_path, "1.11.4")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("TF_PLUGIN_MIRROR", str(tmp_path / "mirror"))
    with pytest.raises(MissingPrerequisite) as missing:
        find_toolchain()
    assert str(missing.value) == (
        "rehearsal needs a provider mirror with hashicorp/aws for linux_amd64: "
        f"none in {tmp_path / 'mirror'} (set TF_PLUGIN_MIRROR)"
    )


def test_the_newest_mirrored_aws_provider_is_used(tmp_path, monkeypatch):
    fake_terraform(tmp_path, "1.11.4")
    mirror = mirror_with(tmp_path / "mirror", "5.9.0", "5.100.0", "5.31.0")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("TF_PLUGIN_MIRROR", str(mirror))
    toolchain = find_toolchain()
    assert (toolchain.aws_provider_version, toolchain.plugin_mirror) == ("5.100.0", mirror)
    assert toolchain.terraform == tmp_path / "terraform"
