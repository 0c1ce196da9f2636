"""EKS access for the release Lambdas: DescribeCluster, and access entries scoped to blue/green."""

from __future__ import annotations

from enum import StrEnum

from aws_cdk import Aws, Stack
from aws_cdk import aws_eks as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from bluegreen.config import ClusterConfig, NamespacesConfig


class ClusterAccessLevel(StrEnum):
    """EKS cluster access policies; both are scoped to the two release namespaces only."""

    EDIT = "AmazonEKSEditPolicy"
    VIEW = "AmazonEKSViewPolicy"


class ClusterAccess(Construct):
    """The existing cluster (config.cluster.name): not created here, only granted to."""

    def __init__(
        self, scope: Construct, construct_id: str, *, cluster: ClusterConfig, namespaces: NamespacesConfig
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster_name = cluster.name
        self.namespaces = [namespaces.blue, namespaces.green]
        self.cluster_arn = Stack.of(self).format_arn(
            service="eks", resource="cluster", resource_name=cluster.name
        )

    def grant_describe_cluster(self, principal: iam.IGrantable) -> None:
        """Endpoint and CA for the kubernetes client (the token is a presigned STS call: no grant)."""
        principal.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["eks:DescribeCluster"], resources=[self.cluster_arn])
        )

    def add_access_entry(
        self, construct_id: str, role: iam.IRole, level: ClusterAccessLevel
    ) -> eks.CfnAccessEntry:
        """Map `role` into the cluster with `level`, in the blue and green namespaces only."""
        return eks.CfnAccessEntry(
            self,
            construct_id,
            cluster_name=self.cluster_name,
            principal_arn=role.role_arn,
            type="STANDARD",
            access_policies=[
                eks.CfnAccessEntry.AccessPolicyProperty(
                    policy_arn=f"arn:{Aws.PARTITION}:eks::aws:cluster-access-policy/{level.value}",
                    access_scope=eks.CfnAccessEntry.AccessScopeProperty(
                        type="namespace", namespaces=list(self.namespaces)
                    ),
                )
            ],
        )
