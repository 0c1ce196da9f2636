"""The smoke suite as declared under `smoke.suite` in `config/<app>.yaml`.

Everything that can be checked without the network is checked here, so that a bad suite fails
at `cdk synth` with the dotted path of the bad field: JSONPath and regex syntax, placeholders,
references to undeclared secrets or to values no earlier step captures, and secrets in a URL
path (where proxies and HTTP client logs would record them). See docs/smoke-tests.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from bluegreen.smoke.assertions import Operator, check_jsonpath
from bluegreen.smoke.redaction import DEFAULT_SENSITIVE_FIELDS, normalize_field
from bluegreen.smoke.templating import (
    Reference,
    check_json_templates,
    check_text_template,
    references,
    strings_in,
)

NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
SECRET_ID = r"^[A-Za-z0-9/_+=.@:-]{1,2048}$"  # noqa: S105 (a pattern, not a password)
HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$"

Name = Annotated[str, Field(pattern=NAME)]
Identifier = Annotated[str, Field(pattern=IDENTIFIER)]
JsonPathExpr = Annotated[str, Field(min_length=1, max_length=512), AfterValidator(check_jsonpath)]
TemplatedText = Annotated[str, AfterValidator(check_text_template)]
TemplatedJson = Annotated[JsonValue, AfterValidator(check_json_templates)]
Method = Literal["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]


class SuiteModel(BaseModel):
    """Unknown keys are errors, as in bluegreen.config.StrictModel."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(SuiteModel):
    """A secret in AWS Secrets Manager, by name or ARN; `key` picks a field of a JSON secret."""

    name: Annotated[str, Field(pattern=SECRET_ID)]
    key: Annotated[str, Field(min_length=1, max_length=256)] | None = None


class BodyAssertion(SuiteModel):
    """One check on the JSON body: exactly one of `equals`, `exists`, `matches`, `one_of`.

    An operator set to null counts as absent (so a dumped suite validates again); to expect
    a JSON null, write `one_of: [null]`.
    """

    path: JsonPathExpr
    equals: TemplatedJson = None
    exists: bool | None = None
    matches: Annotated[str, Field(min_length=1)] | None = None
    one_of: Annotated[list[JsonValue], Field(min_length=1)] | None = None

    @field_validator("matches")
    @classmethod
    def _regex_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _one_operator(self) -> BodyAssertion:
        given = [op.value for op in Operator if getattr(self, op.value) is not None]
        if len(given) != 1:
            names = ", ".join(op.value for op in Operator)
            found = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of {names} (found: {found})")
        return self

    @property
    def operator(self) -> Operator:
        return next(op for op in Operator if getattr(self, op.value) is not None)

    @property
    def operand(self) -> JsonValue:
        value: JsonValue = getattr(self, self.operator.value)
        return value


class Expectation(SuiteModel):
    status: Annotated[int, Field(ge=100, le=599)]
    body: list[BodyAssertion] = Field(default_factory=list)


class Step(SuiteModel):
    name: Name
    method: Method
    path: Annotated[TemplatedText, Field(pattern=r"^/[^\r\n]*$", max_length=2048)]
    headers: dict[
        Annotated[str, Field(pattern=HEADER_NAME)], Annotated[TemplatedText, Field(pattern=r"^[^\r\n]*$")]
    ] = Field(default_factory=dict)
    body: TemplatedJson = Field(default=None, description="Sent as JSON when not null")
    expect: Expectation
    capture: dict[Identifier, JsonPathExpr] = Field(
        default_factory=dict, description="Values for later steps: name -> JSONPath into this response"
    )
    latency_budget_ms: Annotated[int, Field(ge=1, le=60_000)] | None = None

    def placeholders(self) -> list[tuple[str, Reference]]:
        """(location within the step, reference) for every placeholder in what the step sends or expects."""
        found = [("path", ref) for ref in references(self.path)]
        for header, value in self.headers.items():
            found += [(f"headers.{header}", ref) for ref in references(value)]
        for where, text in strings_in(self.body):
            found += [(f"body.{where}" if where else "body", ref) for ref in references(text)]
        for index, check in enumerate(self.expect.body):
            for where, text in strings_in(check.equals):
                location = f"expect.body.{index}.equals" + (f".{where}" if where else "")
                found += [(location, ref) for ref in references(text)]
        return found


class Scenario(SuiteModel):
    """Ordered steps; scenarios run concurrently and share nothing (not even cookies)."""

    name: Name
    steps: list[Step] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _steps_consistent(self) -> Scenario:
        names: set[str] = set()
        captured: set[str] = set()
        for index, step in enumerate(self.steps):
            if step.name in names:
                raise ValueError(f"steps.{index}.name: step {step.name!r} appears twice in the scenario")
            names.add(step.name)
            for where, ref in step.placeholders():
                if ref.namespace == "vars" and ref.name not in captured:
                    raise ValueError(
                        f"steps.{index}.{where}: {{{{ {ref} }}}} is not captured by an earlier step"
                    )
            captured.update(step.capture)
        return self


class RetryPolicy(SuiteModel):
    """Retries are for transient network errors only, never for a wrong status or body."""

    attempts: Annotated[int, Field(ge=1, le=5)] = 3
    backoff_seconds: Annotated[float, Field(ge=0, le=5)] = 0.2


class SmokeSuite(SuiteModel):
    secrets: dict[Identifier, SecretRef] = Field(default_factory=dict)
    redact_fields: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list, description="Field names to redact, on top of the built-in list"
    )
    default_latency_budget_ms: Annotated[int, Field(ge=1, le=60_000)] = 2_000
    retry: RetryPolicy = RetryPolicy()
    scenarios: list[Scenario] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _references_resolve(self) -> SmokeSuite:
        seen: set[str] = set()
        for s_index, scenario in enumerate(self.scenarios):
            if scenario.name in seen:
                raise ValueError(f"scenarios.{s_index}.name: scenario {scenario.name!r} appears twice")
            seen.add(scenario.name)
            for index, step in enumerate(scenario.steps):
                for where, ref in step.placeholders():
                    location = f"scenarios.{s_index}.steps.{index}.{where}"
                    if ref.namespace == "secrets" and ref.name not in self.secrets:
                        raise ValueError(
                            f"{location}: secret alias {ref.name!r} is not declared under secrets"
                        )
                    if where == "path" and self._is_sensitive(ref):
                        raise ValueError(
                            f"{location}: {{{{ {ref} }}}} is sensitive and must not be put in a URL path"
                        )
        return self

    def _is_sensitive(self, ref: Reference) -> bool:
        return ref.namespace == "secrets" or (
            ref.namespace == "vars" and normalize_field(ref.name) in self.sensitive_fields
        )

    @property
    def sensitive_fields(self) -> frozenset[str]:
        return DEFAULT_SENSITIVE_FIELDS | {normalize_field(name) for name in self.redact_fields}

    def budget_ms(self, step: Step) -> int:
        return step.latency_budget_ms or self.default_latency_budget_ms
