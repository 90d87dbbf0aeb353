"""deployment.sequence against a model of an AWS account: order, resume, idempotence.

`Account` models what the sequence can observe and change: which stacks exist, where the
backend's state is, what the state bucket holds. It refuses what AWS and Terraform would refuse
(a stack applied before what it reads, the bucket deleted while not empty, a migration into a
bucket that does not exist), so a wrong order fails here as it would for real. The emulator run
(tests/rehearsal) drives the same sequence with real Terraform.
"""

from __future__ import annotations

import io
import time

import pytest

from deployment.order import StackGraph
from deployment.sequence import BackendState, Report, SequenceError, deploy, destroy

APP = StackGraph(
    {
        "backend": frozenset(),
        "network": frozenset({"backend"}),
        "registry": frozenset({"backend"}),
        "cluster": frozenset({"backend", "network"}),
        "platform": frozenset({"backend", "cluster", "registry"}),
    }
)


class Interrupted(Exception):
    """The run was stopped (Ctrl-C, a lost connection, an API error) at this call."""


class Account:
    parallel_waves = False

    def __init__(self) -> None:
        self.stacks: set[str] = set()
        self.backend = BackendState.ABSENT
        self.bucket_objects: set[str] | None = None  # None: no bucket
        self.calls: list[str] = []
        self.changes = 0
        self.cleaned: list[str] = []
        self.fail_at: int | None = None

    def _call(self, name: str) -> None:
        if self.fail_at is not None and len(self.calls) == self.fail_at:
            self.fail_at = None
            raise Interrupted(name)
        self.calls.append(name)

    def backend_state(self) -> BackendState:
        return self.backend

    def apply_backend(self, on: BackendState) -> None:
        self._call(f"apply_backend:{on.value}")
        if on is BackendState.S3 and self.backend is not BackendState.S3:
            raise AssertionError("applied on S3 before the state was migrated there")
        if "backend" not in self.stacks:
            self.stacks.add("backend")
            self.bucket_objects = set()
            self.changes += 1
        if self.backend is BackendState.ABSENT:
            self.backend = BackendState.LOCAL

    def migrate_backend(self, to: BackendState) -> None:
        self._call(f"migrate_backend:{to.value}")
        if self.bucket_objects is None:
            raise AssertionError("migrated with no bucket")
        if to is BackendState.S3:
            self.bucket_objects.add("backend")
        else:
            self.bucket_objects.discard("backend")
        self.backend = to

    def apply(self, stack: str) -> None:
        self._call(f"apply:{stack}")
        if missing := APP.dependencies[stack] - self.stacks:
            raise AssertionError(f"{stack} applied before {sorted(missing)}")
        if self.backend is not BackendState.S3:
            raise AssertionError(f"{stack} applied before the backend's state was migrated")
        if stack not in self.stacks:
            self.stacks.add(stack)
            self.bucket_objects.add(stack)
            self.changes += 1

    def clean_up_before_destroy(self, stack: str) -> None:
        self._call(f"clean_up:{stack}")
        self.cleaned.append(stack)

    def destroy(self, stack: str) -> None:
        self._call(f"destroy:{stack}")
        if users := {name for name in self.stacks if stack in APP.dependencies[name]}:
            raise AssertionError(f"{stack} destroyed before {sorted(users)}")
        self.stacks.discard(stack)

    def empty_state_bucket(self) -> None:
        self._call("empty_state_bucket")
        if self.bucket_objects is not None:
            self.bucket_objects.clear()

    def destroy_backend(self) -> None:
        self._call("destroy_backend")
        if self.backend is not BackendState.LOCAL:
            raise AssertionError("backend destroyed while its state is in the bucket")
        if self.bucket_objects:
            raise AssertionError("BucketNotEmpty")
        self.stacks.discard("backend")
        self.bucket_objects = None
        self.backend = BackendState.ABSENT


def quiet() -> Report:
    return Report(io.StringIO())


def deployed(account: Account) -> bool:
    return account.stacks == set(APP.dependencies) and account.backend is BackendState.S3


def test_first_deploy_bootstraps_migrates_then_applies_in_dependency_order():
    account = Account()
    deploy(APP, account, quiet())
    assert account.calls == [
        "apply_backend:local",
        "migrate_backend:s3",
        "apply:network",
        "apply:registry",
        "apply:cluster",
        "apply:platform",
    ]
    assert deployed(account)
    assert account.bucket_objects == set(APP.dependencies)


