"""Rehearsal copies: a synthesized stack rewritten to run against the emulator.

`rehearsal_copy` is the only place where a stack is changed for the rehearsal, and only in
these ways:

- the AWS provider and every S3 state store (the stack's own `backend "s3"` and the
  `terraform_remote_state` data sources cdktf writes for cross-stack references) talk to the
  emulator: its endpoint for each service, fake static credentials, path-style S3 addressing
  and no instance-metadata probe;
- a local backend's relative path is replaced by a file in the rehearsal's state directory;
- `required_providers.aws.version` becomes the provider version the mirror holds;
- `lifecycle.prevent_destroy` is dropped, so that the rehearsal can tear the backend down;
- the attributes of `rehearsal.drift.KNOWN_EMULATOR_DRIFT` are added to `lifecycle.ignore_changes`
  of their resources: the emulator returns them differently from what was sent, AWS does not;
- resources of `UNSUPPORTED_RESOURCE_TYPES` are removed, with the `depends_on` entries that
  name them. Any other reference to them is an error: nothing else is skipped silently.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from rehearsal.drift import known_emulator_drift

UNSUPPORTED_RESOURCE_TYPES = (
    "aws_eks_addon",
    "aws_eks_access_entry",
    "aws_eks_access_policy_association",
)
"""Resource types the emulator (moto) does not implement: its EKS API has no add-on and no
access-entry routes (HTTP 404). They are removed from the copies."""

PROVIDER_SERVICES = (
    "dynamodb",
    "ec2",
    "ecr",
    "eks",
    "iam",
    "kms",
    "logs",
    "rds",
    "s3",
    "secretsmanager",
    "sts",
)
"""AWS provider endpoints pointed at the emulator: every service the stacks call. A stack that
starts calling another service fails the rehearsal: Terraform runs behind a dead proxy that only
loopback addresses bypass (`rehearsal.terraform`), so nothing reaches AWS."""

STATE_STORE_SERVICES = ("dynamodb", "iam", "s3", "sts")
"""Endpoints of the S3 backend and of `terraform_remote_state` (state, lock table, identity)."""

FAKE_CREDENTIALS = {"access_key": "rehearsal", "secret_key": "rehearsal"}


def rehearsal_copy(stack: dict, *, endpoint: str, state_dir: Path, provider_version: str) -> dict:
    """A deep copy of the synthesized `stack` that runs against the emulator at `endpoint`."""
    stack = with_aws_provider_version(stack, provider_version)
    terraform = stack["terraform"]
    for provider in stack.get("provider", {}).get("aws", []):
        provider.update(
            FAKE_CREDENTIALS,
            skip_metadata_api_check=True,
            s3_use_path_style=True,
            endpoints=[dict.fromkeys(PROVIDER_SERVICES, endpoint)],
        )
    backend = terraform.get("backend", {})
    if "s3" in backend:
        backend["s3"].update(_state_store_settings(endpoint))
    if "local" in backend:
        backend["local"]["path"] = str(state_dir / Path(backend["local"]["path"]).name)
    for remote_state in stack.get("data", {}).get("terraform_remote_state", {}).values():
        if remote_state["backend"] == "s3":
            remote_state["config"].update(_state_store_settings(endpoint))
    for block in _blocks(stack):
        block.get("lifecycle", {}).pop("prevent_destroy", None)
    for resource_type, attributes in known_emulator_drift(stack).items():
        for resource in stack["resource"][resource_type].values():
            lifecycle = resource.setdefault("lifecycle", {})
            ignored = lifecycle.get("ignore_changes", [])
            lifecycle["ignore_changes"] = [*ignored, *sorted(set(attributes) - set(ignored))]
    _remove_unsupported_resources(stack)
    return stack


def with_aws_provider_version(stack: dict, version: str) -> dict:
    """A deep copy of `stack` that requires exactly `version` of hashicorp/aws."""
    stack = copy.deepcopy(stack)
    stack["terraform"]["required_providers"]["aws"]["version"] = version
    return stack


def _state_store_settings(endpoint: str) -> dict:
    return {
        **FAKE_CREDENTIALS,
        "endpoints": dict.fromkeys(STATE_STORE_SERVICES, endpoint),
        "use_path_style": True,
        "skip_metadata_api_check": True,
    }


def _remove_unsupported_resources(stack: dict) -> None:
    resources = stack.get("resource", {})
    removed = {
        f"{resource_type}.{name}"
        for resource_type in UNSUPPORTED_RESOURCE_TYPES
        for name in resources.pop(resource_type, {})
    }
    if not removed:
        return
    for entry in _blocks(stack):
        kept = [ref for ref in entry.pop("depends_on", []) if ref not in removed]
        if kept:
            entry["depends_on"] = kept
    text = json.dumps(stack)
    still_referenced = sorted(
        address for address in removed if f"{address}." in text or f'"{address}"' in text
    )
    if still_referenced:
        raise ValueError(
            "the rehearsal removes resources the emulator lacks, but the stack "
            f"still refers to: {', '.join(still_referenced)}"
        )


def _blocks(stack: dict):
    """Every resource, data source, output and module block of the stack."""
    for kind in ("resource", "data"):
        for blocks in stack.get(kind, {}).values():
            yield from blocks.values()
    for kind in ("output", "module"):
        yield from stack.get(kind, {}).values()
