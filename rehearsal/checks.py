"""What the stacks promise (README), checked through the emulator's AWS API after the deploy.

Each check takes the emulator and the environment's config and raises `PromiseBroken` naming
what is missing or wrong. `leftovers` lists what a teardown left behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from infra_config import EnvironmentConfig
from infra_constructs.registry import cache_repository_name
from rehearsal.emulator import Emulator

CONTROL_PLANE_LOG_TYPES = {"api", "audit", "authenticator", "controllerManager", "scheduler"}
"""README: all five control-plane log types go to CloudWatch Logs."""
IMDS_HOP_LIMIT = 1
"""README: nodes require IMDSv2 with hop limit 1."""


class PromiseBroken(AssertionError):
    """A deployed resource does not do what the README says it does."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise PromiseBroken(message)


def _cluster_name(config: EnvironmentConfig) -> str:
    """README: the cluster is named `<project>-<environment>`."""
    return config.name_prefix


def _state_key(config: EnvironmentConfig, stack: str) -> str:
    """README: a stack's state is the object `<project>/<environment>/<stack>.tfstate`."""
    return f"{config.project}/{config.environment}/{stack}.tfstate"


def _tags(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def state_bucket_is_hardened(aws: Emulator, config: EnvironmentConfig) -> None:
    """Versioned, AES256 by default, all public access blocked, ACLs off, TLS-only policy,
    noncurrent versions expire."""
    s3, bucket = aws.client("s3"), config.state.bucket
    _expect(
        s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled",
        f"state bucket {bucket}: versioning is not enabled",
    )
    [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    _expect(
        rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256",
        f"state bucket {bucket}: default encryption is not AES256: {rule}",
    )
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    _expect(
        all(block.values()) and len(block) == 4,
        f"state bucket {bucket}: public access is not fully blocked: {block}",
    )
    [ownership] = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    _expect(
        ownership["ObjectOwnership"] == "BucketOwnerEnforced",
        f"state bucket {bucket}: ACLs are not disabled: {ownership}",
    )
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    _expect(
        any(
            statement["Effect"] == "Deny"
            and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
            for statement in statements
        ),
        f"state bucket {bucket}: no policy statement denies requests without TLS",
    )
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    _expect(
        any(
            rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")
            == config.state.noncurrent_version_expiration_days
            for rule in rules
        ),
        f"state bucket {bucket}: noncurrent state versions do not expire after "
        f"{config.state.noncurrent_version_expiration_days} days: {rules}",
    )


def lock_table_fits_the_s3_backend(aws: Emulator, config: EnvironmentConfig) -> None:
    """`LockID` string hash key, on-demand, point-in-time recovery, server-side encryption."""
    dynamodb, name = aws.client("dynamodb"), config.state.lock_table
    _expect(name in dynamodb.list_tables()["TableNames"], f"lock table {name} does not exist")
    table = dynamodb.describe_table(TableName=name)["Table"]
    _expect(
        table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]
        and {"AttributeName": "LockID", "AttributeType": "S"} in table["AttributeDefinitions"],
        f"lock table {name}: hash key is not the string LockID: {table['KeySchema']}",
    )
    _expect(
        table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST",
        f"lock table {name}: billing is not on demand",
    )
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    _expect(
        backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED",
        f"lock table {name}: point-in-time recovery is off",
    )
    _expect(
        table.get("SSEDescription", {}).get("Status") == "ENABLED",
        f"lock table {name}: server-side encryption is off",
    )


def every_state_is_in_the_bucket(
    aws: Emulator, config: EnvironmentConfig, stack_names: Iterable[str]
) -> None:
    """Each rehearsed stack's state, the backend's own included, is an object in the bucket."""
    listing = aws.client("s3").list_objects_v2(Bucket=config.state.bucket)
    keys = {item["Key"] for item in listing.get("Contents", [])}
    missing = [key for key in (_state_key(config, name) for name in stack_names) if key not in keys]
    _expect(not missing, f"state bucket {config.state.bucket}: no state object {missing}")


def _vpc(aws: Emulator, config: EnvironmentConfig) -> dict:
    vpcs = aws.client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": [config.name_prefix]}]
    )["Vpcs"]
    _expect(len(vpcs) == 1, f"expected one VPC named {config.name_prefix}, found {len(vpcs)}")
    return vpcs[0]