def test_a_second_deploy_changes_nothing_and_does_not_bootstrap_again():
    account = Account()
    deploy(APP, account, quiet())
    changes, account.calls = account.changes, []
    deploy(APP, account, quiet())
    assert account.changes == changes
    assert account.calls[0] == "apply_backend:s3"
    assert "migrate_backend:s3" not in account.calls


FIRST_DEPLOY_CALLS = 6


@pytest.mark.parametrize("stopped_at", range(FIRST_DEPLOY_CALLS))
def test_a_deploy_stopped_at_any_step_continues_when_run_again(stopped_at):
    account = Account()
    account.fail_at = stopped_at
    with pytest.raises(Interrupted):
        deploy(APP, account, quiet())
    deploy(APP, account, quiet())
    assert deployed(account)
    assert account.changes == len(APP.dependencies), "every stack created exactly once"


def test_destroy_without_the_backend_leaves_the_state_store():
    account = Account()
    deploy(APP, account, quiet())
    account.calls = []
    destroy(APP, account, quiet(), including_backend=False)
    assert account.calls == [
        "clean_up:platform",
        "destroy:platform",
        "clean_up:cluster",
        "destroy:cluster",
        "clean_up:registry",
        "destroy:registry",
        "clean_up:network",
        "destroy:network",
    ]
    assert account.stacks == {"backend"}
    assert account.backend is BackendState.S3


def test_destroy_with_the_backend_moves_its_state_home_empties_the_bucket_and_ends_empty():
    account = Account()
    deploy(APP, account, quiet())
    destroy(APP, account, quiet(), including_backend=True)
    assert account.calls[-3:] == ["migrate_backend:local", "empty_state_bucket", "destroy_backend"]
    assert account.stacks == set()
    assert account.backend is BackendState.ABSENT
    assert account.bucket_objects is None


FULL_DESTROY_CALLS = 11


@pytest.mark.parametrize("stopped_at", range(FULL_DESTROY_CALLS))
def test_a_destroy_stopped_at_any_step_continues_when_run_again(stopped_at):
    account = Account()
    deploy(APP, account, quiet())
    account.calls, account.fail_at = [], stopped_at
    with pytest.raises(Interrupted):
        destroy(APP, account, quiet(), including_backend=True)
    destroy(APP, account, quiet(), including_backend=True)
    assert account.stacks == set()
    assert account.backend is BackendState.ABSENT


def test_the_call_counts_above_are_the_real_ones():
    account = Account()
    deploy(APP, account, quiet())
    assert len(account.calls) == FIRST_DEPLOY_CALLS
    account.calls = []
    destroy(APP, account, quiet(), including_backend=True)
    assert len(account.calls) == FULL_DESTROY_CALLS


def test_destroying_what_was_never_deployed_is_harmless():
    account = Account()
    destroy(APP, account, quiet(), including_backend=True)
    assert account.backend is BackendState.ABSENT
    assert "destroy_backend" not in account.calls


def test_a_stack_that_does_not_need_the_backend_is_refused_before_anything_runs():
    account = Account()
    graph = StackGraph({**APP.dependencies, "loose": frozenset()})
    with pytest.raises(SequenceError, match="every stack must depend on 'backend'"):
        deploy(graph, account, quiet())
    assert account.calls == []


def test_stacks_of_one_wave_run_side_by_side_when_the_executor_allows():
    class Parallel(Account):
        parallel_waves = True

        def apply(self, stack: str) -> None:
            time.sleep(0.2)
            super().apply(stack)

    account = Parallel()
    started = time.monotonic()
    deploy(APP, account, quiet())
    # network and registry share a wave: 3 waves of 0.2 s, not 4 stacks of 0.2 s.
    assert time.monotonic() - started < 0.75
    assert deployed(account)


def test_the_report_has_one_line_per_step_and_progress_for_long_steps():
    out = io.StringIO()
    report = Report(out, progress_seconds=0.05)
    with report.step("quick"):
        pass
    with report.step("slow"):
        time.sleep(0.18)
    with pytest.raises(Interrupted), report.step("broken"):
        raise Interrupted
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ok") and lines[0].endswith("  quick")
    progress = [line for line in lines if line.startswith("..")]
    assert progress and all(line.endswith("  slow") for line in progress)
    assert lines[-2].startswith("ok") and lines[-2].endswith("  slow")
    assert lines[-1].startswith("FAILED") and lines[-1].endswith("  broken")
    assert report.done == ["quick", "slow"]
