"""`python -m delivery.tag_bump` against real git repositories (see conftest.GitSandbox)."""

import pytest
from delivery_helpers import COMPETING_PUSH

TAG = "0123abcd4567"


def first_time_only(script, marker):
    return f'if [ ! -e "{marker}" ]; then\ntouch "{marker}"\n{script}fi\n'


def test_bump_commits_the_new_tag_as_the_bot_and_pushes_it(sandbox):
    before = sandbox.remote_head()

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 0, result.stderr
    assert f"image.tag = {TAG}" in result.stdout
    history = sandbox.remote_history()
    assert len(history) == 2 and history[1][0] == before
    commit, author_email, subject = history[0]
    assert author_email == sandbox.bot_email
    assert subject == f"[ci-bump] Deploy image {TAG}"
    message = sandbox.git("log", "-1", "--format=%B", commit, cwd=sandbox.remote)
    assert message.rstrip().endswith("Bumped-By: jenkins-tag-bump")


def test_bump_changes_only_the_tag_and_keeps_comments_and_quoting_byte_for_byte(sandbox):
    original = sandbox.chart_values_text
    assert original.count('  tag: ""\n') == 1, "the chart's values.yaml holds an empty quoted tag"

    assert sandbox.tag_bump(TAG).returncode == 0

    assert sandbox.remote_file() == original.replace('  tag: ""\n', f'  tag: "{TAG}"\n')
    changed_files = sandbox.git(
        "show", "--name-only", "--format=", "main", cwd=sandbox.remote
    ).split()
    assert changed_files == [sandbox.values_path]


@pytest.mark.parametrize(
    "tag_line, tag, expected_line",
    [
        ("  tag: 'old-tag'  # keep me\n", TAG, f"  tag: '{TAG}'  # keep me\n"),
        ("  tag: old-tag # keep me\n", TAG, f"  tag: {TAG} # keep me\n"),
        ("  tag: old-tag\n", "1234567", '  tag: "1234567"\n'),
        ("  tag:\n", TAG, f"  tag: {TAG}\n"),
    ],
)
def test_bump_keeps_the_quoting_style_unless_a_plain_value_would_not_read_back_as_a_string(
    sandbox, tag_line, tag, expected_line
):
    values = sandbox.chart_values_text.replace('  tag: ""\n', tag_line)
    sandbox.commit(sandbox.workspace, {sandbox.values_path: values}, "Reformat the tag")

    result = sandbox.tag_bump(tag)

    assert result.returncode == 0, result.stderr
    assert sandbox.remote_file() == values.replace(tag_line, expected_line)


def test_bump_is_a_no_op_when_the_tag_is_already_set(sandbox):
    assert sandbox.tag_bump(TAG).returncode == 0
    head = sandbox.remote_head()

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 0, result.stderr
    assert "already" in result.stdout
    assert sandbox.remote_head() == head


@pytest.mark.parametrize("bad_tag", ["latest", "", "-rc1", "v1:2", "with space", "x" * 129])
def test_bad_tag_is_refused_with_exit_2_and_nothing_changes(sandbox, bad_tag):
    workspace_file = sandbox.workspace / sandbox.values_path
    before_file, before_head = workspace_file.read_bytes(), sandbox.remote_head()

    result = sandbox.tag_bump(bad_tag)

    assert result.returncode == 2
    assert (
        result.stderr.startswith("tag_bump: error: tag ") and len(result.stderr.splitlines()) == 1
    )
    assert workspace_file.read_bytes() == before_file
    assert sandbox.remote_head() == before_head


def test_missing_values_file_is_reported(sandbox):
    # A repeated option overrides the helper's own --values-file.
    result = sandbox.tag_bump(TAG, "--values-file", "helm/missing/values.yaml")

    assert result.returncode == 2
    assert result.stderr == (
        "tag_bump: error: helm/missing/values.yaml is not a file git tracks on origin/main: "
        "the tool only edits tracked files\n"
    )


def test_missing_key_is_reported_and_nothing_is_pushed(sandbox):
    before = sandbox.remote_head()

    result = sandbox.tag_bump(TAG, "--key", "sidecar.image.tag")

    assert result.returncode == 2
    assert "key sidecar not found" in result.stderr
    assert sandbox.remote_head() == before


def test_uncommitted_changes_are_never_discarded(sandbox):
    workspace_file = sandbox.workspace / sandbox.values_path
    workspace_file.write_text(workspace_file.read_text() + "# local edit\n")

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 2
    assert "uncommitted changes" in result.stderr
    assert workspace_file.read_text().endswith("# local edit\n")


@pytest.mark.parametrize(
    "hook",
    [
        # Between the tool's commit and its push: git refuses the push as not a fast-forward.
        "post-commit",
        # During the push, after the remote advertised its refs: the remote refuses the ref update.
        "pre-push",
    ],
)
def test_race_with_another_pusher_loses_no_commit_and_lands_the_tag(sandbox, hook):
    competitor = sandbox.clone("competitor")
    sandbox.install_hook(
        sandbox.workspace,
        hook,
        first_time_only(COMPETING_PUSH.format(competitor=competitor), sandbox.root / "raced"),
    )

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 0, result.stderr
    assert "moved during attempt 1/3" in result.stderr
    assert "(attempt 2/3)" in result.stdout
    history = sandbox.remote_history()
    assert [subject for _, _, subject in history] == [
        f"[ci-bump] Deploy image {TAG}",
        "Competing change",
        "Initial commit",
    ]
    assert history[1][1] == "competitor@example.com"
    assert f'  tag: "{TAG}"\n' in sandbox.remote_file()
    assert sandbox.remote_file("competitor.txt")


def test_gives_up_with_exit_1_when_the_branch_moves_at_every_attempt(sandbox):
    competitor = sandbox.clone("competitor")
    sandbox.install_hook(
        sandbox.workspace, "post-commit", COMPETING_PUSH.format(competitor=competitor)
    )

    result = sandbox.tag_bump(TAG, "--max-attempts", "2")

    assert result.returncode == 1
    assert "gave up after 2 attempts" in result.stderr
    assert [subject for _, _, subject in sandbox.remote_history()] == ["Competing change"] * 2 + [
        "Initial commit"
    ]


def test_a_rejection_that_is_not_a_race_fails_at_once_with_git_s_reason(sandbox):
    attempts = sandbox.root / "attempts"
    sandbox.install_hook(
        sandbox.remote,
        "pre-receive",
        f'echo x >> "{attempts}"\necho "main is protected" >&2\nexit 1\n',
    )

    result = sandbox.tag_bump(TAG)

    assert result.returncode == 1
    assert "rejected" in result.stderr and "main is protected" in result.stderr
    assert attempts.read_text() == "x\n"
