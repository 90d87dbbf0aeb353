"""`python -m delivery.promote` against real git repositories (see conftest.GitSandbox), and
against ECR as moto emulates it. The tool runs in-process (`main`), with this process's git
environment made the sandbox's; one test runs it as the module the pipeline runs."""

from __future__ import annotations

import json
import os

import pytest
from delivery_helpers import COMPETING_PUSH, MANIFEST, REPOSITORY

from delivery import promote as promote_module
from delivery.commit_marker import trailers
from delivery.deployed import record
from delivery.git import Git
from delivery.promote import PromoteRequest, compare_url, main
from delivery.tag_bump import BumpFailed
from delivery.tag_bump import main as tag_bump_main
from delivery.values_file import environment_values_file

TAG = "0123abcd4567"
CHART = "helm/django-app"
DEV = environment_values_file(CHART, "dev")
PROD = environment_values_file(CHART, "prod")
BOT_NAME = "Jenkins tag bump"
SKIP, BUILD = 0, 1


@pytest.fixture
def repo(sandbox, monkeypatch):
    """The sandbox, its git environment (isolated configuration) this process's too."""
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    return sandbox


def push_image(ecr, tag=TAG):
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=MANIFEST, imageTag=tag)


def arguments(sandbox, *extra):
    """The options as the prod pipeline passes them; a repeated option in `extra` wins."""
    return [
        "--from",
        "dev",
        "--to",
        "prod",
        "--chart-path",
        CHART,
        "--repo-dir",
        str(sandbox.workspace),
        "--author-name",
        BOT_NAME,
        "--author-email",
        sandbox.bot_email,
        *extra,
    ]


def promote(sandbox, capsys, *extra):
    """(exit status, stdout, stderr) of `python -m delivery.promote`, run in-process."""
    capsys.readouterr()
    status = main(arguments(sandbox, *extra))
    out, err = capsys.readouterr()
    return status, out, err


def deploy_in_dev(sandbox, tag=TAG, healthy=True):
    """dev's pipeline: bump dev's tag (`sandbox.tag_bump`'s options, in-process) and, once
    Argo CD reports dev healthy, record it."""
    options = ["--values-file", DEV, f"--tag={tag}", "--repo-dir", str(sandbox.workspace)]
    identity = ["--author-name", BOT_NAME, "--author-email", sandbox.bot_email]
    assert tag_bump_main([*options, *identity]) == 0
    commit = sandbox.remote_head()
    if healthy:
        record(Git(sandbox.workspace), "origin", "dev", tag, commit)
    return commit


def with_tag(text, tag):
    assert text.count('  tag: ""\n') == 1
    return text.replace('  tag: ""\n', f'  tag: "{tag}"\n')


def message(sandbox, revision="main"):
    return sandbox.git("log", "-1", "--format=%B", revision, cwd=sandbox.remote)


def workspace_state(sandbox):
    """HEAD (branch or commit), status and the values files of the workspace."""
    head = sandbox.git("rev-parse", "--symbolic-full-name", "HEAD", cwd=sandbox.workspace)
    status = sandbox.git("status", "--porcelain", "--ignored", cwd=sandbox.workspace)
    files = [(sandbox.workspace / path).read_bytes() for path in (DEV, PROD)]
    return head, status, files


def one_error_line(err):
    assert "Traceback" not in err, err
    [line] = err.splitlines()
    return line


