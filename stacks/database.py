"""database: RDS for PostgreSQL in the network's database subnets, reachable only from the
cluster."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from constructs import Construct

from infra_config import EnvironmentConfig
from infra_constructs.database import PostgresDatabase, PostgresDatabaseProps
from infra_constructs.eks import KubernetesCluster
from infra_constructs.network import Network
from stacks.base import EnvironmentStack, props_from


def database_identifier(config: EnvironmentConfig) -> str:
    """The RDS instance's identifier, `<project>-<environment>-postgres`."""
    return f"{config.name_prefix}-postgres"


class DatabaseStack(EnvironmentStack):
    """The instance and its key, subnet group, security group (5432 from the cluster's
    security group only), parameter group, log groups and monitoring role. Outputs: where to
    connect and where RDS keeps the password, none of them secret."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        network: Network,
        cluster: KubernetesCluster,
    ) -> None:
        super().__init__(scope, id, config=config)
        account = DataAwsCallerIdentity(self, "account")
        partition = DataAwsPartition(self, "partition")
        database = PostgresDatabase(
            self,
            "postgres",
            props=props_from(
                config.database,
                PostgresDatabaseProps,
                identifier=database_identifier(config),
                subnet_ids=tuple(network.database_subnet_ids),
                vpc_id=network.vpc_id,
                client_security_group_id=cluster.cluster_security_group_id,
                partition=partition.partition,
                region=config.aws.region,
                account_id=account.account_id,
            ),
        )
        self.database = database
        self.add_outputs(
            {
                "database_address": (database.address, "Host name of the PostgreSQL endpoint."),
                "database_port": (database.port, "Its port."),
                "database_name": (config.database.database_name, "The database Django uses."),
                "database_master_secret_arn": (
                    database.master_secret_arn,
                    "Secrets Manager secret (username, password) RDS manages and rotates.",
                ),
                "database_instance_arn": (database.instance_arn, "ARN of the instance."),
                "database_security_group_id": (
                    database.security_group_id,
                    "Security group of the instance.",
                ),
            }
        )
