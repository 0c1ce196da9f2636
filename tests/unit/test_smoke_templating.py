from __future__ import annotations

import pytest

from bluegreen.smoke.errors import TemplateSyntaxError, TemplateValueError
from bluegreen.smoke.templating import Reference, TemplateContext, references, render_json, render_text


@pytest.fixture
def ctx() -> TemplateContext:
    return TemplateContext(secrets={"password": "p@ss/word"}, run_id="r1", vars={"user_id": 42, "token": "t"})


def test_references_are_found_in_text() -> None:
    assert references("Bearer {{ vars.token }} {{secrets.password}} {{ run.id }}") == [
        Reference("vars", "token"),
        Reference("secrets", "password"),
        Reference("run", "id"),
    ]


@pytest.mark.parametrize(
    "text", ["{{ token }}", "{{ vars.a.b }}", "{{ env.HOME }}", "{{ run.time }}", "{{ vars.a }", "x }}"]
)
def test_malformed_placeholders_are_refused(text: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        references(text)


def test_a_whole_placeholder_keeps_the_values_type(ctx: TemplateContext) -> None:
    rendered = render_json(
        {"id": "{{ vars.user_id }}", "label": "user {{ vars.user_id }}", "n": [1, None]}, ctx
    )

    assert rendered == {"id": 42, "label": "user 42", "n": [1, None]}


def test_values_in_a_path_are_percent_encoded(ctx: TemplateContext) -> None:
    assert render_text("/u/{{ secrets.password }}", ctx, url_path=True) == "/u/p%40ss%2Fword"
    assert render_text("Key {{ run.id }}", ctx) == "Key r1"


def test_a_value_not_captured_is_an_error_naming_the_reference(ctx: TemplateContext) -> None:
    with pytest.raises(TemplateValueError) as caught:
        render_text("{{ vars.missing }}", ctx)
    assert caught.value.reference == "vars.missing"