def test_promotes_the_image_recorded_healthy_in_dev_as_the_bot(repo):
    built = repo.remote_history()[-1][0]
    assert repo.tag_bump(TAG).returncode == 0  # dev's pipeline, then Argo CD: dev is healthy
    before, dev_values = repo.remote_head(), repo.remote_file(DEV)
    recorded = repo.run_module(
        "delivery.deployed", "--environment", "dev", "--values-file", DEV,
        "--repo-dir", str(repo.workspace),
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr

    result = repo.run_module("delivery.promote", *arguments(repo))

    assert result.returncode == 0, result.stderr
    head = repo.remote_head()
    assert (
        result.stdout == f"promote: pushed {head[:12]} to origin/main: prod runs {TAG} (from dev)\n"
    )
    assert repo.remote_file(PROD) == with_tag(repo.prod_values_text, TAG)
    assert repo.remote_file(DEV) == dev_values
    assert repo.git("rev-parse", "main^", cwd=repo.remote).strip() == before
    changed = repo.git("show", "--name-only", "--format=", "main", cwd=repo.remote).split()
    assert changed == [PROD]
    identity = repo.git("log", "-1", "--format=%an <%ae>|%cn <%ce>", "main", cwd=repo.remote)
    assert identity.strip() == f"{BOT_NAME} <{repo.bot_email}>|{BOT_NAME} <{repo.bot_email}>"
    text = message(repo)
    assert text.splitlines()[0] == f"[ci-bump] Promote image {TAG} from dev to prod"
    # Source-Commit: what dev's last bump deployed, so the promotion builds nothing new.
    assert trailers(text) == {
        "Source-Commit": built,
        "Promoted-From": "dev",
        "Bumped-By": "jenkins-tag-bump",
    }
    guard = repo.loop_guard(repo.workspace, "--revision", head)
    assert guard.returncode == SKIP, guard.stdout
    assert "is a tag bump" in guard.stdout


def test_nothing_deployed_in_dev_yet_is_refused(repo, capsys):
    before = repo.remote_head()

    status, out, err = promote(repo, capsys)

    assert status == 2 and out == ""
    assert one_error_line(err) == (
        f"promote: error: dev deploys no image yet: image.tag of {DEV} is empty on origin/main; "
        "promote once dev's pipeline has deployed one"
    )
    assert repo.remote_head() == before


def test_a_tag_without_its_healthy_record_in_dev_is_refused(repo, capsys):
    commit = deploy_in_dev(repo, healthy=False)
    git = Git(repo.workspace)
    record(git, "origin", "dev", "89abcdef0123", commit)  # another image's record
    record(git, "origin", "prod", TAG, commit)  # another environment's record

    status, out, err = promote(repo, capsys)

    assert status == 2 and out == ""
    assert one_error_line(err) == (
        f"promote: error: {TAG} has no record of running healthy in dev: origin has no tag "
        f"deployed/dev/{TAG}, which dev's pipeline pushes once Argo CD reports dev Synced and "
        "Healthy at that tag; wait for dev's pipeline to finish, then promote again"
    )
    assert repo.remote_head() == commit


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            ("--to", "dev"),
            "--from and --to are both 'dev': promote from one environment to another "
            "(e.g. --from dev --to prod)",
        ),
        (
            ("--to", "Prod"),
            "--to 'Prod' is not an environment name: lowercase letters, digits and '-', "
            "starting with a letter (e.g. dev, prod)",
        ),
        (
            ("--from", "dev/../x"),
            "--from 'dev/../x' is not an environment name: lowercase letters, digits and '-', "
            "starting with a letter (e.g. dev, prod)",
        ),
        (
            ("--chart-path", "../helm/django-app"),
            "--chart-path '../helm/django-app' must be the chart's directory inside the "
            "repository, relative to --repo-dir, without '..' (e.g. helm/django-app)",
        ),
        (("--max-attempts", "0"), "--max-attempts 0 must be from 1 to 20 (default: 3)"),
        (
            ("--registry-timeout", "60"),
            "--registry-timeout 60 applies only with --repository: name the --to environment's "
            "ECR repository too, or leave it out",
        ),
        (
            ("--repository", REPOSITORY, "--registry-timeout", "-1"),
            "--registry-timeout -1 must be from 0 to 3600 seconds (0: ask the registry once)",
        ),
        (("--key", "replicaCount"), "--key 'replicaCount' does not name an image tag"),
    ],
    ids=[
        "same-environment",
        "bad-environment",
        "path-as-environment",
        "chart-outside",
        "attempts",
        "timeout-without-registry",
        "negative-timeout",
        "not-a-tag-key",
    ],
)
def test_invalid_options_are_one_line_and_exit_2(repo, capsys, extra, expected):
    before, state = repo.remote_head(), workspace_state(repo)

    status, _, err = promote(repo, capsys, *extra)

    assert status == 2
    assert one_error_line(err).startswith(f"promote: error: {expected}")
    assert repo.remote_head() == before
    assert workspace_state(repo) == state


def test_prod_already_at_the_tag_is_a_no_op(repo, capsys):
    deploy_in_dev(repo)
    assert promote(repo, capsys)[0] == 0
    head = repo.remote_head()

    status, out, err = promote(repo, capsys)

    assert (status, out, err) == (0, f"promote: prod already runs {TAG}; nothing to promote\n", "")
    assert repo.remote_head() == head


