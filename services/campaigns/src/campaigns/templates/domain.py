"""Safe e-mail templates: a fixed set of ``{{token}}`` placeholders, nothing else.

``parse("Hi {{first_name | \\"there\\"}}")`` returns a :class:`Template`; ``render(values,
html=...)`` substitutes the tokens. There is no logic, no attribute access and no code
execution: text outside the tokens is copied as written, and in HTML output every
substituted value (fallbacks included) is escaped. Anything that looks like a token but is
not one of :data:`TOKENS` is a :class:`TemplateError` when the template is saved.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

TOKENS: Final = frozenset(
    {"first_name", "last_name", "full_name", "email", "company", "title", "unsubscribe_url"}
)
"""The placeholders a template may use."""

FALLBACK_MAX_LENGTH: Final = 100
_TOKEN: Final = re.compile(
    r"\{\{\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?:\|\s*\"(?P<fallback>[^\"{}\r\n]*)\"\s*)?\}\}"
)
_LINE_BREAKS: Final = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


class TemplateError(ValueError):
    """The template uses an unknown token or malformed ``{{ }}`` syntax."""


@dataclass(frozen=True)
class Token:
    """One placeholder and the text used when its value is empty."""

    name: str
    fallback: str = ""


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and tokens, in order."""

    parts: tuple[str | Token, ...]

    @property
    def names(self) -> frozenset[str]:
        """The token names the template uses."""
        return frozenset(p.name for p in self.parts if isinstance(p, Token))

    def render(self, values: Mapping[str, str | None], *, html: bool) -> str:
        """The text with every token replaced by its value (or fallback); ``html`` escapes
        the substituted values, never the template's own markup."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = values.get(part.name) or part.fallback
            out.append(html_lib.escape(value, quote=True) if html else value)
        return "".join(out)

    def render_line(self, values: Mapping[str, str | None]) -> str:
        """Plain-text single-line rendering (a subject): line breaks become spaces, so no
        value can start another mail header."""
        return single_line(self.render(values, html=False))


def _snippet(text: str, at: int) -> str:
    return text[at : at + 30].replace("\n", " ")


def parse(template: str) -> Template:
    """Parse ``template``; :class:`TemplateError` names the first bad token and where."""
    parts: list[str | Token] = []
    pos = 0
    for match in _TOKEN.finditer(template):
        literal = template[pos : match.start()]
        _check_literal(literal, template, pos)
        name, fallback = match.group("name"), match.group("fallback") or ""
        if name not in TOKENS:
            allowed = ", ".join(sorted(TOKENS))
            raise TemplateError(f"unknown token {{{{{name}}}}}; use one of: {allowed}")
        if len(fallback) > FALLBACK_MAX_LENGTH:
            raise TemplateError(f"fallback of {{{{{name}}}}} is over {FALLBACK_MAX_LENGTH} chars")
        if literal:
            parts.append(literal)
        parts.append(Token(name, fallback))
        pos = match.end()
    tail = template[pos:]
    _check_literal(tail, template, pos)
    if tail:
        parts.append(tail)
    return Template(tuple(parts))


def _check_literal(literal: str, template: str, offset: int) -> None:
    """Text between tokens must not hold a stray ``{{`` or ``}}``."""
    for marker in ("{{", "}}"):
        at = literal.find(marker)
        if at >= 0:
            where = offset + at
            raise TemplateError(
                f"malformed token at character {where}: '{_snippet(template, where)}' "
                '(write {{name}} or {{name | "fallback"}})'
            )


def single_line(text: str) -> str:
    """``text`` with line breaks replaced by spaces (display names in mail headers)."""
    return _LINE_BREAKS.sub(" ", text).strip()