def _subnets_by_role(aws: Emulator, vpc_id: str) -> dict[str, list[dict]]:
    """The VPC's subnets by where their default route leads: "private" (a NAT gateway),
    "public" (the internet gateway) or "isolated" (nowhere)."""
    ec2 = aws.client("ec2")
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
    route_tables = ec2.describe_route_tables(Filters=filters)["RouteTables"]
    roles: dict[str, list[dict]] = {"private": [], "public": [], "isolated": []}
    for subnet in ec2.describe_subnets(Filters=filters)["Subnets"]:
        default_routes = [
            route
            for table in route_tables
            for association in table["Associations"]
            if association.get("SubnetId") == subnet["SubnetId"]
            for route in table["Routes"]
            if route.get("DestinationCidrBlock") == "0.0.0.0/0"
        ]
        role = (
            "private"
            if any("NatGatewayId" in route for route in default_routes)
            else "public"
            if any(route.get("GatewayId", "").startswith("igw-") for route in default_routes)
            else "isolated"
        )
        roles[role].append(subnet)
    return roles


def vpc_spans_the_configured_zones(aws: Emulator, config: EnvironmentConfig) -> None:
    """The configured CIDR with DNS; one private, one public and one database subnet in each
    of `az_count` zones; no public IPs on launch; EKS subnet tags, none on the database tier,
    which alone has no default route."""
    ec2, vpc = aws.client("ec2"), _vpc(aws, config)
    _expect(
        vpc["CidrBlock"] == config.network.vpc_cidr,
        f"VPC CIDR is {vpc['CidrBlock']}, not {config.network.vpc_cidr}",
    )
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        answer = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)
        _expect(answer[attribute[0].upper() + attribute[1:]]["Value"], f"VPC {attribute} is off")
    roles = _subnets_by_role(aws, vpc["VpcId"])
    isolated = roles["isolated"]
    _expect(
        sorted(subnet["AvailabilityZone"] for subnet in isolated)
        == sorted({subnet["AvailabilityZone"] for subnet in roles["private"]})
        and all("-database-" in _tags(subnet).get("Name", "") for subnet in isolated),
        "subnets without a default route must be the database tier, one per zone: "
        f"{[(_tags(subnet).get('Name'), subnet['AvailabilityZone']) for subnet in isolated]}",
    )
    for subnet in isolated:
        _expect(
            not any(key.startswith("kubernetes.io/") for key in _tags(subnet)),
            f"database subnet {subnet['SubnetId']} carries Kubernetes tags: {_tags(subnet)}",
        )
    cluster_tag = f"kubernetes.io/cluster/{_cluster_name(config)}"
    for role, elb_tag in (
        ("private", "kubernetes.io/role/internal-elb"),
        ("public", "kubernetes.io/role/elb"),
    ):
        zones = sorted(subnet["AvailabilityZone"] for subnet in roles[role])
        _expect(
            len(zones) == config.network.az_count and len(set(zones)) == len(zones),
            f"{role} subnets: expected one in each of {config.network.az_count} zones, "
            f"found zones {zones}",
        )
        for subnet in roles[role]:
            tags = _tags(subnet)
            _expect(
                not subnet["MapPublicIpOnLaunch"],
                f"{role} subnet {subnet['SubnetId']} assigns public IPs on launch",
            )
            _expect(
                tags.get(elb_tag) == "1" and tags.get(cluster_tag) == "shared",
                f"{role} subnet {subnet['SubnetId']} lacks the EKS tags: {tags}",
            )
    private_zones = {subnet["AvailabilityZone"] for subnet in roles["private"]}
    public_zones = {subnet["AvailabilityZone"] for subnet in roles["public"]}
    _expect(
        private_zones == public_zones,
        f"private subnets in {sorted(private_zones)}, public in {sorted(public_zones)}",
    )


