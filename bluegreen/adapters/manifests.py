"""A release's manifests, read from S3 (`s3://<bucket>/<key>`, the bucket checked by Prepare)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3Manifests:
    def __init__(self, s3: S3Client) -> None:
        self._s3 = s3

    def read(self, uri: str) -> str:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        body = self._s3.get_object(Bucket=bucket, Key=key)["Body"]
        return body.read().decode("utf-8")
