"""Each service's image repository: in ECR it exists, and holds the image the live colour runs
(the release copies that image to the idle colour, whose new pods must pull it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.exceptions import ClientError

from bluegreen.config import ServiceConfig
from bluegreen.doctor.checks import Checks, error_code
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok, warn

G = Group.IMAGES
ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/(?P<name>.+)$"
)


@dataclass(frozen=True)
class EcrRepository:
    account: str
    region: str
    name: str

    @classmethod
    def parse(cls, uri: str) -> EcrRepository | None:
        match = ECR_URI.match(uri)
        return cls(match["account"], match["region"], match["name"]) if match else None


def image_id(image: str, repository: str) -> dict[str, str] | None:
    """ECR's imageId of `image` when it belongs to `repository` (`repo:tag` or `repo@sha256:...`)."""
    if image.startswith(repository + "@"):
        return {"imageDigest": image[len(repository) + 1 :]}
    if image.startswith(repository + ":"):
        return {"imageTag": image[len(repository) + 1 :]}
    return None


def split_image(image: str) -> tuple[str, dict[str, str]]:
    """(repository, ECR imageId) of `repo@sha256:...`, `repo:tag` or `repo` (tag latest)."""
    if "@" in image:
        repository, digest = image.split("@", 1)
        return repository, {"imageDigest": digest}
    if ":" in image.rsplit("/", 1)[-1]:
        repository, tag = image.rsplit(":", 1)
        return repository, {"imageTag": tag}
    return image, {"imageTag": "latest"}


def check_images(
    env: DoctorEnv, live_images: dict[str, str], sidecar_images: dict[str, list[str]], checks: Checks
) -> None:
    for service in env.config.services:
        with checks.guard(G, f"images of {service.name}"):
            _check_service(env, service, live_images.get(service.name), checks)
        for image in sidecar_images.get(service.name, []):
            with checks.guard(G, f"image {image}"):
                _check_other_image(env, service, image, checks)


def _check_other_image(env: DoctorEnv, service: ServiceConfig, image: str, checks: Checks) -> None:
    """Another container of the service's pods, from ECR: the idle copy pulls it too."""
    uri, wanted = split_image(image)
    repository = EcrRepository.parse(uri)
    if repository is None:
        return  # not ECR (a public sidecar): its registry is not ours to check
    try:
        env.client("ecr", repository.region).describe_images(
            repositoryName=repository.name, registryId=repository.account, imageIds=[wanted]
        )
    except ClientError as exc:
        if error_code(exc) not in ("ImageNotFoundException", "RepositoryNotFoundException"):
            raise
        checks.add(
            fail(
                G,
                f"image {image}",
                f"a container of {service.name}'s live pods runs it, and it is not in ECR: the idle copy "
                "could not pull it",
                "push it again, and keep live images out of the repository's lifecycle policy",
            )
        )


def _check_service(env: DoctorEnv, service: ServiceConfig, live_image: str | None, checks: Checks) -> None:
    check = f"images of {service.name}"
    repository = EcrRepository.parse(service.repository)
    if repository is None:
        checks.add(ok(G, check, f"{service.repository} is not in ECR: not checked"))
        return
    ecr = env.client("ecr", repository.region)
    try:
        described = ecr.describe_repositories(
            registryId=repository.account, repositoryNames=[repository.name]
        )
    except ClientError as exc:
        if error_code(exc) != "RepositoryNotFoundException":
            raise
        checks.add(
            fail(
                G,
                check,
                f"ECR repository {repository.name} does not exist in "
                f"{repository.account}/{repository.region}",
                "create it and push the images, or fix services[].repository in the config",
            )
        )
        return
    mutability = described["repositories"][0].get("imageTagMutability", "MUTABLE")
    details = [f"{repository.name} exists"]
    if live_image is not None:
        wanted = image_id(live_image, service.repository)
        if wanted is None:
            checks.add(
                fail(
                    G,
                    check,
                    f"the live colour runs {live_image}, which is not from {service.repository}: a release "
                    "refuses images outside the configured repository",
                    "fix services[].repository, or release an image from it",
                )
            )
            return
        try:
            ecr.describe_images(
                repositoryName=repository.name, registryId=repository.account, imageIds=[wanted]
            )
        except ClientError as exc:
            if error_code(exc) != "ImageNotFoundException":
                raise
            checks.add(
                fail(
                    G,
                    check,
                    f"the live image {live_image} is not in the repository: the idle copy could not pull it",
                    "push it again, and keep live images out of the repository's lifecycle policy",
                )
            )
            return
        details.append(f"the live image {next(iter(wanted.values()))} is in it")
    if mutability != "IMMUTABLE":
        checks.add(
            warn(
                G,
                check,
                "; ".join(details) + f"; tags are {mutability}: an approved tag can be pushed over",
                f"`aws ecr put-image-tag-mutability --repository-name {repository.name} "
                "--image-tag-mutability IMMUTABLE`, or release by digest",
            )
        )
    else:
        checks.add(ok(G, check, "; ".join(details) + "; tags IMMUTABLE"))
