"""The documented deploy path, run by real Terraform on rehearsal copies against the emulator."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from deployment.order import StackGraph, Waves
from rehearsal.copies import rehearsal_copy
from rehearsal.emulator import Emulator
from rehearsal.terraform import Terraform

BOOTSTRAP_STACK = "backend"
"""The stack that creates the state bucket: applied first on local state, destroyed last."""

EMULATED_PROVIDERS = frozenset({"aws"})
"""What the rehearsal can run: the AWS provider, against the emulator. A stack that needs any
other provider (platform: helm and kubernetes want a real cluster, and are not in the provider
mirror) is not rehearsed."""


def rehearsed_graph(manifest: dict, stacks: dict[str, dict]) -> StackGraph:
    """The stacks the rehearsal applies (those using only `EMULATED_PROVIDERS`), with the
    dependencies main.py declares (`deployment.order`). Refused unless every one of them
    depends on `BOOTSTRAP_STACK`, which must come first and go last."""
    rehearsed = [
        name
        for name, stack in stacks.items()
        if set(stack.get("provider", {})) <= EMULATED_PROVIDERS
    ]
    graph = StackGraph.from_manifest(manifest).only(rehearsed)
    if graph.deploy_waves()[0] != (BOOTSTRAP_STACK,):
        raise RehearsalFailure(
            f"every rehearsed stack must depend on {BOOTSTRAP_STACK!r} (it creates the state "
            f"bucket); the first deploy wave is {graph.deploy_waves()[0]}"
        )
    return graph


PLAN_NO_CHANGES, PLAN_CHANGES = 0, 2
"""Exit codes of `terraform plan -detailed-exitcode`."""

LOCK_WAIT_SECONDS = 60
"""How long a `terraform console` may take to hold its locks, and to let them go."""
REFUSAL_SECONDS = 30
"""A run that meets a held lock with `-lock-timeout=0s` ends well within this (about 1 s)."""
LOCK_ERROR = "Error acquiring the state lock"


class RehearsalFailure(Exception):
    """A step of the rehearsal did not go as the README says it goes."""


class Rehearsal:
    """Rehearsal copies of one environment's stacks in `workdir`, and the steps that run them.

    `manifest` and `stacks` are the app as synthesized (backend on local state, as shipped);
    `backend_on_s3` is the backend stack synthesized with `state.backend_stack_state: s3`,
    the configuration its state is migrated with (README step 2). The stacks rehearsed and
    their order come from `rehearsed_graph`.
    """

    def __init__(
        self,
        terraform: Terraform,
        emulator: Emulator,
        workdir: Path,
        manifest: dict,
        stacks: dict[str, dict],
        backend_on_s3: dict,
    ) -> None:
        self.terraform = terraform
        self.emulator = emulator
        self.state_dir = workdir / "state"
        self.state_dir.mkdir()
        self.stacks_dir = workdir / "stacks"
        graph = rehearsed_graph(manifest, stacks)
        self.deploy_waves: Waves = graph.deploy_waves()
        """Waves of stacks to apply, `(BOOTSTRAP_STACK,)` first."""
        self.destroy_waves: Waves = graph.destroy_waves()
        """Waves of stacks to destroy, `(BOOTSTRAP_STACK,)` last."""
        self.stack_names = graph.deploy_order()
        self._copies = {name: self._copy(stacks[name]) for name in self.stack_names}
        self._backend_on_s3 = self._copy(backend_on_s3)
        for name, stack in self._copies.items():
            self.stack_dir(name).mkdir(parents=True)
            self._write(name, stack)

    @property
    def local_backend_state(self) -> Path:
        """Where the backend stack keeps its state before the migration and for the teardown."""
        return Path(self._copies["backend"]["terraform"]["backend"]["local"]["path"])

    @property
    def state_bucket(self) -> str:
        return self._backend_on_s3["terraform"]["backend"]["s3"]["bucket"]

    @property
    def lock_table(self) -> str:
        return self._backend_on_s3["terraform"]["backend"]["s3"]["dynamodb_table"]

    def state_key(self, name: str) -> str:
        """Object key of stack `name`'s state in the state bucket."""
        stack = self._backend_on_s3 if name == "backend" else self._copies[name]
        return stack["terraform"]["backend"]["s3"]["key"]

    def stack_dir(self, name: str) -> Path:
        return self.stacks_dir / name

    def copy_of(self, name: str) -> dict:
        """The rehearsal copy of stack `name` (the backend's: on local state)."""
        return self._copies[name]

    # Deploy --------------------------------------------------------------------------------

    def bootstrap_backend(self) -> None:
        """README step 1: apply the backend stack on local state."""
        self._apply("backend")

    def migrate_backend_state(self) -> None:
        """README step 2: move the backend's state into its bucket; delete the local file
        once a plan on the S3 backend shows no changes."""
        self._write("backend", self._backend_on_s3)
        self.terraform.run(self.stack_dir("backend"), "init", "-migrate-state", "-force-copy")
        plan = self.plan("backend")
        if plan.returncode != PLAN_NO_CHANGES:
            raise RehearsalFailure(
                f"backend: plan after the state migration is not empty:\n"
                f"{plan.stdout[-4000:]}{plan.stderr[-2000:]}"
            )
        self.local_backend_state.unlink()

    def deploy_the_rest(self) -> None:
        """README step 3: every stack after the backend, wave by wave."""
        for wave in self.deploy_waves[1:]:
            self._side_by_side(self._apply, wave)

    def _apply(self, name: str) -> None:
        self.terraform.run(self.stack_dir(name), "init")
        self.terraform.run(self.stack_dir(name), "apply", "-auto-approve")

    # Plans and locks -----------------------------------------------------------------------

    def plan(self, name: str, *args: str) -> subprocess.CompletedProcess:
        """`terraform plan -detailed-exitcode`: exit 0 no changes, 2 changes, 1 error."""
        return self.terraform.run(
            self.stack_dir(name),
            "plan",
            "-detailed-exitcode",
            *args,
            expect=(PLAN_NO_CHANGES, PLAN_CHANGES, 1),
        )

    def planned_changes(self, name: str) -> dict:
        """A fresh plan of stack `name` in Terraform's JSON plan representation (with no
        `resource_changes` when there are none)."""
        plan_file = self.stack_dir(name) / "rehearsal.tfplan"
        plan = self.plan(name, f"-out={plan_file}")
        if plan.returncode == 1:
            raise RehearsalFailure(f"{name}: plan failed:\n{plan.stderr[-4000:]}")
        if plan.returncode == PLAN_NO_CHANGES:
            return {}
        shown = self.terraform.run(self.stack_dir(name), "show", "-json", str(plan_file))
        return json.loads(shown.stdout)

    def planned_changes_of(self, names: tuple[str, ...]) -> dict[str, dict]:
        """`planned_changes` of several stacks, side by side."""
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            return dict(zip(names, pool.map(self.planned_changes, names), strict=True))

    def state_version(self, name: str) -> str:
        """S3 version id of stack `name`'s state object: it changes whenever state is written."""
        return self.emulator.client("s3").head_object(
            Bucket=self.state_bucket, Key=self.state_key(name)
        )["VersionId"]

    def lock_holders(self, name: str) -> set[str]:
        """Which locks on stack `name`'s state are taken: "s3-lockfile", "dynamodb"."""
        holders = set()
        listing = self.emulator.client("s3").list_objects_v2(
            Bucket=self.state_bucket, Prefix=f"{self.state_key(name)}.tflock"
        )
        if listing.get("KeyCount"):
            holders.add("s3-lockfile")
        item = self.emulator.client("dynamodb").get_item(
            TableName=self.lock_table,
            Key={"LockID": {"S": f"{self.state_bucket}/{self.state_key(name)}"}},
        )
        if "Item" in item:
            holders.add("dynamodb")
        return holders

    def prove_second_run_refused(self, name: str) -> None:
        """While stack `name`'s state is locked, a plan with `-lock-timeout=0s` fails at once
        with Terraform's lock error, and the state object is not written."""
        version = self.state_version(name)
        started = time.monotonic()
        plan = self.plan(name, "-lock-timeout=0s")
        elapsed = time.monotonic() - started
        if plan.returncode != 1 or LOCK_ERROR not in plan.stderr:
            raise RehearsalFailure(
                f"{name}: a second run was not refused by the lock "
                f"(exit {plan.returncode}):\n{plan.stderr[-3000:]}"
            )
        if elapsed > REFUSAL_SECONDS:
            raise RehearsalFailure(f"{name}: the refused run took {elapsed:.0f} s")
        if self.state_version(name) != version:
            raise RehearsalFailure(f"{name}: the refused run wrote the state")

    @contextmanager
    def holding_state_lock(self, name: str) -> Iterator[None]:
        """A `terraform console` on stack `name` holds its state lock for the `with` block."""
        console = self.terraform.start(self.stack_dir(name), "console")
        try:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while self.lock_holders(name) != {"s3-lockfile", "dynamodb"}:
                if console.poll() is not None or time.monotonic() > deadline:
                    raise RehearsalFailure(f"{name}: terraform console did not take both locks")
                time.sleep(0.2)
            yield
        finally:
            try:
                console.communicate(timeout=LOCK_WAIT_SECONDS)  # end of input: console exits
            except subprocess.TimeoutExpired:
                console.kill()
                console.communicate()
                raise

    @contextmanager
    def planted_lock(self, name: str, holder: str) -> Iterator[None]:
        """The lock `holder` ("s3-lockfile" or "dynamodb") of stack `name`, as another Terraform
        run would leave it, removed again when the `with` block ends."""
        info = json.dumps(
            {
                "ID": "rehearsal-other-holder",
                "Operation": "OperationTypeApply",
                "Who": "someone-else@elsewhere",
                "Version": "1.11.0",
                "Info": "",
                "Path": f"{self.state_bucket}/{self.state_key(name)}",
            }
        )
        s3, dynamodb = self.emulator.client("s3"), self.emulator.client("dynamodb")
        lockfile = f"{self.state_key(name)}.tflock"
        lock_id = {"LockID": {"S": f"{self.state_bucket}/{self.state_key(name)}"}}
        if holder == "s3-lockfile":
            s3.put_object(Bucket=self.state_bucket, Key=lockfile, Body=info.encode())
        else:
            dynamodb.put_item(TableName=self.lock_table, Item={**lock_id, "Info": {"S": info}})
        try:
            yield
        finally:
            if holder == "s3-lockfile":
                s3.delete_object(Bucket=self.state_bucket, Key=lockfile)
            else:
                dynamodb.delete_item(TableName=self.lock_table, Key=lock_id)

    # Teardown ------------------------------------------------------------------------------

    def destroy_all(self) -> None:
        """Every stack, wave by wave; the backend by `teardown_backend`."""
        for wave in self.destroy_waves[:-1]:
            self._side_by_side(self._destroy, wave)
        self.teardown_backend()

    def teardown_backend(self) -> None:
        """The bootstrap in reverse: state back to local, bucket emptied, stack destroyed.

        The bucket cannot be destroyed while it holds the state of the run destroying it, and
        S3 refuses to delete a bucket with objects (every version of every stack's state).
        """
        self._write("backend", self._copies["backend"])
        self.terraform.run(self.stack_dir("backend"), "init", "-migrate-state", "-force-copy")
        self._empty_state_bucket()
        self._destroy("backend")

    def _destroy(self, name: str) -> None:
        self.terraform.run(self.stack_dir(name), "destroy", "-auto-approve")

    def _empty_state_bucket(self) -> None:
        s3 = self.emulator.client("s3")
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=self.state_bucket):
            for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
                s3.delete_object(
                    Bucket=self.state_bucket, Key=version["Key"], VersionId=version["VersionId"]
                )

    # Helpers -------------------------------------------------------------------------------

    def _side_by_side(self, step: Callable[[str], None], names: tuple[str, ...]) -> None:
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            for future in [pool.submit(step, name) for name in names]:
                future.result()

    def _copy(self, stack: dict) -> dict:
        return rehearsal_copy(
            stack,
            endpoint=self.emulator.endpoint,
            state_dir=self.state_dir,
            provider_version=self.terraform.toolchain.aws_provider_version,
        )

    def _write(self, name: str, stack: dict) -> None:
        (self.stack_dir(name) / "cdk.tf.json").write_text(json.dumps(stack, indent=2))
