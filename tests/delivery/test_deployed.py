"""`python -m delivery.deployed` against real git repositories (see conftest.GitSandbox): the
record `deployed/<env>/<tag>` is pushed to the remote once, at the commit that deployed the tag,
and never moved, whoever records first."""

from __future__ import annotations

import pytest

from delivery.deployed import RecordError, marker_ref, recorded_commit
from delivery.git import Git

TAG = "0123abcd4567"
RECORD = f"refs/tags/deployed/dev/{TAG}"

# Another pipeline records the same image while this one is between its look-up and its push.
# The hook runs inside the tool's own `git push`, so it drops the variables git exports to it.
CONCURRENT_RECORD = """\
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE GIT_PREFIX
cd "{other}"
git push --quiet origin "{commit}:{ref}"
"""


def deployed(sandbox, *extra, revision=None, clone=None):
    return sandbox.run_module(
        "delivery.deployed",
        "--environment",
        "dev",
        "--values-file",
        sandbox.values_path,
        "--repo-dir",
        str(clone or sandbox.workspace),
        *(["--revision", revision] if revision else []),
        *extra,
    )


def remote_tags(sandbox) -> dict[str, str]:
    """{ref: object} of every tag on the remote."""
    output = sandbox.git(
        "for-each-ref", "--format=%(refname) %(objectname)", "refs/tags", cwd=sandbox.remote
    )
    return dict(line.split() for line in output.splitlines())


def local_tags(sandbox, clone=None) -> str:
    return sandbox.git(
        "for-each-ref",
        "--format=%(refname) %(objectname)",
        "refs/tags",
        cwd=clone or sandbox.workspace,
    )


def bump(sandbox, tag=TAG) -> str:
    """Bump dev to `tag`; the bump commit (the remote's main)."""
    result = sandbox.tag_bump(tag)
    assert result.returncode == 0, result.stderr
    return sandbox.remote_head()


def test_records_the_tag_at_the_bump_commit_on_the_remote_only(sandbox):
    commit = bump(sandbox)
    before = local_tags(sandbox)

    result = deployed(sandbox)  # --revision HEAD, as the Jenkinsfile: the bump leaves it there

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"deployed: recorded deployed/dev/{TAG} at {commit[:12]}\n"
    assert remote_tags(sandbox) == {RECORD: commit}
    assert sandbox.git("cat-file", "-t", RECORD, cwd=sandbox.remote) == "commit\n"  # lightweight
    assert local_tags(sandbox) == before == ""


def test_recording_again_is_a_no_op_report(sandbox):
    commit = bump(sandbox)
    assert deployed(sandbox, revision=commit).returncode == 0

    again = deployed(sandbox, revision=commit)

    assert again.returncode == 0, again.stderr
    assert again.stdout == f"deployed: deployed/dev/{TAG} is already recorded at {commit[:12]}\n"
    assert remote_tags(sandbox) == {RECORD: commit}


def test_a_record_another_clone_pushed_at_another_commit_is_never_moved(sandbox):
    first = sandbox.remote_head()
    commit = bump(sandbox)
    other = sandbox.clone("other")
    sandbox.git("push", "--quiet", "origin", f"{first}:{RECORD}", cwd=other)

    result = deployed(sandbox, revision=commit)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"deployed: deployed/dev/{TAG} is already recorded at {first[:12]}\n"
    assert remote_tags(sandbox) == {RECORD: first}


def test_a_record_pushed_between_the_look_up_and_the_push_is_never_moved(sandbox):
    first = sandbox.remote_head()
    commit = bump(sandbox)
    other = sandbox.clone("other")
    sandbox.install_hook(
        sandbox.workspace,
        "pre-push",
        CONCURRENT_RECORD.format(other=other, commit=first, ref=RECORD),
    )

    result = deployed(sandbox, revision=commit)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"deployed: deployed/dev/{TAG} was recorded meanwhile\n"
    assert remote_tags(sandbox) == {RECORD: first}


def test_the_clones_own_tags_are_neither_touched_nor_pushed(sandbox):
    """A local tag of the same name (at another commit) stays as it is and is not what gets
    pushed; an annotated tag of the clone does not travel along, even with push.followTags."""
    first = sandbox.remote_head()
    commit = bump(sandbox)
    sandbox.git("tag", f"deployed/dev/{TAG}", first, cwd=sandbox.workspace)
    sandbox.git("tag", "-a", "-m", "release", "v1.0", commit, cwd=sandbox.workspace)
    sandbox.git("config", "push.followTags", "true", cwd=sandbox.workspace)
    before = local_tags(sandbox)

    result = deployed(sandbox, revision=commit)

    assert result.returncode == 0, result.stderr
    assert remote_tags(sandbox) == {RECORD: commit}
    assert local_tags(sandbox) == before


