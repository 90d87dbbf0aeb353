"""`python -m delivery.argocd_wait` against local HTTP servers that answer as Argo CD's API
(`GET /api/v1/applications/<name>`) and as the Kubernetes API (`GET` of the Application object,
the only verb the build pods' Role grants: any other request fails the test) do. Every answer is
an Application in Argo CD's own shape: each fixture is validated against the upstream
Application CRD (argo-cd 10.1.1), status included, with unknown fields refused, so none is
invented."""

from __future__ import annotations

import argparse
import copy
import datetime
import functools
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest

from delivery.argocd_wait import (
    ConfigurationError,
    Kubernetes,
    RolloutFailed,
    in_cluster_url,
    judge,
    kubernetes_api,
    wait,
)
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


@functools.cache
def application_validator() -> jsonschema.protocols.Validator:
    """A validator of the upstream Application CRD's schema, made strict (made once: the CRD
    is large, and `jsonschema.validate` checks the schema itself at every call)."""
    schema = crd_schema("argo-cd-10.1.1.crd-application.yaml")
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_every_fixture_is_an_application_as_argo_cd_defines_it(fixture):
    application_validator().validate(fixture)


def test_the_crd_check_refuses_an_invented_field():
    invented = application("Synced", REVISION, "Healthy")
    invented["status"]["sync"]["state"] = "done"
    with pytest.raises(jsonschema.ValidationError, match="'state' was unexpected"):
        application_validator().validate(invented)


@contextmanager
def argo_cd(answers: list[dict | int]) -> Iterator[tuple[str, list[str]]]:
    """A server answering each GET with the next of `answers` (the last one again once they
    run out; a number: that HTTP status instead), 401 without the token; yields its URL and
    the paths it was asked."""
    for answer in answers:
        if isinstance(answer, dict):
            application_validator().validate(answer)
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_response(401, "Unauthorized")
                self.end_headers()
                return
            answer = answers[min(len(asked) - 1, len(answers) - 1)]
            if isinstance(answer, int):
                self.send_response(answer)
                self.end_headers()
                return
            body = json.dumps(answer).encode()
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
    """The tool against Argo CD's API at `url`, with `token` in the environment."""
    return argocd_wait("--server", url, *extra, env={"ARGOCD_AUTH_TOKEN": token})


def test_it_refreshes_first_then_waits_until_synced_and_healthy_at_the_revision():
    with argo_cd([OUT_OF_SYNC, PROGRESSING, HEALTHY]) as (url, asked):
        result = run(url, "--timeout", "30")
    assert result.returncode == 0, result.stderr
    assert "is Synced at 3f9c2e1a3f9c, Healthy" in result.stdout
    assert asked[0] == "/api/v1/applications/django-app?refresh=normal"
    assert asked[1:] == ["/api/v1/applications/django-app"] * 2
    assert TOKEN not in result.stdout + result.stderr


def test_the_refresh_is_asked_again_until_argo_cd_answers_once():
    with argo_cd([502, OUT_OF_SYNC, HEALTHY]) as (url, asked):
        result = run(url, "--timeout", "30")
    assert result.returncode == 0, result.stderr
    assert asked == [
        "/api/v1/applications/django-app?refresh=normal",
        "/api/v1/applications/django-app?refresh=normal",
        "/api/v1/applications/django-app",
    ]


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
            lambda: OUT_OF_SYNC,
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
    application_validator().validate(broken)
    verdict = judge(broken, exactly(REVISION))
    assert verdict.failure == (
        "ComparisonError: Failed to load target state: values.yaml: image.tag is required"
    )


def test_a_passing_api_outage_is_waited_out_but_a_refused_token_is_not():
    from delivery.argocd_wait import ApiError

    answers = iter([ApiError("HTTP 502 Bad Gateway"), PROGRESSING, HEALTHY])

    def read():
        answer = next(answers)
        if isinstance(answer, ApiError):
            raise answer
        return answer

    now, clock, sleep = virtual_time()
    assert "Healthy" in wait(read, exactly(REVISION), 60, 5, clock=clock, sleep=sleep)

    def refused():
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


# --kubernetes: the Application object read from the Kubernetes API as a service account.

