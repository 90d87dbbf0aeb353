"""A multi-AZ VPC ready for EKS: public and private subnets, NAT, flow logs, S3 endpoint."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_availability_zones import (
    DataAwsAvailabilityZones,
    DataAwsAvailabilityZonesFilter,
)
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

from infra_constructs.iam import policy_json, service_trust_policy
from infra_constructs.subnet_plan import plan_subnets

SUBNET_ELB_ROLES = {
    "public": "kubernetes.io/role/elb",
    "private": "kubernetes.io/role/internal-elb",
}
"""Subnet tag by which the load balancer controller finds internet-facing (public) and
internal (private) load balancer subnets."""


@dataclass(frozen=True)
class NetworkProps:
    """Properties of `Network`.

    name: prefix of resource names, e.g. `djeks-dev` (required).
    region: AWS region of the VPC, for endpoint service names (required).
    cidr: IPv4 CIDR of the VPC (required).
    cluster_name: EKS cluster whose load balancers and nodes use the subnets (required): the
        subnets carry `kubernetes.io/cluster/<cluster_name> = shared`.
    az_count: availability zones, at least 2 (default 3).
    availability_zones: zone names, one per AZ, in order (default: none given, the first
        `az_count` zones that are available and need no opt-in, from a data source). Pinned
        names keep subnets in place if the region's list of zones ever changes.
    private_subnet_newbits / public_subnet_newbits / database_subnet_newbits: bits added to
        the VPC prefix for each private / public / database subnet (defaults 4, 8 and 8: a /16
        gives /20 private, /24 public, /24 database).
    single_nat_gateway: one NAT gateway shared by all AZs (default False: one per AZ, so
        losing an AZ does not cut the others' egress).
    flow_log_retention_days: days flow logs are kept in CloudWatch Logs (default 90).
    """

    name: str
    region: str
    cidr: str
    cluster_name: str
    az_count: int = 3
    availability_zones: tuple[str, ...] = ()
    private_subnet_newbits: int = 4
    public_subnet_newbits: int = 8
    database_subnet_newbits: int = 8
    single_nat_gateway: bool = False
    flow_log_retention_days: int = 90

    def __post_init__(self) -> None:
        if self.az_count < 2:
            raise ValueError(
                f"NetworkProps.az_count: {self.az_count} must be at least 2 "
                "(EKS needs subnets in two availability zones)"
            )
        if self.availability_zones and len(self.availability_zones) != self.az_count:
            raise ValueError(
                f"NetworkProps.availability_zones: {self.availability_zones} must "
                f"name az_count ({self.az_count}) zones"
            )
        plan_subnets(
            self.cidr,
            self.az_count,
            private_newbits=self.private_subnet_newbits,
            public_newbits=self.public_subnet_newbits,
            database_newbits=self.database_subnet_newbits,
        )


class Network(Construct):
    """VPC over `az_count` AZs.

    Public subnets (one per AZ) hold only NAT gateways and internet-facing load balancers and
    do not assign public IPs on launch; private subnets hold the nodes and reach the internet
    through NAT; database subnets (one per AZ) have a route table with no route out of the VPC
    at all, and carry no cluster or load balancer tag. The default security group has no
    rules. Every flow is logged to CloudWatch Logs through a role that may only write to that
    log group. S3 traffic from the private subnets stays on the AWS network through a gateway
    endpoint.

    Attributes: `vpc_id`, `vpc_cidr`, `private_subnet_ids`, `public_subnet_ids`,
    `database_subnet_ids`, `availability_zones`.
    """

    def __init__(self, scope: Construct, id: str, *, props: NetworkProps) -> None:
        super().__init__(scope, id)
        self.props = props
        plan = plan_subnets(
            props.cidr,
            props.az_count,
            private_newbits=props.private_subnet_newbits,
            public_newbits=props.public_subnet_newbits,
            database_newbits=props.database_subnet_newbits,
        )
        zone_names = list(props.availability_zones) or self._available_zones(props.az_count)
        vpc = Vpc(
            self,
            "vpc",
            cidr_block=props.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": props.name},
        )
        DefaultSecurityGroup(self, "default-security-group", vpc_id=vpc.id, ingress=[], egress=[])

        internet_gateway = InternetGateway(self, "internet-gateway", vpc_id=vpc.id)
        public_routes = RouteTable(self, "public-routes", vpc_id=vpc.id)
        Route(
            self,
            "public-default-route",
            route_table_id=public_routes.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=internet_gateway.id,
        )

        public_subnets, private_subnets, private_route_tables, nat_gateways = [], [], [], []
        for index in range(props.az_count):
            zone = zone_names[index]
            public = self._subnet(
                vpc, "public", index, plan.public[index], zone, map_public_ip_on_launch=False
            )
            RouteTableAssociation(
                self, f"public-{index}-routes", subnet_id=public.id, route_table_id=public_routes.id
            )
            public_subnets.append(public)
            if index == 0 or not props.single_nat_gateway:
                address = Eip(self, f"nat-{index}-address", domain="vpc")
                nat_gateways.append(
                    NatGateway(
                        self,
                        f"nat-{index}",
                        allocation_id=address.id,
                        subnet_id=public.id,
                        depends_on=[internet_gateway],
                    )
                )

            private = self._subnet(vpc, "private", index, plan.private[index], zone)
            routes = RouteTable(self, f"private-{index}-routes", vpc_id=vpc.id)
            Route(
                self,
                f"private-{index}-default-route",
                route_table_id=routes.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat_gateways[-1].id,
            )
            RouteTableAssociation(
                self,
                f"private-{index}-routes-association",
                subnet_id=private.id,
                route_table_id=routes.id,
            )
            private_subnets.append(private)
            private_route_tables.append(routes)

        database_routes = RouteTable(self, "database-routes", vpc_id=vpc.id)
        database_subnets = []
        for index in range(props.az_count):
            database = Subnet(
                self,
                f"database-{index}",
                vpc_id=vpc.id,
                cidr_block=plan.database[index],
                availability_zone=zone_names[index],
                tags={"Name": f"{props.name}-database-{index}"},
            )
            RouteTableAssociation(
                self,
                f"database-{index}-routes",
                subnet_id=database.id,
                route_table_id=database_routes.id,
            )
            database_subnets.append(database)

        VpcEndpoint(
            self,
            "s3-endpoint",
            vpc_id=vpc.id,
            vpc_endpoint_type="Gateway",
            service_name=f"com.amazonaws.{props.region}.s3",
            route_table_ids=[table.id for table in private_route_tables],
        )
        self._flow_logs(props, vpc)

        self.vpc_id: str = vpc.id
        self.private_subnet_ids: list[str] = [subnet.id for subnet in private_subnets]
        self.public_subnet_ids: list[str] = [subnet.id for subnet in public_subnets]
        self.database_subnet_ids: list[str] = [subnet.id for subnet in database_subnets]
        self.vpc_cidr: str = props.cidr
        self.availability_zones: list[str] = zone_names

    def _subnet(
        self, vpc: Vpc, tier: str, index: int, cidr: str, zone: str, **options: object
    ) -> Subnet:
        """Subnet `<tier>-<index>`, tagged for the cluster and for the load balancers the AWS
        Load Balancer Controller places in its tier (`SUBNET_ELB_ROLES`)."""
        props = self.props
        return Subnet(
            self,
            f"{tier}-{index}",
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            **options,
            tags={
                f"kubernetes.io/cluster/{props.cluster_name}": "shared",
                SUBNET_ELB_ROLES[tier]: "1",
                "Name": f"{props.name}-{tier}-{index}",
            },
        )

    def _available_zones(self, count: int) -> list[str]:
        """The first `count` available zones that need no opt-in (read at plan time)."""
        zones = DataAwsAvailabilityZones(
            self,
            "zones",
            state="available",
            filter=[
                DataAwsAvailabilityZonesFilter(name="opt-in-status", values=["opt-in-not-required"])
            ],
        )
        return [Token.as_string(Fn.element(zones.names, index)) for index in range(count)]

    def _flow_logs(self, props: NetworkProps, vpc: Vpc) -> None:
        group = CloudwatchLogGroup(
            self,
            "flow-logs",
            name=f"/aws/vpc/{props.name}/flow-logs",
            retention_in_days=props.flow_log_retention_days,
        )
        role = IamRole(
            self,
            "flow-logs-role",
            name=f"{props.name}-vpc-flow-logs",
            assume_role_policy=service_trust_policy("vpc-flow-logs.amazonaws.com"),
        )
        IamRolePolicy(
            self,
            "flow-logs-write",
            role=role.id,
            name="write-flow-logs",
            policy=policy_json(
                [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogStreams",
                        ],
                        "Resource": [group.arn, f"{group.arn}:*"],
                    }
                ]
            ),
        )
        FlowLog(
            self,
            "flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
        )
