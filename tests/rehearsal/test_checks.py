"""The promise checks catch what is missing: a network without NAT, a lock table without its
settings. The emulator is filled through boto3 here, without Terraform (seconds, not minutes)."""

from __future__ import annotations

import pytest

from infra_config import load_config
from rehearsal.checks import (
    PromiseBroken,
    database_is_private_encrypted_and_tls_only,
    lock_table_fits_the_s3_backend,
    private_subnets_reach_the_internet_through_nat,
)
from rehearsal.eks_stand_in import add_cluster_security_group
from rehearsal.emulator import running_emulator

CONFIG = load_config("dev")


@pytest.fixture(scope="module")
def emulator():
    with running_emulator(CONFIG.aws.region) as emulator:
        yield emulator


@pytest.fixture
def aws(emulator):
    """The emulator, empty."""
    emulator.reset()
    return emulator


def create_lock_table(aws, *, point_in_time_recovery: bool) -> None:
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(
        TableName=CONFIG.state.lock_table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        SSESpecification={"Enabled": True},
    )
    dynamodb.update_continuous_backups(
        TableName=CONFIG.state.lock_table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": point_in_time_recovery},
    )


def create_network(aws, *, nat_gateway: bool) -> None:
    """The dev VPC's shape: public subnets routed to an internet gateway, private subnets
    routed to one NAT gateway, or to nothing."""
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(
        CidrBlock=CONFIG.network.vpc_cidr,
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": CONFIG.name_prefix}]}
        ],
    )["Vpc"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc["VpcId"])
    zones = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"]]
    public_routes = ec2.create_route_table(VpcId=vpc["VpcId"])["RouteTable"]["RouteTableId"]
    ec2.create_route(
        RouteTableId=public_routes, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway
    )
    nat = None
    for index in range(CONFIG.network.az_count):
        public = ec2.create_subnet(
            VpcId=vpc["VpcId"], CidrBlock=f"10.10.{200 + index}.0/24", AvailabilityZone=zones[index]
        )["Subnet"]["SubnetId"]
        ec2.associate_route_table(RouteTableId=public_routes, SubnetId=public)
        if nat_gateway and nat is None:
            address = ec2.allocate_address(Domain="vpc")["AllocationId"]
            nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=address)
            nat = nat["NatGateway"]["NatGatewayId"]
        private = ec2.create_subnet(
            VpcId=vpc["VpcId"], CidrBlock=f"10.10.{16 * index}.0/20", AvailabilityZone=zones[index]
        )["Subnet"]["SubnetId"]
        private_routes = ec2.create_route_table(VpcId=vpc["VpcId"])["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=private_routes, SubnetId=private)
        if nat:
            ec2.create_route(
                RouteTableId=private_routes, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
            )


def test_a_missing_lock_table_breaks_the_promise(aws):
    with pytest.raises(PromiseBroken, match=f"lock table {CONFIG.state.lock_table} does not exist"):
        lock_table_fits_the_s3_backend(aws, CONFIG)


def test_a_lock_table_without_point_in_time_recovery_breaks_the_promise(aws):
    create_lock_table(aws, point_in_time_recovery=False)
    with pytest.raises(PromiseBroken, match="point-in-time recovery is off"):
        lock_table_fits_the_s3_backend(aws, CONFIG)


def test_a_lock_table_as_the_backend_stack_builds_it_keeps_the_promise(aws):
    create_lock_table(aws, point_in_time_recovery=True)
    lock_table_fits_the_s3_backend(aws, CONFIG)


def test_a_network_without_nat_gateway_breaks_the_promise(aws):
    create_network(aws, nat_gateway=False)
    with pytest.raises(PromiseBroken, match=r"expected 1 available NAT gateway\(s\), found 0"):
        private_subnets_reach_the_internet_through_nat(aws, CONFIG)


def test_a_network_with_its_nat_gateway_keeps_the_promise(aws):
    create_network(aws, nat_gateway=True)
    private_subnets_reach_the_internet_through_nat(aws, CONFIG)


def create_database(aws, *, publicly_accessible: bool) -> None:
    """The dev database's shape on the dev network: isolated subnets, the cluster (with its
    security group), a customer key, TLS forced, 5432 open to the cluster only."""
    create_network(aws, nat_gateway=True)
    ec2, rds = aws.client("ec2"), aws.client("rds")
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [CONFIG.name_prefix]}])[
        "Vpcs"
    ]
    zones = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"]]
    routes = ec2.create_route_table(VpcId=vpc["VpcId"])["RouteTable"]["RouteTableId"]
    subnets = []
    for index in range(CONFIG.network.az_count):
        subnet = ec2.create_subnet(
            VpcId=vpc["VpcId"],
            CidrBlock=f"10.10.{210 + index}.0/24",
            AvailabilityZone=zones[index],
            TagSpecifications=[
                {
                    "ResourceType": "subnet",
                    "Tags": [{"Key": "Name", "Value": f"{CONFIG.name_prefix}-database-{index}"}],
                }
            ],
        )["Subnet"]["SubnetId"]
        ec2.associate_route_table(RouteTableId=routes, SubnetId=subnet)
        subnets.append(subnet)
    role = aws.client("iam").create_role(RoleName="cluster", AssumeRolePolicyDocument="{}")
    aws.client("eks").create_cluster(
        name=CONFIG.name_prefix,
        roleArn=role["Role"]["Arn"],
        resourcesVpcConfig={"subnetIds": subnets},
    )
    cluster_group = add_cluster_security_group(aws, CONFIG.name_prefix)
    group = ec2.create_security_group(
        GroupName="postgres", Description="postgres", VpcId=vpc["VpcId"]
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": cluster_group}],
            }
        ],
    )
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    rds.create_db_subnet_group(
        DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=subnets
    )
    rds.create_db_parameter_group(
        DBParameterGroupName="tls", DBParameterGroupFamily="postgres17", Description="tls"
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName="tls",
        Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}
        ],
    )
    settings = CONFIG.database
    rds.create_db_instance(
        DBInstanceIdentifier=f"{CONFIG.name_prefix}-postgres",
        Engine="postgres",
        EngineVersion=settings.engine_version,
        DBInstanceClass=settings.instance_class,
        AllocatedStorage=settings.allocated_storage_gib,
        MasterUsername=settings.master_username,
        ManageMasterUserPassword=True,
        StorageEncrypted=True,
        KmsKeyId=key,
        DBSubnetGroupName="db",
        DBParameterGroupName="tls",
        VpcSecurityGroupIds=[group],
        PubliclyAccessible=publicly_accessible,
        BackupRetentionPeriod=settings.backup_retention_days,
        MultiAZ=settings.multi_az,
        DeletionProtection=settings.deletion_protection,
    )


def test_a_public_database_breaks_the_promise(aws):
    create_database(aws, publicly_accessible=True)
    with pytest.raises(PromiseBroken, match="djeks-dev-postgres is publicly accessible"):
        database_is_private_encrypted_and_tls_only(aws, CONFIG)


def test_the_database_as_the_stack_builds_it_keeps_the_promise(aws):
    create_database(aws, publicly_accessible=False)
    database_is_private_encrypted_and_tls_only(aws, CONFIG)
