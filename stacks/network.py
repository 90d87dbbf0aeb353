"""network: the VPC every other piece runs in."""

from __future__ import annotations

from constructs import Construct

from infra_config import EnvironmentConfig
from infra_constructs.network import Network, NetworkProps
from stacks.base import EnvironmentStack, cluster_name, props_from


class NetworkStack(EnvironmentStack):
    """VPC, subnets per AZ, NAT, routes, flow logs. Attribute `network` for the cluster stack."""

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        props = props_from(
            config.network,
            NetworkProps,
            name=config.name_prefix,
            region=config.aws.region,
            cidr=config.network.vpc_cidr,
            cluster_name=cluster_name(config),
        )
        self.network = Network(self, "network", props=props)
        self.add_outputs(
            {
                "vpc_id": (self.network.vpc_id, "VPC id."),
                "private_subnet_ids": (
                    self.network.private_subnet_ids,
                    "Private subnet ids, one per AZ (nodes, internal LBs).",
                ),
                "public_subnet_ids": (
                    self.network.public_subnet_ids,
                    "Public subnet ids, one per AZ (NAT, internet-facing LBs).",
                ),
                "database_subnet_ids": (
                    self.network.database_subnet_ids,
                    "Database subnet ids, one per AZ (RDS; no route out of the VPC).",
                ),
            }
        )
