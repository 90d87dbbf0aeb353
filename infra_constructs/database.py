"""RDS for PostgreSQL for the Django service: the instance and everything around it, in the
order terraform-aws-modules/rds lays it out (key, subnet group, security group, parameter
group, log groups, monitoring role, instance).

The master password is managed by RDS (`manage_master_user_password`): RDS creates it in
Secrets Manager and rotates it there, so no password is in the configuration, the synthesized
JSON or Terraform state. Connections must use TLS (`rds.force_ssl`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import (
    DbParameterGroup,
    DbParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import (
    VpcSecurityGroupIngressRule,
)
from constructs import Construct

from infra_constructs import rules
from infra_constructs.iam import managed_policy_arn, policy_json, service_trust_policy
from infra_constructs.rules import check_fields

POSTGRES_PORT = 5432
LOG_EXPORTS = ("postgresql", "upgrade")
"""The PostgreSQL log types RDS can publish to CloudWatch Logs, each into its own group."""
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
"""The RDS certificate authority the server certificate is signed by (clients verify it)."""
MONITORING_INTERVAL_SECONDS = 60
"""Enhanced Monitoring: OS metrics every minute."""
SLOW_STATEMENT_MILLISECONDS = 1000
"""Statements slower than this are logged (`log_min_duration_statement`)."""

_DB_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class PostgresDatabaseProps:
    """Properties of `PostgresDatabase`.

    identifier: the instance identifier, also the prefix of its other names (required;
        lower-case letters, digits and single hyphens, at most 63 characters).
    subnet_ids: the database subnets, two zones at least (required).
    vpc_id: their VPC (required).
    client_security_group_id: the only security group whose members may connect, on 5432: the
        cluster's, which the nodes and pods carry (required; no CIDR is ever admitted).
    partition / region / account_id: for the key policy and the monitoring role's policy
        (required).
    engine_version: PostgreSQL major version, "16" or "17" (required); RDS applies minor
        versions in the maintenance window.
    instance_class, allocated_storage_gib, max_allocated_storage_gib: size; storage grows by
        itself up to the maximum (required).
    multi_az: a standby in another zone, promoted on failure (required).
    deletion_protection: refuse to delete the instance (required).
    final_snapshot: take a snapshot `<identifier>-final` when the instance is deleted
        (required).
    backup_retention_days / backup_window / maintenance_window: automated backups and
        updates (required).
    log_retention_days: how long its CloudWatch log groups keep logs (required).
    performance_insights_retention_days: 7 (free) or a multiple of 31 up to 731 (required).
    database_name / master_username: the database Django uses and its owner (required).
    """

    identifier: str
    subnet_ids: tuple[str, ...]
    vpc_id: str
    client_security_group_id: str
    partition: str
    region: str
    account_id: str
    engine_version: str
    instance_class: str
    allocated_storage_gib: int
    max_allocated_storage_gib: int
    multi_az: bool
    deletion_protection: bool
    final_snapshot: bool
    backup_retention_days: int
    backup_window: str
    maintenance_window: str
    log_retention_days: int
    performance_insights_retention_days: int
    database_name: str
    master_username: str

    def __post_init__(self) -> None:
        if not (_DB_IDENTIFIER.fullmatch(self.identifier) and len(self.identifier) <= 57):
            raise ValueError(
                f"PostgresDatabaseProps.identifier: {self.identifier!r} is not allowed: use "
                "lower-case letters, digits and single hyphens, at most 57 characters (63 "
                "with '-final')"
            )
        check_fields(
            self,
            engine_version=rules.postgres_major_version,
            instance_class=rules.rds_instance_class,
            backup_window=rules.rds_backup_window,
            maintenance_window=rules.rds_maintenance_window,
            performance_insights_retention_days=rules.performance_insights_retention,
            database_name=rules.postgres_identifier,
            master_username=rules.postgres_identifier,
        )
        rules.rds_storage(self.allocated_storage_gib, self.max_allocated_storage_gib)
        if len(self.subnet_ids) < 2:
            raise ValueError(
                f"PostgresDatabaseProps.subnet_ids: {len(self.subnet_ids)} subnet(s); RDS needs "
                "a subnet group in two zones at least"
            )


class PostgresDatabase(Construct):
    """Key, subnet group, security group, parameter group, log groups, monitoring role and
    the instance. Attributes: `address`, `port`, `master_secret_arn`, `instance_arn`,
    `security_group_id`, `identifier`."""

    def __init__(self, scope: Construct, id: str, *, props: PostgresDatabaseProps) -> None:
        super().__init__(scope, id)
        name = props.identifier

        # Key ---------------------------------------------------------------------------------
        key = KmsKey(
            self,
            "key",
            description=f"Storage, snapshots and Performance Insights of {name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_json(
                [
                    {
                        "Sid": "AccountAdministersTheKeyThroughIam",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:{props.partition}:iam::{props.account_id}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        # The log groups are encrypted with it too: PostgreSQL's logs may hold
                        # statement text.
                        "Sid": "CloudWatchLogsEncryptTheDatabaseLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": f"logs.{props.region}.amazonaws.com"},
                        "Action": [
                            "kms:Encrypt*",
                            "kms:Decrypt*",
                            "kms:ReEncrypt*",
                            "kms:GenerateDataKey*",
                            "kms:Describe*",
                        ],
                        "Resource": "*",
                        "Condition": {
                            "ArnLike": {
                                "kms:EncryptionContext:aws:logs:arn": (
                                    f"arn:{props.partition}:logs:{props.region}:"
                                    f"{props.account_id}:log-group:/aws/rds/instance/{name}/*"
                                )
                            }
                        },
                    },
                ]
            ),
        )
        KmsAlias(self, "key-alias", name=f"alias/{name}", target_key_id=key.key_id)

        # Network -----------------------------------------------------------------------------
        subnet_group = DbSubnetGroup(
            self,
            "subnet-group",
            name=name,
            description=f"Database subnets of {name}",
            subnet_ids=list(props.subnet_ids),
        )
        security_group = SecurityGroup(
            self,
            "security-group",
            name=f"{name}-postgres",
            description=f"PostgreSQL of {name}: 5432 from the cluster only, no egress",
            vpc_id=props.vpc_id,
            # No egress rule: the database starts no connection (RDS needs none for itself).
            egress=[],
            revoke_rules_on_delete=True,
        )
        VpcSecurityGroupIngressRule(
            self,
            "from-cluster",
            security_group_id=security_group.id,
            description="PostgreSQL from the cluster's nodes and pods",
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            referenced_security_group_id=props.client_security_group_id,
        )

        # Parameters and logs ---------------------------------------------------------------
        parameters = DbParameterGroup(
            self,
            "parameters",
            name=f"{name}-postgres{props.engine_version}",
            family=f"postgres{props.engine_version}",
            description=f"TLS only and statement logging for {name}",
            parameter=[
                DbParameterGroupParameter(name="rds.force_ssl", value="1"),
                DbParameterGroupParameter(name="password_encryption", value="scram-sha-256"),
                DbParameterGroupParameter(name="log_statement", value="ddl"),
                DbParameterGroupParameter(
                    name="log_min_duration_statement", value=str(SLOW_STATEMENT_MILLISECONDS)
                ),
            ],
            # A new major version needs a new family: the new group exists before the old goes.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        log_groups = [
            CloudwatchLogGroup(
                self,
                f"log-{log}",
                name=f"/aws/rds/instance/{name}/{log}",
                retention_in_days=props.log_retention_days,
                kms_key_id=key.arn,
            )
            for log in LOG_EXPORTS
        ]
        monitoring_role = IamRole(
            self,
            "monitoring-role",
            name=f"{name}-rds-monitoring",
            assume_role_policy=service_trust_policy("monitoring.rds.amazonaws.com"),
        )
        monitoring = IamRolePolicyAttachment(
            self,
            "monitoring-policy",
            role=monitoring_role.name,
            policy_arn=managed_policy_arn(
                props.partition, "service-role/AmazonRDSEnhancedMonitoringRole"
            ),
        )

        # Instance ----------------------------------------------------------------------------
        instance = DbInstance(
            self,
            "instance",
            identifier=name,
            engine="postgres",
            engine_version=props.engine_version,
            auto_minor_version_upgrade=True,
            instance_class=props.instance_class,
            storage_type="gp3",
            allocated_storage=props.allocated_storage_gib,
            max_allocated_storage=props.max_allocated_storage_gib,
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_name=props.database_name,
            username=props.master_username,
            manage_master_user_password=True,
            port=POSTGRES_PORT,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            parameter_group_name=parameters.name,
            ca_cert_identifier=CA_CERTIFICATE,
            multi_az=props.multi_az,
            deletion_protection=props.deletion_protection,
            skip_final_snapshot=not props.final_snapshot,
            final_snapshot_identifier=f"{name}-final" if props.final_snapshot else None,
            copy_tags_to_snapshot=True,
            backup_retention_period=props.backup_retention_days,
            backup_window=props.backup_window,
            maintenance_window=props.maintenance_window,
            iam_database_authentication_enabled=True,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key.arn,
            performance_insights_retention_period=props.performance_insights_retention_days,
            monitoring_interval=MONITORING_INTERVAL_SECONDS,
            monitoring_role_arn=monitoring_role.arn,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            apply_immediately=False,
            depends_on=[*log_groups, monitoring],
        )

        self.identifier: str = name
        self.address: str = instance.address
        self.port: float = instance.port
        self.instance_arn: str = instance.arn
        self.master_secret_arn: str = instance.master_user_secret.get(0).secret_arn
        self.security_group_id: str = security_group.id
