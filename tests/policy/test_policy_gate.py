"""The gate fails, naming the check, when a known-bad property comes back.

One gate run covers every case (checkov takes seconds per run): each broken copy lives in a
directory of its own beside an unchanged `control` copy of the same files, laid out as
`make policy` lays them out so that the skip file applies as it does there. Each case must fail
its check in its own directory and not in the control one, so the edit, not the baseline, is
what trips it. Adding a case is one entry in BROKEN_COPIES.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from synth_helpers import REPO_ROOT, resources, set_path

CONTROL = "control"
FAILED_LINE = re.compile(r"^  FAILED (?P<check_id>\S+) .* \((?P<path>\S+):\d+\): ", re.MULTILINE)
SUMMARY_LINE = r"^{framework}: \d+ passed, \d+ failed, \d+ skipped$"


def terraform_set(resource_type: str, path: str, value) -> Callable[[str], str]:
    """Set `path` (dotted) to `value` on every resource of `resource_type` in a cdk.tf.json."""

    def edit(text: str) -> str:
        stack = json.loads(text)
        found = stack["resource"][resource_type]
        stack["resource"][resource_type] = {
            name: set_path(resource, path, value) for name, resource in found.items()
        }
        return json.dumps(stack, indent=2)

    return edit


def terraform_remove(resource_type: str) -> Callable[[str], str]:
    """Remove every resource of `resource_type` from a cdk.tf.json."""

    def edit(text: str) -> str:
        stack = json.loads(text)
        assert resources(stack, resource_type), f"no {resource_type} to remove"
        del stack["resource"][resource_type]
        return json.dumps(stack, indent=2)

    return edit


def manifest_set(kind: str, path: str, value) -> Callable[[str], str]:
    """Set `path` (dotted, list indexes as numbers) to `value` on every `kind` object of a
    rendered template."""

    def edit(text: str) -> str:
        documents = [document for document in yaml.safe_load_all(text) if document]
        assert any(document["kind"] == kind for document in documents), f"no {kind} to edit"
        return yaml.safe_dump_all(
            [
                set_path(document, path, value) if document["kind"] == kind else document
                for document in documents
            ]
        )

    return edit


def text_replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"{old!r} is not in the file any more"
        return text.replace(old, new)

    return edit


@dataclass(frozen=True)
class BrokenCopy:
    """A real scanned file with one known-bad property put back, and the check that catches it."""

    case: str
    framework: str
    source: str
    """The file, relative to the framework's scanned directory (see `scanned_directories`)."""
    edit: Callable[[str], str]
    check_id: str
    environment: str = "prod"
    """Whose synthesized stacks the file comes from (prod, unless only dev holds it)."""


STACK = "stacks/{}/cdk.tf.json"
DEPLOYMENT = "django-app/templates/deployment.yaml"
WEB_CONTAINER = "spec.template.spec.containers.0"

BROKEN_COPIES = [
    BrokenCopy(
        "state-bucket-public-acls",
        "terraform_json",
        STACK.format("backend"),
        terraform_set("aws_s3_bucket_public_access_block", "block_public_acls", False),
        "CKV_AWS_53",
    ),
    BrokenCopy(
        "state-bucket-without-public-access-block",
        "terraform_json",
        STACK.format("backend"),
        terraform_remove("aws_s3_bucket_public_access_block"),
        "CKV2_AWS_6",
    ),
    BrokenCopy(
        "ecr-tags-mutable",
        "terraform_json",
        STACK.format("registry"),
        terraform_set("aws_ecr_repository", "image_tag_mutability", "MUTABLE"),
        "CKV_AWS_51",
        environment="dev",  # prod shares dev's repositories (infra_config.promotion)
    ),
    BrokenCopy(
        "eks-endpoint-open-to-the-internet",
        "terraform_json",
        STACK.format("cluster"),
        terraform_set("aws_eks_cluster", "vpc_config.public_access_cidrs", ["0.0.0.0/0"]),
        "CKV_AWS_38",
    ),
    BrokenCopy(
        "web-privilege-escalation",
        "kubernetes",
        DEPLOYMENT,
        manifest_set(
            "Deployment", f"{WEB_CONTAINER}.securityContext.allowPrivilegeEscalation", True
        ),
        "CKV_K8S_20",
    ),
    BrokenCopy(
        "web-host-network",
        "kubernetes",
        DEPLOYMENT,
        manifest_set("Deployment", "spec.template.spec.hostNetwork", True),
        "CKV_K8S_19",
    ),
    BrokenCopy(
        "image-runs-as-root",
        "dockerfile",
        "Dockerfile",
        text_replace("USER 10001:10001", "USER root"),
        "CKV_DOCKER_8",
    ),
]


@pytest.fixture(scope="module")
def scanned_directories(dev, prod, rendered_chart) -> dict[tuple[str, str], Path]:
    """The real directories `make policy` scans, per framework and environment."""
    return {
        ("terraform_json", "prod"): prod.outdir,
        ("terraform_json", "dev"): dev.outdir,
        ("kubernetes", "prod"): rendered_chart / "prod",
        ("dockerfile", "prod"): REPO_ROOT / "django_app",
    }


@pytest.fixture(scope="module")
def broken_gate_run(scanned_directories, run_gate, tmp_path_factory):
    """The gate over every broken copy and its control copy, one directory per framework."""
    root = tmp_path_factory.mktemp("broken-copies")
    for copy in BROKEN_COPIES:
        original = scanned_directories[copy.framework, copy.environment] / copy.source
        for case, text in (
            (copy.case, copy.edit(original.read_text())),
            (CONTROL, original.read_text()),
        ):
            target = root / copy.framework / case / copy.source
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return run_gate(
        *(
            f"{framework}={root / framework}"
            for framework in sorted({c.framework for c in BROKEN_COPIES})
        )
    )


def failed_checks(output: str) -> set[tuple[str, str]]:
    """(check id, top directory of the file) of every FAILED line the gate printed."""
    return {
        (match["check_id"], match["path"].split("/")[0]) for match in FAILED_LINE.finditer(output)
    }


def test_the_gate_exits_non_zero_on_broken_copies(broken_gate_run):
    assert broken_gate_run.returncode == 1, broken_gate_run.stdout + broken_gate_run.stderr
    assert "policy gate: FAILED (" in broken_gate_run.stdout
    for framework in {copy.framework for copy in BROKEN_COPIES}:
        assert re.search(
            SUMMARY_LINE.format(framework=framework), broken_gate_run.stdout, re.MULTILINE
        )


@pytest.mark.parametrize("copy", BROKEN_COPIES, ids=lambda copy: copy.case)
def test_the_gate_names_the_check_that_catches_the_broken_copy(broken_gate_run, copy):
    failed = failed_checks(broken_gate_run.stdout)
    assert (copy.check_id, copy.case) in failed, broken_gate_run.stdout
    assert (copy.check_id, CONTROL) not in failed, (
        f"{copy.check_id} fails on the unchanged copy too"
    )


def test_the_gate_fails_where_checkov_finds_nothing_to_scan(run_gate, tmp_path):
    gate = run_gate(f"dockerfile={tmp_path}")
    assert gate.returncode == 1
    assert "dockerfile: 0 passed, 0 failed, 0 skipped" in gate.stdout
    assert f"ERROR checkov found nothing to scan in {tmp_path}" in gate.stdout


def test_the_gate_refuses_an_unknown_framework(run_gate):
    gate = run_gate(f"terraform={REPO_ROOT}")
    assert gate.returncode == 2
    assert "FRAMEWORK one of terraform_json, kubernetes, dockerfile" in gate.stderr
