"""The stacks to rehearse, synthesized in this process by the app's own `build_app`."""

from __future__ import annotations

import json
from pathlib import Path

from deployment.sequence import BOOTSTRAP_STACK
from infra_config import EnvironmentConfig
from main import build_app


def synthesize(config: EnvironmentConfig, outdir: Path) -> tuple[dict, dict[str, dict]]:
    """The environment as `cdktf synth` writes it: the manifest, and every stack by name."""
    build_app(config, str(outdir)).synth()
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = {
        name: json.loads((outdir / stack["synthesizedStackPath"]).read_text())
        for name, stack in manifest["stacks"].items()
    }
    return manifest, stacks


def backend_stack_on_s3(config: EnvironmentConfig, outdir: Path) -> dict:
    """The backend stack as README step 2 synthesizes it, `state.backend_stack_state: s3`."""
    state = config.state.model_copy(update={"backend_stack_state": "s3"})
    _, stacks = synthesize(config.model_copy(update={"state": state}), outdir)
    return stacks[BOOTSTRAP_STACK]
