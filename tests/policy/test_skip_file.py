"""The skip file: every skipped check carries its reason; a path regex limits where it applies."""

from __future__ import annotations

import re

import pytest

from policy.skips import Skip, SkipFileError, load_skips
from synth_helpers import REPO_ROOT

SKIP_FILE = REPO_ROOT / ".checkov.yaml"


def test_every_skipped_check_has_a_reason():
    skips = load_skips(SKIP_FILE)
    assert skips
    for skip in skips:
        assert len(skip.reason.split()) >= 4, skip


def test_every_entry_of_the_file_is_loaded():
    """A YAML list item the gate would not see (a second skip-check key) cannot hide in the file."""
    listed = [
        line.split("#")[0].strip()[2:].strip()
        for line in SKIP_FILE.read_text().splitlines()
        if line.lstrip().startswith("- ")
    ]
    assert [skip.entry for skip in load_skips(SKIP_FILE)] == listed


REASON = "  # the state bucket has no log bucket"


@pytest.mark.parametrize(
    "content, message",
    [
        ("skip-check:\n  - CKV_AWS_18\n", "CKV_AWS_18 needs its reason on the same line"),
        (
            "skip-check:\n  - CKV_AWS_18  # not needed\n",
            "CKV_AWS_18 needs its reason on the same line",
        ),
        (
            f"skip-check:\n{REASON}\n  - CKV_AWS_18\n",
            "CKV_AWS_18 needs its reason on the same line",
        ),
        (f"skip-check:\n  - AWS_18{REASON}\n", "'AWS_18' is not CHECK_ID or CHECK_ID:PATH_REGEX"),
        (f"skip-check:\n  - CKV_AWS_18:dev/({REASON}\n", "CKV_AWS_18:dev/(: bad path regex"),
        (
            f"skip-check:\n  - CKV_AWS_18{REASON}\n  - CKV_AWS_18{REASON}\n",
            "skipped more than once: CKV_AWS_18",
        ),
        (
            "framework: terraform\nskip-check: []\n",
            "the policy gate reads only the 'skip-check' list",
        ),
    ],
    ids=[
        "no reason",
        "too short",
        "reason on another line",
        "bad check id",
        "bad regex",
        "duplicate",
        "other key",
    ],
)
def test_a_malformed_skip_file_is_refused(tmp_path, content, message):
    skip_file = tmp_path / ".checkov.yaml"
    skip_file.write_text(content)
    with pytest.raises(SkipFileError, match=re.escape(message)):
        load_skips(skip_file)


def test_an_entry_is_read_with_its_path_regex_and_reason(tmp_path):
    skip_file = tmp_path / ".checkov.yaml"
    skip_file.write_text(
        "skip-check:\n  - CKV_AWS_338:dev/  # dev keeps its logs for a month only\n"
    )
    assert load_skips(skip_file) == [
        Skip("CKV_AWS_338", "dev/", "dev keeps its logs for a month only")
    ]


@pytest.mark.parametrize(
    "check_id, path, covered",
    [
        ("CKV_AWS_338", "dev/stacks/network/cdk.tf.json", True),
        ("CKV_AWS_338", "prod/stacks/network/cdk.tf.json", False),
        ("CKV_AWS_158", "dev/stacks/network/cdk.tf.json", False),
        ("CKV_AWS_338", "other/dev/stacks/network/cdk.tf.json", False),
    ],
)
def test_a_path_regex_limits_the_skip_to_matching_paths(check_id, path, covered):
    assert (
        Skip("CKV_AWS_338", "dev/", "dev keeps its logs for a month only").matches(check_id, path)
        is covered
    )


def test_a_skip_without_path_regex_covers_every_path():
    skip = Skip("CKV_K8S_11", None, "no CPU limits on purpose here")
    assert skip.matches("CKV_K8S_11", "prod/django-app/templates/deployment.yaml")
