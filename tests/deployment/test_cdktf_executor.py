"""deployment.cdktf: the sequence on the cdktf CLI, with the account emulated by moto in-process.

The cdktf CLI cannot apply anything here (no AWS, no helm or kubernetes provider), so `FakeCdktf`
stands at that boundary: it records each command as the executor builds it (argv and the
overrides in its environment) and does to the emulated account what that command would do to
the state (the bootstrap writes the local state file and creates the bucket; a migration moves
the state object; the backend's teardown needs the bucket empty and `prevent_destroy` lifted).
kubectl and the AWS CLI are stand-ins on disk (tests/deployment/fakes) that keep a cluster's
objects in a file. `test_real_cli_*` run the real cdktf CLI for what it can do offline: synth.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from deployment.cdktf import CDKTF, MIGRATED_SUFFIX, CdktfExecutor
from deployment.kubernetes import CleanupFailed
from deployment.order import StackGraph
from deployment.sequence import BackendState, Report, SequenceError, deploy, destroy
from infra_config import load_config
from infra_config.overrides import BACKEND_STATE_VARIABLE, BACKEND_TEARDOWN_VARIABLE
from infra_config.state_paths import state_key

FAKES = Path(__file__).parent / "fakes"
ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config("dev")
CLUSTER = "djeks-dev"

STACKS = {
    "backend": {"resource": {"aws_s3_bucket": {"state": {}}}},
    "network": {"resource": {"aws_vpc": {"vpc": {}}}},
    "registry": {"resource": {"aws_ecr_repository": {"app": {}}}},
    "cluster": {"resource": {"aws_eks_cluster": {"cluster": {"name": CLUSTER}}}},
    "platform": {"resource": {"helm_release": {"argocd": {}}}},
}
DEPENDENCIES = {
    "backend": [],
    "network": ["backend"],
    "registry": ["backend"],
    "cluster": ["backend", "network"],
    "platform": ["backend", "cluster", "registry"],
}
"""The app's shape (tests/deployment/test_order.py checks the real one)."""