@pytest.mark.parametrize(
    "hook",
    [
        "post-commit",  # between the commit and its push: not a fast-forward any more
        "pre-push",  # during the push: the remote refuses the ref update
    ],
)
def test_a_push_race_is_redone_on_the_new_tip_and_loses_no_commit(repo, capsys, hook):
    deploy_in_dev(repo)
    competitor = repo.clone("competitor")
    marker = repo.root / "raced"
    script = COMPETING_PUSH.format(competitor=competitor)
    repo.install_hook(
        repo.workspace, hook, f'if [ ! -e "{marker}" ]; then\ntouch "{marker}"\n{script}fi\n'
    )

    status, out, err = promote(repo, capsys)

    assert status == 0, err
    assert "moved during attempt 1/3" in err
    assert (
        out
        == f"promote: pushed {repo.remote_head()[:12]} to origin/main: prod runs {TAG} (from dev)\n"
    )
    assert [subject for _, _, subject in repo.remote_history()] == [
        f"[ci-bump] Promote image {TAG} from dev to prod",
        "Competing change",
        f"[ci-bump] Deploy image {TAG}",
        "Initial commit",
    ]
    assert repo.remote_file(PROD) == with_tag(repo.prod_values_text, TAG)
    assert repo.remote_file("competitor.txt")
    # The competing change was never built: the promotion must not hide it from the loop guard.
    assert repo.loop_guard(repo.workspace).returncode == BUILD


def test_pull_request_mode_pushes_a_new_branch_and_leaves_main_alone(repo, capsys):
    deploy_in_dev(repo)
    main_before = repo.remote_head()
    branch = f"promote/prod/{TAG}"

    status, out, err = promote(repo, capsys, "--pull-request")

    assert status == 0, err
    commit = repo.git("rev-parse", branch, cwd=repo.remote).strip()
    assert out == (
        f"promote: pushed {commit[:12]} to the new branch origin/{branch}: prod runs {TAG} "
        "(from dev) once its pull request into main is merged; open it on the Git host\n"
    )
    assert repo.remote_head() == main_before
    assert repo.git("rev-parse", f"{branch}^", cwd=repo.remote).strip() == main_before
    assert repo.remote_file(PROD, branch) == with_tag(repo.prod_values_text, TAG)
    assert message(repo, branch).startswith(f"[ci-bump] Promote image {TAG} from dev to prod\n")

    status, out, err = promote(repo, capsys, "--pull-request")

    assert (status, out) == (2, "")
    assert one_error_line(err) == (
        f"promote: error: branch {branch} exists on origin already: merge or close its pull "
        "request, or delete the branch"
    )
    assert repo.git("rev-parse", branch, cwd=repo.remote).strip() == commit
    assert repo.remote_head() == main_before


def test_pull_request_mode_never_moves_a_branch_that_appears_meanwhile(repo, capsys):
    """Someone creates the branch between the check and the push, at main's tip: the push
    would fast-forward it; it is refused instead, and the work tree put back."""
    deploy_in_dev(repo)
    main_before, state = repo.remote_head(), workspace_state(repo)
    branch = f"promote/prod/{TAG}"
    repo.install_hook(
        repo.workspace,
        "post-commit",
        f'unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE GIT_PREFIX\ncd "{repo.remote}"\n'
        f"git update-ref refs/heads/{branch} {main_before}\n",
    )

    status, _, err = promote(repo, capsys, "--pull-request")

    assert status == 2
    assert one_error_line(err).startswith(f"promote: error: branch {branch} exists on origin")
    assert repo.git("rev-parse", branch, cwd=repo.remote).strip() == main_before
    assert workspace_state(repo) == state


def test_pull_request_mode_links_github_s_compare_page(repo, capsys, monkeypatch):
    deploy_in_dev(repo)
    monkeypatch.setattr(
        promote_module,
        "_remote_url",
        lambda git, remote: "https://x-access-token:s3cr3t@github.com/djeks/django-app.git",
    )

    status, out, err = promote(repo, capsys, "--pull-request")

    assert status == 0, err
    assert out.endswith(
        f"; open it at https://github.com/djeks/django-app/compare/main...promote/prod/{TAG}"
        "?expand=1\n"
    )
    assert "s3cr3t" not in out


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/djeks/django-app.git", "djeks/django-app"),
        ("https://github.com/djeks/django-app", "djeks/django-app"),
        ("https://user:token@github.com/djeks/django-app.git/", "djeks/django-app"),
        ("git@github.com:djeks/django-app.git", "djeks/django-app"),
        ("ssh://git@github.com/djeks/my.app.git", "djeks/my.app"),
        ("ssh://git@github.com:22/djeks/django-app", "djeks/django-app"),
        ("https://gitlab.com/djeks/django-app.git", None),
        ("https://github.com.evil.example/djeks/django-app.git", None),
        ("/srv/git/django-app.git", None),
        ("", None),
    ],
)
def test_compare_url(url, expected):
    result = compare_url(url, "main", "promote/prod/0123abcd4567")
    if expected is None:
        assert result is None
    else:
        assert result == (
            f"https://github.com/{expected}/compare/main...promote/prod/0123abcd4567?expand=1"
        )