def private_subnets_reach_the_internet_through_nat(
    aws: Emulator, config: EnvironmentConfig
) -> None:
    """NAT gateways (one, or one per zone) in public subnets carry the private subnets'
    default routes."""
    ec2, vpc = aws.client("ec2"), _vpc(aws, config)
    gateways = [
        gateway
        for gateway in ec2.describe_nat_gateways(
            Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        )["NatGateways"]
        if gateway["State"] == "available"
    ]
    expected = 1 if config.network.single_nat_gateway else config.network.az_count
    _expect(
        len(gateways) == expected,
        f"expected {expected} available NAT gateway(s), found {len(gateways)}",
    )
    roles = _subnets_by_role(aws, vpc["VpcId"])
    public_ids = {subnet["SubnetId"] for subnet in roles["public"]}
    _expect(
        all(gateway["SubnetId"] in public_ids for gateway in gateways),
        "a NAT gateway is not in a public subnet",
    )
    _expect(
        len(roles["private"]) == config.network.az_count,
        f"only {len(roles['private'])} subnet(s) route to the internet through NAT",
    )


def vpc_flow_logs_go_to_a_bounded_log_group(aws: Emulator, config: EnvironmentConfig) -> None:
    """All traffic of the VPC is logged to CloudWatch Logs with the configured retention,
    through a role whose policies may write to that log group only."""
    vpc = _vpc(aws, config)
    logs = aws.client("ec2").describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}]
    )["FlowLogs"]
    _expect(
        len(logs) == 1
        and logs[0]["TrafficType"] == "ALL"
        and logs[0]["LogDestinationType"] == "cloud-watch-logs",
        f"expected one flow log of ALL traffic to CloudWatch Logs, found {logs}",
    )
    group_arn = logs[0]["LogDestination"]
    group_name = group_arn.split(":log-group:", 1)[1]
    [group] = [
        group
        for group in aws.client("logs").describe_log_groups(logGroupNamePrefix=group_name)[
            "logGroups"
        ]
        if group["logGroupName"] == group_name
    ]
    _expect(
        group.get("retentionInDays") == config.network.flow_log_retention_days,
        f"flow log group {group_name} keeps logs for {group.get('retentionInDays')} "
        f"days, not {config.network.flow_log_retention_days}",
    )
    iam = aws.client("iam")
    role = logs[0]["DeliverLogsPermissionArn"].rsplit("/", 1)[1]
    _expect(
        not iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"],
        f"flow log role {role} has managed policies attached",
    )
    resources = set()
    for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
        for statement in (json.loads(document) if isinstance(document, str) else document)[
            "Statement"
        ]:
            resource = statement["Resource"]
            resources.update([resource] if isinstance(resource, str) else resource)
    _expect(
        resources == {group_arn, f"{group_arn}:*"},
        f"flow log role {role} may write to {sorted(resources)}, not only {group_name}",
    )


def s3_gateway_endpoint_serves_private_subnets(aws: Emulator, config: EnvironmentConfig) -> None:
    """A gateway endpoint for S3 is attached to every private route table."""
    ec2, vpc = aws.client("ec2"), _vpc(aws, config)
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "VpcEndpoints"
    ]
    service = f"com.amazonaws.{config.aws.region}.s3"
    gateways = [
        endpoint
        for endpoint in endpoints
        if endpoint["ServiceName"] == service and endpoint["VpcEndpointType"] == "Gateway"
    ]
    _expect(len(gateways) == 1, f"expected one S3 gateway endpoint, found {len(gateways)}")
    private_ids = {subnet["SubnetId"] for subnet in _subnets_by_role(aws, vpc["VpcId"])["private"]}
    private_tables = {
        table["RouteTableId"]
        for table in ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": sorted(private_ids)}]
        )["RouteTables"]
    }
    _expect(
        private_tables <= set(gateways[0]["RouteTableIds"]),
        "the S3 endpoint is not attached to every private route table",
    )


def repositories_are_immutable_and_scanned(aws: Emulator, config: EnvironmentConfig) -> None:
    """The image and cache repositories: IMMUTABLE tags, scan on push, KMS, lifecycle policy."""
    ecr = aws.client("ecr")
    names = [
        config.registry.repository_name,
        cache_repository_name(config.registry.repository_name),
    ]
    for repository in ecr.describe_repositories(repositoryNames=names)["repositories"]:
        name = repository["repositoryName"]
        _expect(repository["imageTagMutability"] == "IMMUTABLE", f"{name}: tags are mutable")
        _expect(repository["imageScanningConfiguration"]["scanOnPush"], f"{name}: no scan on push")
        _expect(
            repository["encryptionConfiguration"]["encryptionType"] == "KMS",
            f"{name}: not KMS-encrypted",
        )
        rules = json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
        _expect(bool(rules["rules"]), f"{name}: lifecycle policy has no rules")


