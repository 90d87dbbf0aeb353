"""`python -m delivery.argocd_wait` against a local HTTP server that answers as Argo CD's API
does (`GET /api/v1/applications/<name>`). Every answer is an Application in Argo CD's own shape:
each fixture is validated against the upstream Application CRD (argo-cd 10.1.1), status
included, with unknown fields refused, so none is invented."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest

from delivery.argocd_wait import RolloutFailed, judge, wait
from synth_helpers import REPO_ROOT
from upstream_helpers import crd_schema

REVISION = "3f9c2e1a" * 5
OLDER = "0b1c2d3e" * 5
TOKEN = "argocd-token-for-tests"

APPLICATION = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": {"name": "django-app", "namespace": "argocd"},
    "spec": {
        "project": "django-app",
        "source": {
            "repoURL": "https://github.com/example-org/django-eks-platform.git",
            "path": "helm/django-app",
            "targetRevision": "main",
        },
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "django-app"},
    },
}


def application(sync: str, revision: str, health: str, **status) -> dict:
    document = copy.deepcopy(APPLICATION)
    document["status"] = {
        "sync": {"status": sync, "revision": revision},
        "health": {"status": health},
        **status,
    }
    return document


def operation(phase: str, revision: str, message: str) -> dict:
    return {
        "operationState": {
            "operation": {"sync": {"revision": revision}},
            "phase": phase,
            "message": message,
            "startedAt": "2026-12-06T05:00:00Z",
            "finishedAt": "2026-12-06T05:01:00Z",
            "syncResult": {"revision": revision},
        }
    }


OUT_OF_SYNC = application("OutOfSync", OLDER, "Healthy")
PROGRESSING = application(
    "Synced", REVISION, "Progressing", **operation("Succeeded", REVISION, "successfully synced")
)
HEALTHY = application(
    "Synced", REVISION, "Healthy", **operation("Succeeded", REVISION, "successfully synced")
)
DEGRADED = application(
    "Synced",
    REVISION,
    "Degraded",
    resources=[
        {
            "group": "apps",
            "version": "v1",
            "kind": "Deployment",
            "namespace": "django-app",
            "name": "django-app",
            "status": "Synced",
            "health": {
                "status": "Degraded",
                "message": 'Deployment "django-app" exceeded its progress deadline',
            },
        }
    ],
    **operation("Succeeded", REVISION, "successfully synced"),
)
SYNC_FAILED = application(
    "OutOfSync",
    OLDER,
    "Healthy",
    **operation("Failed", REVISION, "one or more synchronization tasks completed unsuccessfully"),
)
FIXTURES = [OUT_OF_SYNC, PROGRESSING, HEALTHY, DEGRADED, SYNC_FAILED]


@pytest.mark.parametrize("fixture", FIXTURES)
def test_every_fixture_is_an_application_as_argo_cd_defines_it(fixture):
    jsonschema.validate(fixture, crd_schema("argo-cd-10.1.1.crd-application.yaml"))


def test_the_crd_check_refuses_an_invented_field():
    invented = application("Synced", REVISION, "Healthy")
    invented["status"]["sync"]["state"] = "done"
    with pytest.raises(jsonschema.ValidationError, match="'state' was unexpected"):
        jsonschema.validate(invented, crd_schema("argo-cd-10.1.1.crd-application.yaml"))


@contextmanager
def argo_cd(answers: list[dict]) -> Iterator[tuple[str, list[str]]]:
    """A server answering each GET with the next of `answers` (the last one again once they
    run out), 401 without the token; yields its URL and the paths it was asked."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_response(401, "Unauthorized")
                self.end_headers()
                return
            body = json.dumps(answers[min(len(asked) - 1, len(answers) - 1)]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def clone(tmp_path, monkeypatch):
    """An empty clone without a remote for --repo-dir: no revision but the awaited one counts,
    and nothing is fetched."""
    subprocess.run(["git", "init", "--quiet", str(tmp_path / "clone")], check=True)
    monkeypatch.setenv("TEST_CLONE", str(tmp_path / "clone"))


def run(url: str, *extra: str, token: str = TOKEN) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "delivery.argocd_wait",
            "--server",
            url,
            "--application",
            "django-app",
            "--revision",
            REVISION,
            "--interval",
            "1",
            "--repo-dir",
            os.environ["TEST_CLONE"],
            *extra,
        ],
        cwd=REPO_ROOT,
        env={"ARGOCD_AUTH_TOKEN": token, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_refreshes_first_then_waits_until_synced_and_healthy_at_the_revision():
    with argo_cd([OUT_OF_SYNC, PROGRESSING, HEALTHY]) as (url, asked):
        result = run(url, "--timeout", "30")
    assert result.returncode == 0, result.stderr
    assert "is Synced at 3f9c2e1a3f9c, Healthy" in result.stdout
    assert asked[0] == "/api/v1/applications/django-app?refresh=normal"
    assert asked[1:] == ["/api/v1/applications/django-app"] * 2
    assert TOKEN not in result.stdout + result.stderr


def test_a_degraded_rollout_fails_with_argo_cds_reason():
    with argo_cd([PROGRESSING, DEGRADED]) as (url, _):
        result = run(url, "--timeout", "30")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert 'Deployment/django-app: Deployment "django-app" exceeded its progress deadline' in line


def test_a_failed_sync_of_the_revision_fails_with_its_message():
    with argo_cd([SYNC_FAILED]) as (url, _):
        result = run(url, "--timeout", "30")
    assert result.returncode == 1
    assert "sync Failed: one or more synchronization tasks completed unsuccessfully" in (
        result.stderr
    )


def exactly(revision):
    return lambda candidate: candidate == revision


def virtual_time():
    """A clock and a sleep that only count: the timeout is a setting under test, not a wait."""
    now = [0.0]
    return now, (lambda: now[0]), (lambda seconds: now.__setitem__(0, now[0] + seconds))


def test_out_of_sync_forever_times_out_with_the_last_state():
    now = [0.0]
    with pytest.raises(RolloutFailed, match="after 60 s: OutOfSync at 0b1c2d3e0b1c, Healthy"):
        wait(
            lambda refresh: OUT_OF_SYNC,
            exactly(REVISION),
            timeout=60,
            interval=5,
            clock=lambda: now[0],
            sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
        )
    assert now[0] == 60


def test_an_older_revision_healthy_is_not_done():
    older = application("Synced", OLDER, "Healthy")
    assert judge(older, exactly(REVISION)).done is False


def test_a_later_revision_of_the_branch_counts_as_reached():
    """Someone pushed after the bump: Argo CD follows the branch to a descendant."""
    newer = "9a8b7c6d" * 5
    healthy_later = application(
        "Synced", newer, "Healthy", **operation("Succeeded", newer, "successfully synced")
    )
    assert judge(healthy_later, lambda r: r in (REVISION, newer)).done is True
    assert judge(healthy_later, exactly(REVISION)).done is False


def test_a_comparison_error_at_the_revision_fails_at_once_with_its_message():
    broken = application(
        "Unknown",
        REVISION,
        "Healthy",
        conditions=[
            {
                "type": "ComparisonError",
                "message": "Failed to load target state: values.yaml: image.tag is required",
            }
        ],
    )
    jsonschema.validate(broken, crd_schema("argo-cd-10.1.1.crd-application.yaml"))
    verdict = judge(broken, exactly(REVISION))
    assert verdict.failure == (
        "ComparisonError: Failed to load target state: values.yaml: image.tag is required"
    )


def test_a_passing_api_outage_is_waited_out_but_a_refused_token_is_not():
    from delivery.argocd_wait import ApiError

    answers = iter([ApiError("HTTP 502 Bad Gateway"), PROGRESSING, HEALTHY])

    def read(refresh):
        answer = next(answers)
        if isinstance(answer, ApiError):
            raise answer
        return answer

    now, clock, sleep = virtual_time()
    assert "Healthy" in wait(read, exactly(REVISION), 60, 5, clock=clock, sleep=sleep)

    def refused(refresh):
        raise ApiError("HTTP 401 Unauthorized", lasting=True)

    with pytest.raises(ApiError, match="401"):
        wait(refused, exactly(REVISION), 60, 5, clock=clock, sleep=sleep)


def test_a_refused_token_is_one_line_and_exit_2():
    with argo_cd([HEALTHY]) as (url, _):
        result = run(url, token="wrong")
    assert result.returncode == 2
    assert result.stderr == (
        f"argocd_wait: error: {url}/api/v1/applications/django-app: HTTP 401 Unauthorized\n"
    )


def test_no_token_and_no_server_are_one_line_each():
    assert "ARGOCD_AUTH_TOKEN is not set" in run("http://127.0.0.1:9", token="").stderr
    unreachable = run("http://127.0.0.1:9", "--timeout", "5")
    assert unreachable.returncode == 2 and len(unreachable.stderr.splitlines()) == 1