def test_recorded_commit(sandbox):
    commit = bump(sandbox)
    git = Git(sandbox.workspace)
    assert recorded_commit(git, "origin", "dev", TAG) is None
    assert recorded_commit(git, "origin", "dev", "feedfacecafe") is None
    assert deployed(sandbox, revision=commit).returncode == 0
    assert recorded_commit(git, "origin", "dev", TAG) == commit
    assert recorded_commit(git, "origin", "prod", TAG) is None


def test_recorded_commit_of_an_annotated_tag_is_its_commit(sandbox):
    """Someone recorded by hand with `git tag -a`: the record is the commit, not the tag
    object."""
    commit = bump(sandbox)
    other = sandbox.clone("other")
    sandbox.git("tag", "-a", "-m", "by hand", f"deployed/dev/{TAG}", commit, cwd=other)
    sandbox.git("push", "--quiet", "origin", RECORD, cwd=other)
    assert remote_tags(sandbox)[RECORD] != commit  # the tag object

    assert recorded_commit(Git(sandbox.workspace), "origin", "dev", TAG) == commit
    result = deployed(sandbox, revision=commit)
    assert result.stdout == f"deployed: deployed/dev/{TAG} is already recorded at {commit[:12]}\n"


def test_marker_ref_names_the_record():
    assert marker_ref("dev", TAG) == RECORD
    assert marker_ref("prod-eu-1", "v1.2.3_rc-1") == "refs/tags/deployed/prod-eu-1/v1.2.3_rc-1"
    assert marker_ref("a" * 32, "x" * 128) == f"refs/tags/deployed/{'a' * 32}/{'x' * 128}"


@pytest.mark.parametrize(
    "environment", ["", "Dev", "1dev", "dev/x", "dev.", "de v", "dév", "-dev", "a" * 33, "dev\n"]
)
def test_marker_ref_refuses_what_is_not_an_environment_name(environment):
    with pytest.raises(RecordError) as refused:
        marker_ref(environment, TAG)
    assert str(refused.value) == (
        f"environment {environment[:40]!r} is not an environment name (lowercase letters, "
        "digits and '-', starting with a letter)"
    )


@pytest.mark.parametrize(
    "tag",
    [
        "a..b",
        "v1.lock",
        "v1.",
        ".hidden",
        "-x",
        "a/b",
        "a b",
        "",
        "x" * 129,
        "a~1",
        "a^",
        "a:b",
        "a@{1}",
        "a*",
        "a\\b",
        "tag\n",
    ],
)
def test_marker_ref_refuses_what_cannot_name_a_git_tag(tag):
    with pytest.raises(RecordError) as refused:
        marker_ref("dev", tag)
    assert str(refused.value) == (
        f"image tag {tag[:140]!r} cannot name a git tag (an image tag without '..', not ending "
        "in '.' or '.lock')"
    )


def test_no_tag_deployed_yet_is_exit_2_and_nothing_is_recorded(sandbox):
    head = sandbox.remote_head()

    result = deployed(sandbox)

    assert result.returncode == 2
    assert result.stderr == (
        f"deployed: error: image.tag of {sandbox.values_path} is empty at {head[:12]}: "
        "nothing deployed\n"
    )
    assert remote_tags(sandbox) == {}


def test_a_values_file_not_in_the_revision_is_exit_2(sandbox):
    commit = bump(sandbox)

    result = sandbox.run_module(
        "delivery.deployed",
        "--environment",
        "staging",
        "--values-file",
        "helm/django-app/values-staging.yaml",
        "--revision",
        commit,
        "--repo-dir",
        str(sandbox.workspace),
    )

    assert result.returncode == 2
    assert result.stderr == (
        f"deployed: error: helm/django-app/values-staging.yaml is not a file of {commit[:12]}\n"
    )
    assert remote_tags(sandbox) == {}


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            ["--environment", "Prod"],
            "environment 'Prod' is not an environment name (lowercase letters, digits and '-', "
            "starting with a letter)",
        ),
        (["--revision", "no-such-revision"], "--revision 'no-such-revision' is not a commit of"),
        (["--key", "image.missing"], "key image.missing not found"),
    ],
)
def test_invalid_input_is_exit_2_one_line(sandbox, extra, message):
    bump(sandbox)

    result = deployed(sandbox, *extra)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("deployed: error: ") and message in line
    assert remote_tags(sandbox) == {}


def test_an_unreachable_remote_is_exit_1_one_line(sandbox):
    commit = bump(sandbox)
    sandbox.git(
        "remote", "set-url", "origin", str(sandbox.root / "gone.git"), cwd=sandbox.workspace
    )

    result = deployed(sandbox, revision=commit)

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("deployed: error: git ls-remote --tags origin ")
    assert "gone.git" in line
    assert remote_tags(sandbox) == {}
