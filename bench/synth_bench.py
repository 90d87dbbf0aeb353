"""`make bench`: wall time and peak memory of a full synth, lazy providers against eager ones.

Every round runs `python main.py` (what `cdktf synth` runs: every stack of the environment) twice,
each time in a fresh process writing into an emptied directory: as shipped, with the lazy
provider loader (app_runtime/provider_loader.py), and with INFRA_EAGER_PROVIDERS=1, which
loads the provider packages as they ship: the path synth took before the loader.

It prints, for each, the median wall time and the peak memory over all runs: the largest sum of
the resident set sizes of the whole process tree (python and its node children), sampled every
50 ms; then the ratio of the medians, and whether both wrote the same bytes (exit status 1 if
not).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INTERVAL_S = 0.05
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SYNTH = [sys.executable, "main.py"]


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    peak_rss_bytes: int


def process_tree(root: int) -> list[int]:
    """`root` and every process descending from it (from /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # the process ended meanwhile
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def tree_rss_bytes(root: int) -> int:
    """The summed resident set size of `root`'s process tree, now."""
    total = 0
    for pid in process_tree(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            continue
    return total


def measure(command: list[str], env: dict[str, str]) -> Measurement:
    """Run `command` in the repository; its wall time and the peak RSS of its process tree."""
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(process.pid))
            done.wait(SAMPLE_INTERVAL_S)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    return Measurement(wall_s=wall, peak_rss_bytes=peak)


def same_files(left: Path, right: Path) -> bool:
    """Whether two directory trees hold the same files with the same bytes."""
    comparison = filecmp.dircmp(left, right)
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)
    return (
        not mismatch
        and not errors
        and all(same_files(left / name, right / name) for name in comparison.common_dirs)
    )


@dataclass(frozen=True)
class Variant:
    label: str
    extra_env: dict[str, str]
    outdir_name: str


LAZY_SYNTH = Variant("lazy providers (default)", {}, "lazy")
EAGER_SYNTH = Variant(
    "eager providers (INFRA_EAGER_PROVIDERS=1)", {"INFRA_EAGER_PROVIDERS": "1"}, "eager"
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="dev", help="environment to synthesize (default dev)")
    parser.add_argument("--runs", type=int, default=3, help="rounds (default 3, at least 3)")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs: give at least 3, so that the median means something")

    base_env = {**os.environ, "INFRA_ENV": args.env}
    base_env.pop("INFRA_EAGER_PROVIDERS", None)
    variants = (LAZY_SYNTH, EAGER_SYNTH)
    results: dict[str, list[Measurement]] = {variant.label: [] for variant in variants}
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as scratch:
        for round_number in range(1, args.runs + 1):
            for variant in variants:
                outdir = Path(scratch) / variant.outdir_name
                shutil.rmtree(outdir, ignore_errors=True)  # nothing is reused between runs
                env = {**base_env, **variant.extra_env, "CDKTF_OUTDIR": str(outdir)}
                results[variant.label].append(measure(SYNTH, env))
                print(
                    f"round {round_number}/{args.runs}: {variant.label}: "
                    f"{results[variant.label][-1].wall_s:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
        lazy_out, eager_out = (Path(scratch) / v.outdir_name for v in (LAZY_SYNTH, EAGER_SYNTH))
        identical = same_files(lazy_out, eager_out)
        stack_count = len(json.loads((lazy_out / "manifest.json").read_text())["stacks"])

    print(
        f"\nenvironment '{args.env}', {stack_count} stacks; {args.runs} runs each; "
        f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}, Node {_node_version()}"
    )
    print(f"{'full synth (python main.py)':44} {'median wall':>12} {'peak RSS of tree':>17}")
    for label, runs in results.items():
        print(
            f"{label:44} {_median_wall(runs):>10.1f} s "
            f"{max(run.peak_rss_bytes for run in runs) / 1e9:>14.2f} GB"
        )
    speedup = _median_wall(results[EAGER_SYNTH.label]) / _median_wall(results[LAZY_SYNTH.label])
    print(
        f"\nlazy is {speedup:.1f}x faster than eager; "
        f"synthesized files identical: {'yes' if identical else 'NO'}"
    )
    return 0 if identical else 1


def _median_wall(runs: list[Measurement]) -> float:
    return statistics.median(run.wall_s for run in runs)


def _node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