APPLICATION_PATH = "/apis/argoproj.io/v1alpha1/namespaces/{namespace}/applications/django-app"


def forbidden(verb: str) -> str:
    """The API server's message when RBAC refuses `verb` on the Application."""
    return (
        'applications.argoproj.io "django-app" is forbidden: User '
        f'"system:serviceaccount:jenkins:jenkins-agent" cannot {verb} resource "applications" '
        'in API group "argoproj.io" in the namespace "argocd"'
    )


FORBIDDEN_GET = forbidden("get")


def status(code: int, reason: str, message: str) -> dict:
    """The Status object the API server answers an error with."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class KubernetesApi:
    """What the fake API server saw: every request (method, path, authorization)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[dict] = []

    @property
    def methods(self) -> list[str]:
        return [request["method"] for request in self.requests]


@contextmanager
def kubernetes(
    answers: list[dict],
    token_file,
    *,
    namespace: str = "argocd",
    refuse: list[int] | None = None,
    rotate_after: int | None = None,
    tls=None,
) -> Iterator[KubernetesApi]:
    """A server answering as the Kubernetes API does at the Application's path, to GET only
    (the Role grants get, nothing else): each GET with the next of `answers` (the last one
    again once they run out). Any other method is recorded, refused as RBAC would (403), and
    fails the test when the block ends. The bearer token must be what `token_file` holds at
    that moment (401 otherwise). `refuse`: status codes answered to the next GETs instead,
    while any remain. `rotate_after`: after that many requests the token file gets a new
    token, as the kubelet rotates a projected token. `tls`: an ssl.SSLContext to serve https
    with."""
    for answer in answers:
        application_validator().validate(answer)
    refuse = list(refuse or [])
    path = APPLICATION_PATH.format(namespace=namespace)
    served = [0]

    def document(index: int) -> dict:
        answer = copy.deepcopy(answers[min(index, len(answers) - 1)])
        answer["metadata"]["namespace"] = namespace
        return answer

    class Handler(BaseHTTPRequestHandler):
        def answer(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def authorized(self) -> bool:
            """Record the request; answer 401 (and return False) unless its token is the
            file's."""
            authorization = self.headers.get("Authorization")
            api.requests.append(
                {"method": self.command, "path": self.path, "authorization": authorization}
            )
            if rotate_after is not None and len(api.requests) == rotate_after:
                fresh = token_file.with_name("token.new")
                fresh.write_text("rotated-token\n")
                os.replace(fresh, token_file)  # atomic, as the kubelet swaps it
                expected = f"Bearer {TOKEN}"  # this request was sent before the rotation
            else:
                expected = f"Bearer {token_file.read_text().strip()}"
            if authorization != expected:
                self.answer(401, status(401, "Unauthorized", "Unauthorized"))
                return False
            return True

        def do_GET(self) -> None:
            if not self.authorized():
                return
            if self.path != path:
                self.answer(404, status(404, "NotFound", "the server could not find it"))
            elif refuse:
                code = refuse.pop(0)
                reason = {403: "Forbidden", 404: "NotFound"}.get(code, "InternalError")
                message = FORBIDDEN_GET if code == 403 else "etcdserver: request timed out"
                self.answer(code, status(code, reason, message))
            else:
                self.answer(200, document(served[0]))
                served[0] += 1

        def refuse_verb(self) -> None:
            """Not granted: the Role has get only."""
            if self.authorized():
                verb = {"POST": "create", "PUT": "update"}.get(self.command, self.command.lower())
                self.answer(403, status(403, "Forbidden", forbidden(verb)))

        do_PATCH = do_PUT = do_POST = do_DELETE = refuse_verb

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    api = KubernetesApi(f"{scheme}://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
    assert set(api.methods) <= {"GET"}, f"not only GETs: {api.methods}"


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "serviceaccount" / "token"
    path.parent.mkdir()
    path.write_text(TOKEN + "\n")
    return path


def argocd_wait(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "delivery.argocd_wait",
            "--application",
            "django-app",
            "--revision",
            REVISION,
            "--interval",
            "1",
            "--repo-dir",
            os.environ["TEST_CLONE"],
            *args,
        ],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def in_pod(
    api: KubernetesApi, token_file, *extra: str, env: dict | None = None
) -> subprocess.CompletedProcess:
    return argocd_wait(
        "--kubernetes",
        "--kubernetes-api",
        api.url,
        "--token-file",
        str(token_file),
        *extra,
        env=env,
    )


def one_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("argocd_wait: error: ")
    return line


def test_kubernetes_only_reads_until_synced_and_healthy(token_file):
    """Plain http (to a loopback address only) never goes through a proxy: it would see the
    token."""
    dead_proxy = {"http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    with kubernetes([OUT_OF_SYNC, PROGRESSING, HEALTHY], token_file) as api:
        result = in_pod(api, token_file, "--timeout", "30", env=dead_proxy)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == "argocd_wait: django-app is Synced at 3f9c2e1a3f9c, Healthy, last sync Succeeded\n"
    )
    assert api.methods == ["GET", "GET", "GET"]
    assert {request["path"] for request in api.requests} == {
        "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/django-app"
    }
    assert TOKEN not in result.stdout + result.stderr


def test_kubernetes_a_passing_api_error_is_read_again(token_file):
    with kubernetes([OUT_OF_SYNC, HEALTHY], token_file, refuse=[500]) as api:
        result = in_pod(api, token_file, "--timeout", "30")
    assert result.returncode == 0, result.stderr
    assert api.methods == ["GET", "GET", "GET"]


def test_kubernetes_a_degraded_rollout_fails_with_argo_cds_reason(token_file):
    with kubernetes([PROGRESSING, DEGRADED], token_file, namespace="argocd-apps") as api:
        result = in_pod(api, token_file, "--namespace", "argocd-apps", "--timeout", "30")
    assert result.returncode == 1
    line = one_line(result)
    assert 'Deployment/django-app: Deployment "django-app" exceeded its progress deadline' in line
    assert api.methods == ["GET", "GET"]


def test_kubernetes_out_of_sync_forever_times_out_with_the_last_state(token_file):
    with kubernetes([OUT_OF_SYNC], token_file) as api:
        result = in_pod(api, token_file, "--timeout", "2")
    assert result.returncode == 1
    assert one_line(result) == (
        "argocd_wait: error: not Synced and Healthy after 2 s: OutOfSync at 0b1c2d3e0b1c, Healthy"
    )
    assert len(api.methods) >= 2 and set(api.methods) == {"GET"}


def test_kubernetes_forbidden_is_exit_2_at_once_with_what_the_role_must_grant(token_file):
    with kubernetes([HEALTHY], token_file, refuse=[403]) as api:
        result = in_pod(api, token_file, "--timeout", "30")
    assert result.returncode == 2
    assert one_line(result) == (
        f"argocd_wait: error: GET {api.url}/apis/argoproj.io/v1alpha1/namespaces/argocd/"
        f"applications/django-app: HTTP 403 Forbidden: {FORBIDDEN_GET}; the service account "
        "needs get on applications.argoproj.io django-app in argocd (the platform stack's Role)"
    )
    assert api.methods == ["GET"]


def test_the_fake_kubernetes_api_fails_a_test_that_sends_anything_but_get(token_file):
    """The guard every Kubernetes test relies on: a PATCH is refused as the Role refuses it, and
    fails the test."""
    with (
        pytest.raises(AssertionError, match=r"not only GETs: \['PATCH'\]"),
        kubernetes([HEALTHY], token_file) as api,
    ):
        request = urllib.request.Request(
            api.url + APPLICATION_PATH.format(namespace="argocd"),
            data=b"{}",
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "application/merge-patch+json",
            },
            method="PATCH",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
        assert json.load(refused.value)["message"] == forbidden("patch")


def test_kubernetes_no_such_application_is_exit_2_at_once(token_file):
    with kubernetes([HEALTHY], token_file) as api:
        result = in_pod(api, token_file, "--namespace", "elsewhere")
    assert result.returncode == 2
    assert one_line(result).endswith(
        "HTTP 404 Not Found: the server could not find it; "
        "no Application django-app in namespace elsewhere"
    )
    assert api.methods == ["GET"]


def test_kubernetes_reads_the_token_file_again_for_every_request(token_file):
    """The kubelet rotates a projected token: after the first request the file holds a new one,
    which the server alone accepts from then on."""
    with kubernetes([OUT_OF_SYNC, PROGRESSING, HEALTHY], token_file, rotate_after=1) as api:
        result = in_pod(api, token_file, "--timeout", "30")
    assert result.returncode == 0, result.stderr
    assert [request["authorization"] for request in api.requests] == [
        f"Bearer {TOKEN}",
        "Bearer rotated-token",
        "Bearer rotated-token",
    ]


def test_kubernetes_a_refused_token_is_exit_2_and_never_printed(token_file):
    with kubernetes([HEALTHY], token_file) as api:
        wrong = token_file.with_name("wrong")
        wrong.write_text("not-the-token")
        result = in_pod(api, wrong)
    assert result.returncode == 2
    line = one_line(result)
    assert line.endswith(
        f"HTTP 401 Unauthorized: Unauthorized; the token of {wrong} was refused "
        "(expired, or not of this cluster)"
    )
    assert "not-the-token" not in result.stdout + result.stderr


def test_kubernetes_a_missing_or_empty_token_file_is_one_line_exit_2(token_file, tmp_path):
    with kubernetes([HEALTHY], token_file) as api:
        missing = in_pod(api, tmp_path / "missing")
        token_file.write_text("\n")
        empty = in_pod(api, token_file)
    assert missing.returncode == 2 and empty.returncode == 2
    assert one_line(missing) == (
        f"argocd_wait: error: token file {tmp_path / 'missing'}: No such file or directory"
    )
    assert one_line(empty) == f"argocd_wait: error: token file {token_file} holds no token"
    assert api.requests == []


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--server", "https://argocd.example.com", "--kubernetes"],
            "argument --kubernetes: not allowed with argument --server",
        ),
        ([], "one of the arguments --server --kubernetes is required"),
        (
            ["--server", "https://argocd.example.com", "--namespace", "argocd"],
            "--namespace goes with --kubernetes, not --server",
        ),
        (
            ["--kubernetes", "--kubernetes-api", "http://10.100.0.1"],
            "--kubernetes-api: plain http only to a loopback address (the token would travel "
            "in clear)",
        ),
        (
            ["--kubernetes", "--namespace", "Argo_CD"],
            "--namespace 'Argo_CD' is not a namespace name",
        ),
    ],
)
def test_kubernetes_usage_errors_are_one_line(args, message):
    result = argocd_wait(*args, env={"ARGOCD_AUTH_TOKEN": TOKEN})
    assert result.returncode == 2
    assert one_line(result) == f"argocd_wait: error: {message} (see --help)"


