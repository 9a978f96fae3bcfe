"""Tracking tokens and the launch renderer (pure)."""

from __future__ import annotations

import pytest

from campaigns.campaigns.sender import request_id
from campaigns.templates.rendering import CampaignTemplate, render_email
from campaigns.tracking.signing import Claims, InvalidToken, LinkBuilder, LinkKind, TrackingSigner

CLAIMS = Claims("tenant_a", "cmp_1", "con_1")
SIGNER = TrackingSigner("secret")
LINKS = LinkBuilder(SIGNER, "https://crm.contoh.co.id/api/")


def test_tokens_round_trip_per_kind() -> None:
    token = SIGNER.sign(LinkKind.UNSUBSCRIBE, CLAIMS)
    assert SIGNER.verify(LinkKind.UNSUBSCRIBE, token) == CLAIMS
    with pytest.raises(InvalidToken):
        SIGNER.verify(LinkKind.OPEN, token)  # a token of one kind is no other kind
    with pytest.raises(InvalidToken):
        TrackingSigner("other secret").verify(LinkKind.UNSUBSCRIBE, token)


def test_tampered_tokens_are_refused() -> None:
    token = SIGNER.sign(LinkKind.CLICK, Claims("t", "c", "m", "https://toko.co.id/"))
    body, mac = token.split(".")
    forged = SIGNER.sign(LinkKind.CLICK, Claims("t", "c", "m", "https://evil.example/"))
    for bad in (f"{forged.split('.')[0]}.{mac}", f"{body}.{mac[:-2]}AA", body, "x.y", ""):
        with pytest.raises(InvalidToken):
            SIGNER.verify(LinkKind.CLICK, bad)


def test_render_tracks_links_adds_pixel_and_unsubscribe() -> None:
    template = CampaignTemplate.from_doc(
        {
            "subject": "Halo {{first_name}}\r\nBcc: x@y.z",
            "body_text": "Hai {{first_name}}",
            "body_html": '<html><body><a href="https://toko.co.id/a?x=1&amp;y=2">A</a>'
            "<a href='mailto:cs@toko.co.id'>mail</a></body></html>",
        }
    )
    contact = {"_id": "con_1", "first_name": "<script>", "email": "s@x.id"}
    email = render_email(template, contact, LINKS, CLAIMS)
    assert email.subject == "Halo <script> Bcc: x@y.z"
    assert (
        "To stop receiving these e-mails: https://crm.contoh.co.id/api/v1/unsubscribe/"
        in email.text
    )
    assert email.html is not None
    assert "<script>" not in email.html and "&lt;script&gt;" not in email.html  # no token used
    assert "https://toko.co.id/a" not in email.html  # rewritten through the click route
    assert "/v1/track/click/" in email.html and "mailto:cs@toko.co.id" in email.html
    assert email.html.index("/v1/track/open/") < email.html.index("</body>")
    assert ">Unsubscribe</a>" in email.html
    token = email.html.split("/v1/track/click/")[1].split('"')[0]
    assert SIGNER.verify(LinkKind.CLICK, token).url == "https://toko.co.id/a?x=1&y=2"


def test_template_unsubscribe_token_is_used_instead_of_a_footer() -> None:
    template = CampaignTemplate.from_doc(
        {
            "subject": "s",
            "body_text": "Stop: {{unsubscribe_url}}",
            "body_html": '<p>{{first_name}}</p><a href="{{unsubscribe_url}}">keluar</a>',
        }
    )
    email = render_email(template, {"_id": "con_1", "first_name": "<b>"}, LINKS, CLAIMS)
    assert email.text.startswith("Stop: https://crm.contoh.co.id/api/v1/unsubscribe/")
    assert "To stop receiving" not in email.text
    assert email.html is not None
    assert "&lt;b&gt;" in email.html and ">Unsubscribe</a>" not in email.html
    assert "/v1/track/click/" not in email.html  # our own unsubscribe link is not wrapped


def test_request_ids_are_deterministic() -> None:
    assert request_id("t", "cmp_1", "con_1") == request_id("t", "cmp_1", "con_1")
    assert request_id("t", "cmp_1", "con_1") != request_id("t", "cmp_1", "con_2")