def test_an_image_in_prod_s_registry_is_promoted(repo, capsys, ecr):
    deploy_in_dev(repo)
    push_image(ecr)

    status, out, err = promote(repo, capsys, "--repository", REPOSITORY, "--region", "eu-west-1")

    assert status == 0, err
    assert out.startswith("promote: pushed ")
    assert repo.remote_file(PROD) == with_tag(repo.prod_values_text, TAG)
    # The image now has a second tag, which the registry's lifecycle rule keeps apart.
    assert image_tags(ecr) == {TAG, f"prod-{TAG}"}


def image_tags(ecr) -> set[str]:
    [image] = ecr.describe_images(repositoryName=REPOSITORY)["imageDetails"]
    return set(image["imageTags"])


def test_keeping_an_image_twice_is_harmless(ecr):
    push_image(ecr)
    registry = promote_module.EcrRegistry(ecr, REPOSITORY)
    assert registry.keep(TAG, "prod") == f"prod-{TAG}"
    assert registry.keep(TAG, "prod") == f"prod-{TAG}"
    assert image_tags(ecr) == {TAG, f"prod-{TAG}"}


class ImmutableEcr:
    """ECR as the real service answers a PutImage of a tag an IMMUTABLE repository has already
    (ImageTagAlreadyExistsException, which moto does not raise), around moto's client."""

    def __init__(self, client):
        self.client, self.exceptions = client, client.exceptions

    def batch_get_image(self, **arguments):
        return self.client.batch_get_image(**arguments)

    def put_image(self, **arguments):
        from botocore.exceptions import ClientError

        tags = {
            t
            for image in self.client.describe_images(repositoryName=arguments["repositoryName"])[
                "imageDetails"
            ]
            for t in image.get("imageTags", [])
        }
        if arguments["imageTag"] in tags:
            error = {"Error": {"Code": "ImageTagAlreadyExistsException", "Message": "exists"}}
            raise ClientError(error, "PutImage")
        return self.client.put_image(**arguments)


def test_a_promotion_run_again_after_a_failed_push_keeps_the_image_it_kept(ecr):
    push_image(ecr)
    registry = promote_module.EcrRegistry(ImmutableEcr(ecr), REPOSITORY)
    assert registry.keep(TAG, "prod") == f"prod-{TAG}"
    assert registry.keep(TAG, "prod") == f"prod-{TAG}", "a second run finds it done"


def test_a_kept_tag_on_another_image_is_an_error(ecr):
    push_image(ecr)
    layer = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1}
    other = MANIFEST.replace(
        '"layers": []', f'"layers": [{json.dumps({**layer, "digest": "sha256:" + "2" * 64})}]'
    )
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=other, imageTag=f"prod-{TAG}")
    registry = promote_module.EcrRegistry(ImmutableEcr(ecr), REPOSITORY)
    with pytest.raises(promote_module.RegistryError, match=f"prod-{TAG} names another image"):
        registry.keep(TAG, "prod")


def test_a_tag_too_long_to_keep_is_refused_before_any_wait(repo, capsys, ecr):
    long_tag = "a" * 125
    deploy_in_dev(repo, tag=long_tag)

    status, _, err = promote(repo, capsys, "--repository", REPOSITORY, "--region", "eu-west-1")

    assert status == 2
    assert "is too long to be kept as prod-<tag> (at most 128 characters)" in err


def test_an_image_not_in_prod_s_registry_is_not_promoted(repo, capsys, ecr):
    deploy_in_dev(repo)
    before, state = repo.remote_head(), workspace_state(repo)

    status, out, err = promote(
        repo, capsys, "--repository", REPOSITORY, "--region", "eu-west-1", "--registry-timeout", "0"
    )

    assert (status, out) == (1, "")
    assert one_error_line(err) == (
        f"promote: error: {REPOSITORY}:{TAG} is not in prod's registry after 0 s: it replicates "
        "from dev's registry (README 'Network, registry and cluster'), only if pushed after "
        "the rule and prod's registry existed: check the rule, or build once more in dev"
    )
    assert repo.remote_head() == before
    assert workspace_state(repo) == state


def test_a_registry_that_cannot_be_asked_fails_with_exit_1(repo, capsys, ecr):
    deploy_in_dev(repo)
    before = repo.remote_head()

    status, _, err = promote(repo, capsys, "--repository", "djeks/nothing", "--region", "eu-west-1")

    assert status == 1
    assert one_error_line(err).startswith(
        "promote: error: prod's registry could not be asked: ECR djeks/nothing: "
    )
    assert repo.remote_head() == before