def _cluster(aws: Emulator, config: EnvironmentConfig) -> dict:
    return aws.client("eks").describe_cluster(name=_cluster_name(config))["cluster"]


def cluster_encrypts_secrets_and_logs_its_control_plane(
    aws: Emulator, config: EnvironmentConfig
) -> None:
    """Configured version; secrets under a rotating customer key; all five log types on, into
    a bounded log group; API in the private subnets."""
    cluster = _cluster(aws, config)
    _expect(
        cluster["version"] == config.cluster.version,
        f"cluster version {cluster['version']}, not {config.cluster.version}",
    )
    [encryption] = cluster["encryptionConfig"]
    _expect(encryption["resources"] == ["secrets"], f"cluster encrypts {encryption['resources']}")
    kms = aws.client("kms")
    key_arn = encryption["provider"]["keyArn"]
    _expect(
        kms.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyManager"] == "CUSTOMER"
        and kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"],
        f"secrets key {key_arn} is not a rotating customer-managed key",
    )
    enabled = {
        log_type
        for setup in cluster["logging"]["clusterLogging"]
        if setup["enabled"]
        for log_type in setup["types"]
    }
    _expect(
        enabled == CONTROL_PLANE_LOG_TYPES, f"control-plane log types enabled: {sorted(enabled)}"
    )
    group_name = f"/aws/eks/{_cluster_name(config)}/cluster"
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]
    _expect(
        [group.get("retentionInDays") for group in groups if group["logGroupName"] == group_name]
        == [config.cluster.log_retention_days],
        f"log group {group_name} missing or not kept {config.cluster.log_retention_days} days",
    )
    private_ids = {
        subnet["SubnetId"]
        for subnet in _subnets_by_role(aws, _vpc(aws, config)["VpcId"])["private"]
    }
    vpc_config = cluster["resourcesVpcConfig"]
    _expect(
        set(vpc_config["subnetIds"]) == private_ids,
        f"cluster subnets {vpc_config['subnetIds']} are not the private subnets",
    )
    _expect(vpc_config["endpointPrivateAccess"], "cluster API has no private endpoint")


def node_groups_run_in_private_subnets(aws: Emulator, config: EnvironmentConfig) -> None:
    """Each configured node group, its sizes, private subnets, and a launch template with
    IMDSv2 (hop limit 1) and an encrypted gp3 root volume."""
    eks, ec2, name = aws.client("eks"), aws.client("ec2"), _cluster_name(config)
    private_ids = {
        subnet["SubnetId"]
        for subnet in _subnets_by_role(aws, _vpc(aws, config)["VpcId"])["private"]
    }
    found = set(eks.list_nodegroups(clusterName=name)["nodegroups"])
    expected = {group.name for group in config.cluster.node_groups}
    _expect(found == expected, f"node groups {sorted(found)}, expected {sorted(expected)}")
    for group in config.cluster.node_groups:
        nodes = eks.describe_nodegroup(clusterName=name, nodegroupName=group.name)["nodegroup"]
        _expect(
            set(nodes["subnets"]) <= private_ids,
            f"node group {group.name} has subnets outside the private ones",
        )
        scaling = nodes["scalingConfig"]
        _expect(
            (scaling["minSize"], scaling["maxSize"]) == (group.min_size, group.max_size),
            f"node group {group.name} scales {scaling}",
        )
        template = nodes["launchTemplate"]
        [version] = ec2.describe_launch_template_versions(
            LaunchTemplateId=template["id"],
            Versions=[str(template["version"])],
        )["LaunchTemplateVersions"]
        data = version["LaunchTemplateData"]
        metadata = data["MetadataOptions"]
        _expect(
            metadata["HttpTokens"] == "required"
            and int(metadata["HttpPutResponseHopLimit"]) == IMDS_HOP_LIMIT,
            f"node group {group.name}: instance metadata is not IMDSv2 with hop limit "
            f"{IMDS_HOP_LIMIT}: {metadata}",
        )
        [root] = data["BlockDeviceMappings"]
        _expect(
            root["Ebs"]["VolumeType"] == "gp3" and root["Ebs"]["Encrypted"] is True,
            f"node group {group.name}: root volume is not encrypted gp3: {root}",
        )


