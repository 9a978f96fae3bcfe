"""The safe template language: tokens, fallbacks, escaping, and what it refuses."""

from __future__ import annotations

import pytest

from campaigns.templates.domain import TemplateError, parse

VALUES = {"first_name": "Siti", "last_name": None, "company": "<b>PT Maju & Co</b>"}


def test_tokens_with_spaces_and_fallbacks_render() -> None:
    template = parse('Hi {{ first_name }} {{last_name | "Rahayu"}} of {{company}}')
    assert template.render(VALUES, html=False) == "Hi Siti Rahayu of <b>PT Maju & Co</b>"
    assert template.names == {"first_name", "last_name", "company"}


def test_html_output_escapes_values_but_not_the_template() -> None:
    template = parse('<p title="{{company}}">{{company}}</p>')
    assert template.render(VALUES, html=True) == (
        '<p title="&lt;b&gt;PT Maju &amp; Co&lt;/b&gt;">&lt;b&gt;PT Maju &amp; Co&lt;/b&gt;</p>'
    )


def test_fallbacks_are_escaped_in_html_too() -> None:
    assert parse('{{title | "<i>x</i>"}}').render({}, html=True) == "&lt;i&gt;x&lt;/i&gt;"


def test_render_line_strips_header_injection() -> None:
    template = parse("Halo {{first_name}}")
    line = template.render_line({"first_name": "Siti\r\nBcc: all@example.com"})
    assert "\r" not in line and "\n" not in line
    assert line == "Halo Siti Bcc: all@example.com"


def test_values_are_never_reinterpreted_as_tokens() -> None:
    assert parse("{{first_name}}").render({"first_name": "{{email}}"}, html=False) == "{{email}}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hi {{ password }}", "unknown token {{password}}"),
        ("Hi {{first_name.__class__}}", "malformed token"),
        ("Hi {{first_name", "malformed token"),
        ("Hi first_name}}", "malformed token"),
        ("{% if x %}{{first_name}}", None),
        ("{{first_name | there}}", "malformed token"),
        ("{{ first_name() }}", "malformed token"),
        ("{{}}", "malformed token"),
    ],
)
def test_bad_templates_are_refused_with_a_clear_message(text: str, message: str | None) -> None:
    if message is None:  # no token syntax: copied literally, nothing is evaluated
        assert parse(text).render({"first_name": "A"}, html=False) == "{% if x %}A"
        return
    with pytest.raises(TemplateError, match=message.replace("{", r"\{").replace("(", r"\(")):
        parse(text)


def test_template_error_is_a_value_error() -> None:
    assert issubclass(TemplateError, ValueError)
