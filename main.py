"""cdktf entry point: load the environment's config, build the stacks, synthesize.

The environment comes from INFRA_ENV (default `dev`); `make synth ENV=prod` sets it.
"""

from __future__ import annotations

import os
import sys

from app_runtime import provider_loader

provider_loader.install()  # first: before cdktf starts the jsii kernel (README, "Synth speed")

from cdktf import App  # noqa: E402

from infra_config import (  # noqa: E402
    DEFAULT_ENVIRONMENT,
    ConfigError,
    EnvironmentConfig,
    load_config,
)
from infra_config.overrides import SynthOverrides  # noqa: E402
from infra_constructs.rds_ca import RdsCaError  # noqa: E402
from stacks.addons import AddonsStack  # noqa: E402
from stacks.backend import BackendStack  # noqa: E402
from stacks.cluster import ClusterStack  # noqa: E402
from stacks.database import DatabaseStack  # noqa: E402
from stacks.network import NetworkStack  # noqa: E402
from stacks.platform import PlatformStack  # noqa: E402
from stacks.registry import RegistryStack  # noqa: E402


def build_app(
    config: EnvironmentConfig, outdir: str | None = None, *, backend_teardown: bool = False
) -> App:
    """Every stack of one environment, with their dependencies declared. `backend_teardown`
    lifts the backend's `prevent_destroy` (`make destroy`, after its second confirmation)."""
    app = App(outdir=outdir) if outdir else App()
    backend = BackendStack(app, "backend", config=config, teardown=backend_teardown)
    network = NetworkStack(app, "network", config=config)
    registry = RegistryStack(app, "registry", config=config)
    cluster = ClusterStack(app, "cluster", config=config, network=network.network)
    # The database stack exists with RDS only (database.kind); in-cluster, the chart runs it.
    database = (
        DatabaseStack(
            app, "database", config=config, network=network.network, cluster=cluster.cluster
        )
        if config.database.kind == "rds"
        else None
    )
    addons = AddonsStack(app, "addons", config=config)
    platform = PlatformStack(app, "platform", config=config)
    for stack in (network, registry, cluster, database, addons, platform):
        if stack is not None:
            stack.add_dependency(backend)
    cluster.add_dependency(network)
    if database is not None:
        database.add_dependency(network)
        database.add_dependency(cluster)
        platform.add_dependency(database)
    addons.add_dependency(cluster)
    platform.add_dependency(cluster)
    platform.add_dependency(addons)
    platform.add_dependency(registry)
    return app


def main() -> int:
    environment = os.environ.get("INFRA_ENV", DEFAULT_ENVIRONMENT)
    try:
        overrides = SynthOverrides.from_environment(os.environ)
        config = overrides.applied_to(load_config(environment))
        app = build_app(config, backend_teardown=overrides.backend_teardown)
    except (ConfigError, RdsCaError) as error:
        print(f"config error: {error}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