def irsa_trusts_the_cluster_issuer(aws: Emulator, config: EnvironmentConfig) -> None:
    """An IAM OIDC provider for the cluster's issuer, and IRSA roles that trust only it."""
    iam = aws.client("iam")
    issuer = _cluster(aws, config)["identity"]["oidc"]["issuer"].removeprefix("https://")
    providers = [
        provider["Arn"]
        for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        if provider["Arn"].endswith(f"/{issuer}")
    ]
    _expect(len(providers) == 1, f"no IAM OIDC provider for the cluster issuer {issuer}")
    for role_name in (
        f"{_cluster_name(config)}-vpc-cni-role",
        f"{_cluster_name(config)}-ebs-csi-driver-role",
    ):
        trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        if isinstance(trust, str):
            trust = json.loads(trust)
        [statement] = trust["Statement"]
        _expect(
            statement["Principal"] == {"Federated": providers[0]}
            and set(statement["Condition"]["StringEquals"]) == {f"{issuer}:sub", f"{issuer}:aud"},
            f"IRSA role {role_name} does not trust exactly the cluster's OIDC provider",
        )


def database_is_private_encrypted_and_tls_only(aws: Emulator, config: EnvironmentConfig) -> None:
    """The RDS instance: encrypted with a customer key, not public, in the database subnets,
    TLS forced by its parameter group, backups and Multi-AZ and deletion protection as
    configured, its master password managed by RDS in Secrets Manager, and its security group
    open only to the cluster's."""
    rds, ec2 = aws.client("rds"), aws.client("ec2")
    settings = config.database
    identifier = f"{config.name_prefix}-postgres"
    [instance] = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    _expect(instance["StorageEncrypted"], f"{identifier} storage is not encrypted")
    key = aws.client("kms").describe_key(KeyId=instance["KmsKeyId"])["KeyMetadata"]
    _expect(key["KeyManager"] == "CUSTOMER", f"{identifier} is encrypted with {key['KeyManager']}")
    _expect(not instance["PubliclyAccessible"], f"{identifier} is publicly accessible")
    isolated = {
        subnet["SubnetId"]
        for subnet in _subnets_by_role(aws, _vpc(aws, config)["VpcId"])["isolated"]
    }
    subnets = {subnet["SubnetIdentifier"] for subnet in instance["DBSubnetGroup"]["Subnets"]}
    _expect(
        subnets == isolated and subnets, f"{identifier} subnets {subnets} are not the database tier"
    )
    [group] = instance["DBParameterGroups"]
    parameters = rds.describe_db_parameters(DBParameterGroupName=group["DBParameterGroupName"])
    forced = {p["ParameterName"]: p.get("ParameterValue") for p in parameters["Parameters"]}.get(
        "rds.force_ssl"
    )
    _expect(forced == "1", f"{identifier} parameter group sets rds.force_ssl to {forced!r}")
    for field, expected in (
        ("BackupRetentionPeriod", settings.backup_retention_days),
        ("MultiAZ", settings.multi_az),
        ("DeletionProtection", settings.deletion_protection),
        ("EngineVersion", settings.engine_version),
    ):
        found = instance.get(field)
        _expect(
            str(found).split(".")[0] == str(expected),
            f"{identifier} {field} is {found!r}, not {expected!r}",
        )
    _expect(
        "SecretArn" in instance.get("MasterUserSecret", {}),
        f"{identifier} has no RDS-managed master user secret",
    )
    [security_group] = instance["VpcSecurityGroups"]
    [described] = ec2.describe_security_groups(GroupIds=[security_group["VpcSecurityGroupId"]])[
        "SecurityGroups"
    ]
    cluster_group = _cluster(aws, config)["resourcesVpcConfig"]["clusterSecurityGroupId"]
    _expect(
        [
            (
                rule["FromPort"],
                rule["ToPort"],
                [pair["GroupId"] for pair in rule["UserIdGroupPairs"]],
                rule["IpRanges"],
            )
            for rule in described["IpPermissions"]
        ]
        == [(5432, 5432, [cluster_group], [])],
        f"{identifier} security group admits {described['IpPermissions']}",
    )


