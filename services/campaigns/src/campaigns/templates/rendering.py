"""A campaign e-mail for one member: merge fields, tracking pixel, tracked links, and an
unsubscribe link (the template's ``{{unsubscribe_url}}``, or a footer when it has none)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from campaigns.templates.domain import Template, parse, single_line
from campaigns.tracking.signing import Claims, LinkBuilder

_HREF: Final = re.compile(r"""(\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
_BODY_END: Final = re.compile(r"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Email:
    """The rendered parts of one e-mail."""

    subject: str
    text: str
    html: str | None
    unsubscribe_url: str


@dataclass(frozen=True)
class CampaignTemplate:
    """A campaign's parsed template (parse once per launch batch, render per member)."""

    subject: Template
    text: Template
    html: Template | None

    @classmethod
    def from_doc(cls, template: Mapping[str, Any]) -> CampaignTemplate:
        """Parse a stored template (validated when it was saved)."""
        body_html = template.get("body_html")
        return cls(
            subject=parse(template["subject"]),
            text=parse(template["body_text"]),
            html=parse(body_html) if body_html else None,
        )


def merge_values(contact: Mapping[str, Any]) -> dict[str, str | None]:
    """Template values of a projected contact."""
    first, last = contact.get("first_name"), contact.get("last_name")
    return {
        "first_name": first,
        "last_name": last,
        "full_name": " ".join(p for p in (first, last) if p) or None,
        "email": contact.get("email"),
        "company": contact.get("company"),
        "title": contact.get("title"),
    }


def display_name(contact: Mapping[str, Any]) -> str | None:
    """The recipient's name for the ``To`` header (single line)."""
    name = merge_values(contact)["full_name"]
    return single_line(name) if name else None


def _track_links(body: str, links: LinkBuilder, claims: Claims, keep: str) -> str:
    """Every absolute http(s) ``href`` (except ``keep``, our unsubscribe link) sent through
    the click route; the signed URL is the one the browser would follow (entities decoded)."""

    def rewrite(match: re.Match[str]) -> str:
        target = html_lib.unescape(match.group(3))
        if target == keep:
            return match.group(0)
        tracked = html_lib.escape(links.click_url(claims, target), quote=True)
        return f"{match.group(1)}{match.group(2)}{tracked}{match.group(2)}"

    return _HREF.sub(rewrite, body)


def _before_body_end(body: str, snippet: str) -> str:
    ends = list(_BODY_END.finditer(body))
    if not ends:
        return body + snippet
    at = ends[-1].start()
    return body[:at] + snippet + body[at:]


def personalize(template: CampaignTemplate, contact: Mapping[str, Any], unsubscribe: str) -> Email:
    """The e-mail of one contact before tracking: merge fields substituted (escaped in
    HTML), and an unsubscribe footer when the template has no ``{{unsubscribe_url}}``."""
    values = {**merge_values(contact), "unsubscribe_url": unsubscribe}
    text = template.text.render(values, html=False)
    if "unsubscribe_url" not in template.text.names:
        text += f"\n\n--\nTo stop receiving these e-mails: {unsubscribe}\n"
    body_html = None
    if template.html is not None:
        body_html = template.html.render(values, html=True)
        if "unsubscribe_url" not in template.html.names:
            escaped = html_lib.escape(unsubscribe, quote=True)
            footer = f'<p style="font-size:12px"><a href="{escaped}">Unsubscribe</a></p>'
            body_html = _before_body_end(body_html, footer)
    return Email(
        subject=template.subject.render_line(values),
        text=text,
        html=body_html,
        unsubscribe_url=unsubscribe,
    )


def render_email(
    template: CampaignTemplate, contact: Mapping[str, Any], links: LinkBuilder, claims: Claims
) -> Email:
    """The e-mail of one member with tracking and unsubscribe links."""
    unsubscribe = links.unsubscribe_url(claims)
    email = personalize(template, contact, unsubscribe)
    if email.html is None:
        return email
    body_html = _track_links(email.html, links, claims, keep=unsubscribe)
    pixel = html_lib.escape(links.open_url(claims), quote=True)
    body_html = _before_body_end(
        body_html, f'<img src="{pixel}" width="1" height="1" alt="" style="display:none">'
    )
    return replace(email, html=body_html)
