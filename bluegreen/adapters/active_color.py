"""The active-colour SSM parameter: read fresh (never cached), written with the new version returned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from bluegreen.colors import Color
from bluegreen.errors import ActiveColorError

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


@dataclass(frozen=True)
class ActiveColor:
    color: Color
    version: int


class ActiveColorStore:
    def __init__(self, parameter_name: str, ssm_client: SSMClient) -> None:
        self.parameter_name = parameter_name
        self._ssm = ssm_client

    def read(self) -> ActiveColor:
        """The colour the live domain serves now and the parameter version that says so."""
        try:
            parameter = self._ssm.get_parameter(Name=self.parameter_name)["Parameter"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ParameterNotFound":
                raise ActiveColorError(f"parameter {self.parameter_name} does not exist") from exc
            raise
        color = Color.parse(parameter.get("Value"))
        if color is None:
            raise ActiveColorError(
                f"parameter {self.parameter_name} holds {parameter.get('Value')!r}, not blue or green"
            )
        return ActiveColor(color=color, version=int(parameter["Version"]))

    def write(self, color: Color) -> int:
        """Set the active colour; returns the new parameter version, which identifies this switch."""
        response = self._ssm.put_parameter(
            Name=self.parameter_name, Value=color.value, Type="String", Overwrite=True
        )
        return int(response["Version"])
