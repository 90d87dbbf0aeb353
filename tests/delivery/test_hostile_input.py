"""tag_bump and loop_guard against bad and malicious input, on real git repositories (issue 16):
one error line with the documented exit status, never a traceback, nothing outside the
repository or untracked touched, and the work tree left as it was on every failure."""

from __future__ import annotations

import os

import pytest

TAG = "0123abcd4567"


def one_error_line(result, tool: str = "tag_bump") -> str:
    assert "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{tool}: error: ")
    return line


def status(sandbox) -> str:
    return sandbox.git("status", "--porcelain", "--ignored", cwd=sandbox.workspace)


def test_an_untracked_file_the_remote_adds_is_never_replaced(sandbox):
    other = sandbox.clone("other")
    sandbox.commit(other, {"notes.txt": "from the remote\n"}, "Add notes")
    local = sandbox.workspace / "notes.txt"
    local.write_text("my local data\n")

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 2
    assert "notes.txt, untracked or ignored here" in one_error_line(result)
    assert local.read_text() == "my local data\n"


def test_an_ignored_file_the_remote_adds_is_never_replaced(sandbox):
    other = sandbox.clone("other")
    sandbox.commit(other, {"build.log": "from the remote\n"}, "Add build.log")
    (sandbox.workspace / ".git" / "info" / "exclude").write_text("build.log\n")
    local = sandbox.workspace / "build.log"
    local.write_text("my ignored data\n")

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 2
    assert "build.log" in one_error_line(result)
    assert local.read_text() == "my ignored data\n"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("--author-name", ""), "--author-name '' must be 1-100 characters"),
        (("--author-name", "Bot <evil@x>"), "must be 1-100 characters, without <, >"),
        (("--author-email", "not-an-address"), "--author-email 'not-an-address' is not an e-mail"),
        (("--key", "image.tag;rm"), "--key 'image.tag;rm' is not a dotted key"),
        (("--key", "replicaCount"), "--key 'replicaCount' does not name an image tag"),
        (("--values-file", "../outside.yaml"), "must be a path inside the repository"),
        (("--values-file", "/etc/passwd"), "must be a path inside the repository"),
        (("--values-file", "README.md"), "not a mapping"),
        (("--max-attempts", "0"), "--max-attempts must be from 1 to 20"),
        (("--tag", "0123abc\n"), "is not a valid image tag"),
        (("--repo-dir", "/nonexistent/repo"), "/nonexistent/repo"),
    ],
)
def test_bad_arguments_are_one_line_exit_1_or_2_and_leave_the_tree_clean(
    sandbox, arguments, expected
):
    before_head = sandbox.remote_head()
    before = status(sandbox)

    result = sandbox.tag_bump(TAG, *arguments)

    assert result.returncode in (1, 2), result.stderr
    assert expected in one_error_line(result)
    assert sandbox.remote_head() == before_head
    assert status(sandbox) == before
    assert sandbox.git("rev-parse", "--abbrev-ref", "HEAD", cwd=sandbox.workspace) == "main\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"image: {tag: \xff}\n", "not UTF-8"),
        (b"image: &a {tag: x}\nother: *a\n", "anchors and aliases are not supported"),
        (b"image: [\n", "not a single valid YAML document"),
        (b"image:\n  tag: |\n    multi\n", "is not a single-line scalar"),
    ],
)
def test_malformed_values_files_on_the_remote_are_one_line_and_leave_the_tree_clean(
    sandbox, content, expected
):
    other = sandbox.clone("other")
    (other / sandbox.values_path).write_bytes(content)
    sandbox.git("commit", "--quiet", "-am", "Break the values file", cwd=other)
    sandbox.git("push", "--quiet", "origin", "HEAD:main", cwd=other)
    before = sandbox.remote_head()

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 2
    assert expected in one_error_line(result)
    assert sandbox.remote_head() == before
    assert status(sandbox) == ""


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("--repo-dir", "/nonexistent/repo"), "/nonexistent/repo"),
        (("--revision", "no-such-revision"), "no-such-revision"),
    ],
)
def test_loop_guard_reports_an_unreadable_repository_with_exit_2(sandbox, arguments, expected):
    result = sandbox.run_module(
        "delivery.loop_guard", "--bot-email", "jenkins-bot@example.com", *arguments
    )
    assert result.returncode == 2
    assert expected in one_error_line(result, "loop_guard")


@pytest.mark.parametrize("module", ["delivery.tag_bump", "delivery.loop_guard"])
def test_a_missing_option_is_one_line_and_exit_2(sandbox, module):
    result = sandbox.run_module(module, "--repo-dir", str(sandbox.workspace))
    assert result.returncode == 2
    assert "the following arguments are required" in one_error_line(result, module.split(".")[1])


def test_a_file_name_that_is_not_utf8_is_still_one_line_and_never_replaced(sandbox):
    name = os.fsdecode(b"notes-\xff.txt")
    other = sandbox.clone("other")
    sandbox.commit(other, {name: "from the remote\n"}, "Add a Latin-1 file name")
    local = sandbox.workspace / name
    local.write_text("my local data\n")

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 2
    assert "untracked or ignored here" in one_error_line(result)
    assert local.read_text() == "my local data\n"


def test_a_values_file_that_is_a_link_loop_is_one_line(sandbox):
    other = sandbox.clone("other")
    path = other / sandbox.values_path
    path.unlink()
    path.symlink_to(path.name)
    sandbox.git("add", sandbox.values_path, cwd=other)
    sandbox.git("commit", "--quiet", "-m", "A link loop", cwd=other)
    sandbox.git("push", "--quiet", "origin", "HEAD:main", cwd=other)

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 2
    assert "leads outside the repository" in one_error_line(result)
    assert status(sandbox) == ""