class FakeTime:
    """A clock that only `sleep` moves; `on_sleep` runs at each sleep."""

    def __init__(self, on_sleep=lambda count: None):
        self.now, self.sleeps, self.on_sleep = 1000.0, [], on_sleep

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        self.on_sleep(len(self.sleeps))


def request(sandbox, timeout):
    return PromoteRequest(
        source="dev",
        target="prod",
        chart_path=CHART,
        author_name=BOT_NAME,
        author_email=sandbox.bot_email,
        repo_dir=sandbox.workspace,
        repository=REPOSITORY,
        registry_timeout=timeout,
    )


def test_waits_for_the_image_to_replicate_then_promotes(repo, capsys, ecr):
    deploy_in_dev(repo)
    fake = FakeTime(on_sleep=lambda count: count == 2 and push_image(ecr))

    report = promote_module.promote(
        request(repo, 60),
        registry=promote_module.EcrRegistry(ecr, REPOSITORY),
        clock=fake.clock,
        sleep=fake.sleep,
    )

    assert fake.sleeps == [10, 10]
    assert report.startswith("pushed ")
    assert report.endswith(f"prod runs {TAG} (from dev); kept in the registry as prod-{TAG}")
    assert repo.remote_file(PROD) == with_tag(repo.prod_values_text, TAG)
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"promote: {REPOSITORY}:{TAG} is not in prod's registry yet; asking every 10 s for up "
        "to 60 s"
    )


def test_a_dev_build_landing_during_the_wait_keeps_the_promotion_deploy_only(repo, ecr):
    """The Source-Commit is worked out on the tip the commit is made on, not the first one."""
    from delivery.loop_guard import decide

    deploy_in_dev(repo)
    developer = repo.clone("developer")

    def dev_builds_meanwhile(count):
        if count == 1:
            repo.commit(developer, {"app.py": "print('new')\n"}, "New feature")
            repo.git("fetch", "--quiet", "origin", cwd=developer)
            repo.git("checkout", "--quiet", "--detach", "origin/main", cwd=developer)
            options = ["--values-file", DEV, "--tag=89abcdef0123", "--repo-dir", str(developer)]
            identity = ["--author-name", BOT_NAME, "--author-email", repo.bot_email]
            assert tag_bump_main([*options, *identity]) == 0
        if count == 2:
            push_image(ecr)

    fake = FakeTime(on_sleep=dev_builds_meanwhile)
    promote_module.promote(
        request(repo, 60),
        registry=promote_module.EcrRegistry(ecr, REPOSITORY),
        clock=fake.clock,
        sleep=fake.sleep,
    )

    status, reason = decide(Git(repo.workspace), "HEAD", repo.bot_email)
    assert status == SKIP, reason


def test_gives_up_waiting_for_the_image_after_the_timeout(repo, ecr):
    deploy_in_dev(repo)
    before = repo.remote_head()
    fake = FakeTime()

    with pytest.raises(BumpFailed, match=r"is not in prod's registry after 25 s: "):
        promote_module.promote(
            request(repo, 25),
            registry=promote_module.EcrRegistry(ecr, REPOSITORY),
            clock=fake.clock,
            sleep=fake.sleep,
        )

    assert fake.sleeps == [10, 10, 5]
    assert repo.remote_head() == before


def test_a_failed_push_leaves_the_work_tree_where_it_started(repo, capsys):
    deploy_in_dev(repo)
    repo.git("checkout", "--quiet", "main", cwd=repo.workspace)
    repo.git("pull", "--quiet", "origin", "main", cwd=repo.workspace)
    (repo.workspace / "notes.txt").write_text("untracked, mine\n")
    before, state = repo.remote_head(), workspace_state(repo)
    repo.install_hook(repo.remote, "pre-receive", 'echo "main is protected" >&2\nexit 1\n')

    status, out, err = promote(repo, capsys)

    assert (status, out) == (1, "")
    line = one_error_line(err)
    assert line.startswith("promote: error: push to origin/main rejected: ")
    assert "main is protected" in line
    assert repo.remote_head() == before
    assert workspace_state(repo) == state
    assert state[0].strip() == "refs/heads/main"
    assert (repo.workspace / "notes.txt").read_text() == "untracked, mine\n"


def test_uncommitted_changes_are_never_discarded(repo, capsys):
    deploy_in_dev(repo)
    values = repo.workspace / PROD
    values.write_text(values.read_text() + "# local edit\n")

    status, _, err = promote(repo, capsys)

    assert status == 2
    assert "has uncommitted changes; the bump would discard them" in one_error_line(err)
    assert values.read_text().endswith("# local edit\n")