class FakeCdktf:
    """The cdktf CLI at its boundary; see the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.commands: list[str] = []
        self.deployed: set[str] = set()
        self.fail_once: str | None = None

    def __call__(self, argv, *, cwd, env) -> subprocess.CompletedProcess:
        assert tuple(argv[: len(CDKTF)]) == CDKTF and Path(cwd) == self.root
        verb, *rest = argv[len(CDKTF) :]
        stack = rest[0] if rest and not rest[0].startswith("--") else None
        outdir = Path(rest[rest.index("--output") + 1])
        flags = [arg for arg in rest if arg.startswith("--") and arg != "--output"]
        backend = env[BACKEND_STATE_VARIABLE] or "-"
        teardown = env[BACKEND_TEARDOWN_VARIABLE] == "1"
        assert env["INFRA_ENV"] == "dev" and env["CHECKPOINT_DISABLE"] == "1"
        command = " ".join(
            [verb, *([stack] if stack else []), *(["@" + backend] if stack == "backend" else [])]
            + [
                flag.removeprefix("--")
                for flag in flags
                if flag != "--ignore-missing-stack-dependencies"
            ]
            + (["teardown"] if teardown else [])
        )
        if verb in ("deploy", "destroy"):
            assert "--ignore-missing-stack-dependencies" in flags, argv
        self.commands.append(command)
        if self.fail_once and command.startswith(self.fail_once):
            self.fail_once = None
            return subprocess.CompletedProcess(argv, 1)
        getattr(self, verb)(outdir, stack, backend, "--migrate-state" in flags, teardown)
        return subprocess.CompletedProcess(argv, 0)

    @property
    def local_state(self) -> Path:
        return self.root / "terraform-state" / "dev" / "backend.tfstate"

    def _write_local(self, resources: list) -> None:
        self.local_state.parent.mkdir(parents=True, exist_ok=True)
        self.local_state.write_text(json.dumps({"version": 4, "resources": resources}))

    def synth(self, outdir, stack, backend, migrate, teardown) -> None:
        manifest = {"stacks": {}}
        for name, body in STACKS.items():
            path = outdir / "stacks" / name / "cdk.tf.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(body))
            manifest["stacks"][name] = {
                "synthesizedStackPath": f"stacks/{name}/cdk.tf.json",
                "dependencies": DEPENDENCIES[name],
            }
        (outdir / "manifest.json").write_text(json.dumps(manifest))

    def diff(self, outdir, stack, backend, migrate, teardown) -> None:
        pass

    def deploy(self, outdir, stack, backend, migrate, teardown) -> None:
        s3 = boto3.client("s3", region_name=CONFIG.aws.region)
        key = state_key(CONFIG, "backend")
        if stack == "backend" and migrate and backend == "s3":
            s3.put_object(Bucket=CONFIG.state.bucket, Key=key, Body=self.local_state.read_bytes())
        elif stack == "backend" and migrate and backend == "local":
            self._write_local(
                json.loads(s3.get_object(Bucket=CONFIG.state.bucket, Key=key)["Body"].read())[
                    "resources"
                ]
            )
        elif stack == "backend" and backend == "local":
            if not any(b["Name"] == CONFIG.state.bucket for b in s3.list_buckets()["Buckets"]):
                s3.create_bucket(
                    Bucket=CONFIG.state.bucket,
                    CreateBucketConfiguration={"LocationConstraint": CONFIG.aws.region},
                )
                s3.put_bucket_versioning(
                    Bucket=CONFIG.state.bucket, VersioningConfiguration={"Status": "Enabled"}
                )
            self._write_local([{"type": "aws_s3_bucket", "name": "state"}])
        elif stack != "backend":
            assert set(DEPENDENCIES[stack]) <= self.deployed, f"{stack} before its dependencies"
            s3.put_object(Bucket=CONFIG.state.bucket, Key=state_key(CONFIG, stack), Body=b"{}")
        self.deployed.add(stack)

    def destroy(self, outdir, stack, backend, migrate, teardown) -> None:
        if stack == "backend":
            assert backend == "local" and teardown, "the backend is destroyed on local state"
            boto3.client("s3", region_name=CONFIG.aws.region).delete_bucket(
                Bucket=CONFIG.state.bucket
            )
            self._write_local([])
        self.deployed.discard(stack)


@pytest.fixture
def account(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield tmp_path


def make_executor(root: Path, cdktf: FakeCdktf, **given) -> CdktfExecutor:
    calls = root / "calls.jsonl"
    calls.touch()
    said: list[str] = []
    executor = CdktfExecutor(
        config=CONFIG,
        root=root,
        session=boto3.Session(region_name=CONFIG.aws.region),
        auto_approve=given.pop("auto_approve", False),
        kubectl=str(FAKES / "kubectl"),
        aws=str(FAKES / "aws"),
        run=cdktf,
        quiet_run=lambda argv: subprocess.run(
            [sys.executable, *argv],
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "FAKE_CALLS": str(calls),
                "FAKE_CLUSTER": str(root / "cluster.json"),
            },
        ),
        say=said.append,
        leftovers_poll_seconds=0,
        leftovers_timeout_seconds=5,
        **given,
    )
    executor.said = said
    return executor


def run_deploy(executor: CdktfExecutor) -> list[str]:
    report = Report(io.StringIO(), progress_seconds=None)
    executor.synth()
    deploy(StackGraph.from_outdir(executor.outdir), executor, report)
    return report.done


def run_destroy(executor: CdktfExecutor, *, including_backend: bool) -> None:
    report = Report(io.StringIO(), progress_seconds=None)
    executor.synth()
    destroy(
        StackGraph.from_outdir(executor.outdir),
        executor,
        report,
        including_backend=including_backend,
    )


def test_first_deploy_bootstraps_migrates_and_then_applies_in_order(account):
    cdktf = FakeCdktf(account)
    executor = make_executor(account, cdktf)
    assert executor.backend_state() is BackendState.ABSENT
    run_deploy(executor)
    assert cdktf.commands == [
        "synth",
        "deploy backend @local",
        "diff backend @local",
        "deploy backend @s3 migrate-state",
        "deploy network",
        "deploy registry",
        "deploy cluster",
        "deploy platform",
    ]
    assert executor.backend_state() is BackendState.S3
    assert not cdktf.local_state.exists()
    assert cdktf.local_state.with_name("backend.tfstate" + MIGRATED_SUFFIX).exists()
    assert executor.outdir == account / "cdktf.out.deploy-dev"


def test_a_second_deploy_keeps_the_backend_on_its_bucket(account):
    cdktf = FakeCdktf(account)
    executor = make_executor(account, cdktf)
    run_deploy(executor)
    cdktf.commands.clear()
    run_deploy(executor)
    assert cdktf.commands[:2] == ["synth", "deploy backend @s3"]
    assert "migrate-state" not in " ".join(cdktf.commands)


@pytest.mark.parametrize(
    "failing",
    [
        "deploy backend @local",
        "diff backend",
        "deploy backend @s3 migrate-state",
        "deploy cluster",
        "deploy platform",
    ],
)
def test_a_run_stopped_at_any_step_is_continued_by_the_next(account, failing):
    cdktf = FakeCdktf(account)
    executor = make_executor(account, cdktf)
    cdktf.fail_once = failing
    with pytest.raises(SequenceError, match=r"exited 1 \(its output is above\); fix the cause"):
        run_deploy(executor)
    run_deploy(executor)
    assert cdktf.deployed == set(STACKS)
    assert executor.backend_state() is BackendState.S3


def test_auto_approve_reaches_every_deploy(account):
    cdktf = FakeCdktf(account)
    run_deploy(make_executor(account, cdktf, auto_approve=True))
    deploys = [command for command in cdktf.commands if command.startswith("deploy")]
    assert deploys and all(
        command.endswith("auto-approve") or "auto-approve " in command for command in deploys
    )


def cluster_with(root: Path, objects: dict, stuck: list[str] = ()) -> Path:
    path = root / "cluster.json"
    path.write_text(json.dumps({"objects": objects, "stuck": list(stuck)}))
    return path


def item(namespace, name, **spec):
    return {"metadata": {"namespace": namespace, "name": name}, "spec": spec}


def create_cluster():
    boto3.client("eks", region_name=CONFIG.aws.region).create_cluster(
        name=CLUSTER,
        roleArn="arn:aws:iam::123456789012:role/cluster",
        resourcesVpcConfig={"subnetIds": []},
    )


def calls_of(root: Path) -> list[list[str]]:
    return [json.loads(line) for line in (root / "calls.jsonl").read_text().splitlines()]


def test_destroy_cleans_the_cluster_before_the_platform_and_keeps_the_backend(account):
    cdktf = FakeCdktf(account)
    executor = make_executor(account, cdktf)
    run_deploy(executor)
    create_cluster()
    cluster = cluster_with(
        account,
        {
            "applications.argoproj.io": [item("argocd", "django-app")],
            "ingresses.networking.k8s.io": [item("django-app", "django-app")],
            "services": [
                item("django-app", "django-app", type="ClusterIP"),
                item("argocd", "argocd-server", type="LoadBalancer"),
            ],
        },
    )
    cdktf.commands.clear()
    run_destroy(executor, including_backend=False)
    assert cdktf.commands == [
        "synth",
        "destroy platform",
        "destroy cluster",
        "destroy registry",
        "destroy network",
    ]
    deletes = [
        call[4:7] for call in calls_of(account) if call[0] == "kubectl" and call[4] == "delete"
    ]
    assert deletes == [
        ["delete", "applications.argoproj.io", "django-app"],
        ["delete", "ingresses.networking.k8s.io", "django-app"],
        ["delete", "services", "argocd-server"],
    ]
    left = json.loads(cluster.read_text())["objects"]
    assert left["services"] == [item("django-app", "django-app", type="ClusterIP")]
    kubeconfigs = [
        call for call in calls_of(account) if call[:3] == ["aws", "eks", "update-kubeconfig"]
    ]
    assert len(kubeconfigs) == 1 and "--kubeconfig" in kubeconfigs[0]
    assert not list(executor.outdir.glob("kubeconfig-*")), "the run's kubeconfig is removed"
    assert executor.backend_state() is BackendState.S3


def test_an_object_whose_finalizer_never_ends_stops_the_destroy_with_one_line(account):
    cdktf = FakeCdktf(account)
    executor = make_executor(account, cdktf)
    run_deploy(executor)
    create_cluster()
    cluster_with(
        account, {"applications.argoproj.io": [item("argocd", "django-app")]}, stuck=["django-app"]
    )
    cdktf.commands.clear()
    with pytest.raises(CleanupFailed) as failure:
        run_destroy(executor, including_backend=False)
    message = str(failure.value)
    assert "\n" not in message
    assert "applications.argoproj.io argocd/django-app did not go within 600 s" in message
    assert "kubectl -n argocd describe applications.argoproj.io django-app" in message
    assert cdktf.commands == ["synth"], "nothing is destroyed while the Application stands"


def test_without_argo_cd_or_a_cluster_there_is_nothing_to_clean(account):
    cdktf = FakeCdktf(account)
    executor = make_executor(account, cdktf)
    run_deploy(executor)
    run_destroy(executor, including_backend=False)
    assert f"cluster {CLUSTER} does not exist: no Kubernetes objects to delete" in executor.said
    create_cluster()
    cluster_with(account, {"services": []})  # no Argo CD, no Ingress CRD: kubectl says so
    run_destroy(executor, including_backend=False)


def test_destroy_with_the_backend_moves_its_state_home_empties_the_bucket_and_lifts_protection(
    account,
):
    cdktf = FakeCdktf(account)
    executor = make_executor(account, cdktf)
    run_deploy(executor)
    cdktf.commands.clear()
    run_destroy(executor, including_backend=True)
    assert cdktf.commands[-3:] == [
        "diff backend @s3",
        "deploy backend @local migrate-state",
        "destroy backend @local teardown",
    ]
    assert executor.backend_state() is BackendState.ABSENT
    buckets = boto3.client("s3", region_name=CONFIG.aws.region).list_buckets()["Buckets"]
    assert buckets == []


def test_an_unreadable_bucket_is_one_line(account):
    cdktf = FakeCdktf(account)
    executor = make_executor(account, cdktf)
    s3 = boto3.client("s3", region_name=CONFIG.aws.region)
    s3.create_bucket(
        Bucket=CONFIG.state.bucket,
        CreateBucketConfiguration={"LocationConstraint": CONFIG.aws.region},
    )

    def forbidden(**_):
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

    executor.session = type(
        "Session",
        (),
        {"client": lambda self, name: type("S3", (), {"head_object": staticmethod(forbidden)})()},
    )()
    with pytest.raises(SequenceError) as failure:
        executor.backend_state()
    assert "(403)" in str(failure.value) and "state.bucket must be a name of your own" in str(
        failure.value
    )


# The real cdktf CLI, offline ------------------------------------------------------------


@pytest.fixture(scope="module")
def real_synth(tmp_path_factory):
    if (
        shutil.which(
            "node", path=str(ROOT / "node_modules" / ".bin") + os.pathsep + os.environ["PATH"]
        )
        is None
    ):
        pytest.skip("node_modules is not installed (make setup)")
    outdir = ROOT / f"cdktf.out.deploy-test-{os.getpid()}"
    executor = CdktfExecutor(
        config=CONFIG, root=ROOT, session=None, auto_approve=False, outdir=outdir
    )
    executor._cdktf("synth", None, backend=BackendState.LOCAL, teardown=True)
    try:
        yield executor, executor.stacks()
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def test_real_cli_takes_the_overrides_from_the_environment(real_synth):
    executor, stacks = real_synth
    backend = stacks["backend"]
    local = backend["terraform"]["backend"]["local"]["path"]
    resolved = (executor.outdir / "stacks" / "backend" / local).resolve()
    assert resolved == ROOT / "terraform-state" / "dev" / "backend.tfstate"
    lifecycles = [
        body.get("lifecycle", {})
        for kind in ("aws_s3_bucket", "aws_dynamodb_table")
        for body in backend["resource"][kind].values()
    ]
    assert lifecycles and all(life.get("prevent_destroy") is False for life in lifecycles)
    assert StackGraph.from_outdir(executor.outdir).deploy_order()[0] == "backend"
