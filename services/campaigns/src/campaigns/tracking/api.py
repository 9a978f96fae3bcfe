"""Public tracking routes reached from e-mails (no credentials; the signed token is the
only authority): open pixel, link click, unsubscribe page and one-click unsubscribe."""

from __future__ import annotations

import base64
from typing import Annotated, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from campaigns.deps import SettingsDep
from campaigns.settings import CampaignsSettings
from campaigns.tracking import service
from campaigns.tracking.signing import (
    TOKEN_MAX_LENGTH,
    Claims,
    InvalidToken,
    LinkKind,
    TrackingSigner,
)
from crm_shared.errors import NotFound
from crm_shared.http.deps import RuntimeDep

router = APIRouter(prefix="/v1", tags=["tracking"])
Token = Annotated[str, Path(min_length=3, max_length=TOKEN_MAX_LENGTH)]
PIXEL: Final = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE: Final = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}
_PAGE: Final = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1">'
    "<title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
)


def _claims(settings: CampaignsSettings, kind: LinkKind, token: str) -> Claims:
    """The token's claims, or 404 for anything not signed by us."""
    try:
        return TrackingSigner(settings.tracking_secret).verify(kind, token)
    except InvalidToken as exc:
        raise NotFound("this link is not valid") from exc


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=title, body=body), headers=NO_STORE)


@router.get("/track/open/{token}", include_in_schema=False)
async def track_open(token: Token, rt: RuntimeDep, settings: SettingsDep) -> Response:
    """Record an open; answers a transparent 1x1 GIF."""
    await service.record_open(rt, _claims(settings, LinkKind.OPEN, token))
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get("/track/click/{token}", include_in_schema=False)
async def track_click(token: Token, rt: RuntimeDep, settings: SettingsDep) -> Response:
    """Record a click and redirect to the URL the token signs (never to any other)."""
    claims = _claims(settings, LinkKind.CLICK, token)
    target = claims.url or ""
    if urlsplit(target).scheme not in ("http", "https"):
        raise NotFound("this link is not valid")
    await service.record_click(rt, claims)
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


@router.get("/unsubscribe/{token}", include_in_schema=False)
async def unsubscribe_page(token: Token, settings: SettingsDep) -> HTMLResponse:
    """A confirmation page; the button posts back (a GET changes nothing, so mail
    scanners following links cannot unsubscribe anyone)."""
    _claims(settings, LinkKind.UNSUBSCRIBE, token)
    form = (
        "<p>Stop receiving campaign e-mails from us?</p>"
        '<form method="post"><button type="submit">Unsubscribe</button></form>'
    )
    return _page("Unsubscribe", form)


@router.post("/unsubscribe/{token}", include_in_schema=False)
async def unsubscribe(token: Token, rt: RuntimeDep, settings: SettingsDep) -> HTMLResponse:
    """Unsubscribe (the page's button, or a mail client's RFC 8058 one-click POST)."""
    await service.unsubscribe(rt, _claims(settings, LinkKind.UNSUBSCRIBE, token))
    return _page("Unsubscribed", "<p>You will not receive campaign e-mails from us again.</p>")
