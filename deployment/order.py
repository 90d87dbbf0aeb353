"""The deploy and destroy order of an environment's stacks, computed from their dependencies.

`main.py` declares which stack depends on which (`add_dependency`); `cdktf synth` records that in
`manifest.json` (`stacks.<name>.dependencies`). Nothing else states the order: `StackGraph`
reads it from the manifest and sorts it topologically (`graphlib`) into waves. The stacks of one
wave do not depend on each other and may run side by side, as `cdktf deploy` runs them; a wave
starts once every stack of the waves before it is done.
"""

from __future__ import annotations

import graphlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

Waves = tuple[tuple[str, ...], ...]
"""Stack names in groups: each group after every group it depends on; names sorted in a group."""


class StackOrderError(ValueError):
    """The declared dependencies admit no order (a cycle), or a subset cuts a dependency."""


@dataclass(frozen=True)
class StackGraph:
    """Which stack depends on which: `dependencies[name]` is what `name` needs deployed first."""

    dependencies: Mapping[str, frozenset[str]]

    def __post_init__(self) -> None:
        for name, needs in self.dependencies.items():
            if unknown := sorted(needs - self.dependencies.keys()):
                raise StackOrderError(f"stack {name!r} depends on unknown stacks {unknown}")
        object.__setattr__(self, "dependencies", MappingProxyType(dict(self.dependencies)))

    @classmethod
    def from_manifest(cls, manifest: Mapping) -> StackGraph:
        """The graph `cdktf synth` recorded in a parsed `manifest.json`."""
        return cls(
            {
                name: frozenset(stack.get("dependencies", ()))
                for name, stack in manifest["stacks"].items()
            }
        )

    @classmethod
    def from_outdir(cls, outdir: Path) -> StackGraph:
        """The graph of a synthesized output directory (`cdktf.out` or another `--output`)."""
        return cls.from_manifest(json.loads((Path(outdir) / "manifest.json").read_text()))

    def only(self, names: Iterable[str]) -> StackGraph:
        """The graph of `names` alone. Refused when a kept stack depends on one left out: its
        order would no longer say that the other must exist first."""
        kept = frozenset(names)
        if unknown := sorted(kept - self.dependencies.keys()):
            raise StackOrderError(f"no such stacks: {unknown}")
        for name in sorted(kept):
            if cut := sorted(self.dependencies[name] - kept):
                raise StackOrderError(
                    f"stack {name!r} depends on {cut}, which the subset leaves out: "
                    "keep them too, or leave out everything that depends on them"
                )
        return StackGraph({name: self.dependencies[name] for name in kept})

    def dependents(self) -> dict[str, frozenset[str]]:
        """The reverse graph: `dependents()[name]` is every stack that needs `name`."""
        reverse: dict[str, set[str]] = {name: set() for name in self.dependencies}
        for name, needs in self.dependencies.items():
            for need in needs:
                reverse[need].add(name)
        return {name: frozenset(users) for name, users in reverse.items()}

    def deploy_waves(self) -> Waves:
        """Each stack after everything it depends on."""
        return _waves(self.dependencies)

    def destroy_waves(self) -> Waves:
        """Each stack after everything that depends on it: the deploy order, reversed."""
        return _waves(self.dependents())

    def deploy_order(self) -> tuple[str, ...]:
        """`deploy_waves`, one stack at a time."""
        return tuple(name for wave in self.deploy_waves() for name in wave)

    def destroy_order(self) -> tuple[str, ...]:
        """`destroy_waves`, one stack at a time."""
        return tuple(name for wave in self.destroy_waves() for name in wave)


def _waves(needs: Mapping[str, frozenset[str]]) -> Waves:
    sorter = graphlib.TopologicalSorter(needs)
    try:
        sorter.prepare()
    except graphlib.CycleError as cycle:
        path = " -> ".join(cycle.args[1])
        raise StackOrderError(f"the stack dependencies form a cycle: {path}") from None
    waves = []
    while sorter.is_active():
        wave = tuple(sorted(sorter.get_ready()))
        sorter.done(*wave)
        waves.append(wave)
    return tuple(waves)