def test_kubernetes_outside_a_pod_without_kubernetes_api_is_one_line_exit_2(token_file):
    result = argocd_wait("--kubernetes", "--token-file", str(token_file))
    assert result.returncode == 2
    assert one_line(result) == (
        "argocd_wait: error: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: "
        "not in a pod (pass --kubernetes-api, --token-file and --ca-file)"
    )


# In-cluster configuration, as client-go's rest.InClusterConfig builds it.


@pytest.mark.parametrize(
    "host, port, url",
    [
        ("10.100.0.1", "443", "https://10.100.0.1:443"),
        ("fd00:10:96::1", "443", "https://[fd00:10:96::1]:443"),
    ],
)
def test_in_cluster_the_url_comes_from_the_service_variables(host, port, url):
    assert in_cluster_url({"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}) == url


def test_in_cluster_the_service_account_files_are_the_defaults():
    api = kubernetes_api(
        argparse.Namespace(kubernetes_api=None, token_file=None, ca_file=None),
        {"KUBERNETES_SERVICE_HOST": "10.100.0.1", "KUBERNETES_SERVICE_PORT": "443"},
    )
    assert api == Kubernetes(
        url="https://10.100.0.1:443",
        token_file=Path("/var/run/secrets/kubernetes.io/serviceaccount/token"),
        ca_file=Path("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"),
    )


def test_in_cluster_tls_is_verified_against_the_ca_file_only(monkeypatch, tmp_path):
    asked = []
    real = ssl.create_default_context

    def create_default_context(**kwargs):
        asked.append(kwargs)
        return real()

    monkeypatch.setattr("delivery.argocd_wait.ssl.create_default_context", create_default_context)
    Kubernetes(
        "https://10.100.0.1:443",
        tmp_path / "token",
        Path("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"),
    ).opener()
    assert asked == [{"cafile": "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"}]
    monkeypatch.undo()
    with pytest.raises(ConfigurationError, match="CA file /nowhere/ca.crt: No such file"):
        Kubernetes("https://10.100.0.1:443", tmp_path / "token", Path("/nowhere/ca.crt")).opener()
    plain = Kubernetes("http://127.0.0.1:8001", tmp_path / "token", Path("/nowhere/ca.crt"))
    assert plain.opener() is not None  # kubectl proxy: no TLS, the CA file is not read


def certificate_authority(tmp_path, name: str):
    """A CA (its certificate written to tmp_path/<name>.crt) and a server certificate it signs
    for 127.0.0.1, as the cluster's CA signs the API server's for the service address."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = tmp_path / f"{name}.crt"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = tmp_path / f"{name}-server.pem"
    chain.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(chain)
    return ca_file, server


def test_in_cluster_over_tls_from_the_service_variables(tmp_path, token_file):
    """No --kubernetes-api: the URL is built from KUBERNETES_SERVICE_HOST/PORT and the server's
    certificate must be signed by the CA file; one signed by another CA is refused at once."""
    ca_file, tls = certificate_authority(tmp_path, "cluster")
    other_ca, _ = certificate_authority(tmp_path, "other")
    with kubernetes([OUT_OF_SYNC, HEALTHY], token_file, tls=tls) as api:
        port = api.url.rsplit(":", 1)[1]
        env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port}
        common = ["--kubernetes", "--token-file", str(token_file), "--timeout", "30"]
        trusted = argocd_wait(*common, "--ca-file", str(ca_file), env=env)
        untrusted = argocd_wait(*common, "--ca-file", str(other_ca), env=env)
    assert trusted.returncode == 0, trusted.stderr
    assert api.methods == ["GET", "GET"]
    assert untrusted.returncode == 2
    line = one_line(untrusted)
    assert line.startswith(f"argocd_wait: error: GET https://127.0.0.1:{port}/apis/")
    assert "certificate verify failed" in line


def test_descends_from_fetches_each_revision_pushed_during_the_wait(sandbox):
    """Real repositories: the pipeline's clone knows the awaited commit only; two pushes land
    one after the other while it waits, and each is fetched when Argo CD reports it."""
    from delivery.argocd_wait import descends_from
    from delivery.git import Git

    awaited = sandbox.remote_head()
    developer = sandbox.clone("developer")
    reached = descends_from(Git(sandbox.workspace), awaited)
    first = sandbox.commit(developer, {"a.txt": "1\n"}, "First push during the wait")
    assert reached(first)
    second = sandbox.commit(developer, {"a.txt": "2\n"}, "Second push during the wait")
    assert reached(second), "a second unknown revision is fetched too"
    assert reached(awaited) and not reached(None)
    sandbox.git("checkout", "--quiet", "--orphan", "elsewhere", cwd=developer)
    sandbox.commit(developer, {"b.txt": "x\n"}, "Unrelated", push=False)
    sandbox.git("push", "--quiet", "origin", "elsewhere", cwd=developer)
    unrelated = sandbox.git("rev-parse", "HEAD", cwd=developer).strip()
    assert not reached(unrelated), "a commit that does not descend is not the deploy"
    assert not reached("f" * 40), "a revision nobody has is not reached, and no error"


def test_the_healthy_revision_is_written_for_the_record(tmp_path):
    written = tmp_path / "healthy-revision"
    with argo_cd([OUT_OF_SYNC, HEALTHY]) as (url, _):
        result = run(url, "--timeout", "5", "--healthy-revision-file", str(written))
    assert result.returncode == 0, result.stderr
    assert written.read_text() == f"{REVISION}\n"
    with argo_cd([OUT_OF_SYNC]) as (url, _):
        written.unlink()
        result = run(url, "--timeout", "2", "--healthy-revision-file", str(written))
    assert result.returncode == 1
    assert not written.exists(), "nothing is recorded for a deploy that did not land"