PROMISES: tuple[Callable[[Emulator, EnvironmentConfig], None], ...] = (
    state_bucket_is_hardened,
    lock_table_fits_the_s3_backend,
    vpc_spans_the_configured_zones,
    private_subnets_reach_the_internet_through_nat,
    vpc_flow_logs_go_to_a_bounded_log_group,
    s3_gateway_endpoint_serves_private_subnets,
    repositories_are_immutable_and_scanned,
    cluster_encrypts_secrets_and_logs_its_control_plane,
    node_groups_run_in_private_subnets,
    irsa_trusts_the_cluster_issuer,
)
"""What the rehearsal reads back. `database_is_private_encrypted_and_tls_only` is checked too
when the database stack is rehearsed (`make rehearse`; `make test` defers it,
`rehearsal.deploy.DEFERRED_STACKS`)."""


def leftovers(aws: Emulator) -> list[str]:
    """Everything of the kinds the stacks create that still exists (moto's own default VPC and
    the AWS-managed keys it creates for services are not the stacks')."""
    ec2, kms = aws.client("ec2"), aws.client("kms")
    custom_vpcs = [vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"] if not vpc["IsDefault"]]
    managed_keys = {
        alias["TargetKeyId"]
        for alias in kms.list_aliases()["Aliases"]
        if alias["AliasName"].startswith("alias/aws/") and "TargetKeyId" in alias
    }
    found = {
        "buckets": [bucket["Name"] for bucket in aws.client("s3").list_buckets()["Buckets"]],
        "tables": aws.client("dynamodb").list_tables()["TableNames"],
        "VPCs": custom_vpcs,
        "NAT gateways": [
            gateway["NatGatewayId"]
            for gateway in ec2.describe_nat_gateways()["NatGateways"]
            if gateway["State"] not in ("deleting", "deleted")
        ],
        "elastic IPs": [
            address["AllocationId"] for address in ec2.describe_addresses()["Addresses"]
        ],
        "flow logs": [log["FlowLogId"] for log in ec2.describe_flow_logs()["FlowLogs"]],
        "VPC endpoints": [
            endpoint["VpcEndpointId"]
            for endpoint in ec2.describe_vpc_endpoints()["VpcEndpoints"]
            if endpoint["State"].lower() not in ("deleting", "deleted")
        ],
        "launch templates": [
            template["LaunchTemplateName"]
            for template in ec2.describe_launch_templates()["LaunchTemplates"]
        ],
        "log groups": [
            group["logGroupName"] for group in aws.client("logs").describe_log_groups()["logGroups"]
        ],
        "repositories": [
            repository["repositoryName"]
            for repository in aws.client("ecr").describe_repositories()["repositories"]
        ],
        "clusters": aws.client("eks").list_clusters()["clusters"],
        "databases": [
            instance["DBInstanceIdentifier"]
            for instance in aws.client("rds").describe_db_instances()["DBInstances"]
        ],
        "security groups": [
            group["GroupId"]
            for group in ec2.describe_security_groups()["SecurityGroups"]
            if group["GroupName"] != "default"
        ],
        "load balancers": [
            balancer["LoadBalancerName"]
            for balancer in aws.client("elbv2").describe_load_balancers()["LoadBalancers"]
        ],
        "target groups": [
            group["TargetGroupName"]
            for group in aws.client("elbv2").describe_target_groups()["TargetGroups"]
        ],
        "roles": [role["RoleName"] for role in aws.client("iam").list_roles()["Roles"]],
        "OIDC providers": [
            provider["Arn"]
            for provider in aws.client("iam").list_open_id_connect_providers()[
                "OpenIDConnectProviderList"
            ]
        ],
        "KMS keys not pending deletion": [
            key["KeyId"]
            for key in kms.list_keys()["Keys"]
            if key["KeyId"] not in managed_keys
            and kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
        ],
        "KMS aliases": [
            alias["AliasName"]
            for alias in kms.list_aliases()["Aliases"]
            if not alias["AliasName"].startswith("alias/aws/")
        ],
    }
    return [f"{kind}: {', '.join(names)}" for kind, names in found.items() if names]
