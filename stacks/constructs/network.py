"""The cluster's VPC, imported from config without any lookup (synth never calls AWS)."""

from __future__ import annotations

from aws_cdk import Annotations, ArnFormat, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from bluegreen.config import ClusterConfig

ENI_DESCRIBE_ACTIONS = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
"""No resource-level permissions exist for these: they are the only ENI actions on `*`."""


class ClusterNetwork(Construct):
    """The VPC, subnets and security groups that VPC Lambdas attach to (config.cluster)."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster: ClusterConfig) -> None:
        super().__init__(scope, construct_id)
        self._cluster = cluster
        self.vpc = self._build_vpc()
        self.subnets = self._build_subnets()
        self.security_groups = self._build_security_groups()
        self.subnet_selection = ec2.SubnetSelection(subnets=self.subnets)

    def _build_vpc(self) -> ec2.IVpc:
        return ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id=self._cluster.vpc_id,
            availability_zones=list(self._cluster.availability_zones),
        )

    def _build_subnets(self) -> list[ec2.ISubnet]:
        subnets = [
            ec2.Subnet.from_subnet_id(self, f"Subnet{index}", subnet_id)
            for index, subnet_id in enumerate(self._cluster.subnet_ids)
        ]
        for subnet in subnets:
            # Only Lambda VPC configs use these subnets; nothing here reads their route tables.
            Annotations.of(subnet).acknowledge_warning(
                "@aws-cdk/aws-ec2:noSubnetRouteTableId", "route tables are never read from imported subnets"
            )
        return subnets

    def _build_security_groups(self) -> list[ec2.ISecurityGroup]:
        return [
            ec2.SecurityGroup.from_security_group_id(self, f"SecurityGroup{index}", group_id, mutable=False)
            for index, group_id in enumerate(self._cluster.security_group_ids)
        ]

    def grant_eni_management(self, role: iam.IRole) -> None:
        """What AWSLambdaVPCAccessExecutionRole allows, scoped to our subnets and security groups.

        Added to the role's default policy, which the function depends on: Lambda checks these
        permissions when it creates the function.
        """
        stack = Stack.of(self)

        def ec2_arn(resource: str, name: str) -> str:
            return stack.format_arn(
                service="ec2", resource=resource, resource_name=name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
            )

        any_interface = ec2_arn("network-interface", "*")
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="CreateFunctionEnisInClusterSubnets",
                actions=["ec2:CreateNetworkInterface"],
                resources=[
                    any_interface,
                    *(ec2_arn("subnet", subnet_id) for subnet_id in self._cluster.subnet_ids),
                    *(ec2_arn("security-group", sg_id) for sg_id in self._cluster.security_group_ids),
                ],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ManageFunctionEnis",
                actions=[
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=[any_interface],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="DescribeFunctionEnis", actions=ENI_DESCRIBE_ACTIONS, resources=["*"])
        )
