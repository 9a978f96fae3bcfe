"""The web console: the built single-page app (``web/dist``) served at ``/``.

Hashed files under ``/assets/`` never change, so browsers keep them for a year;
``index.html`` is revalidated on every load (so a new build is picked up at once) and
carries a strict Content-Security-Policy: the console runs only its own script and
talks only to this origin (``/api/v1`` and the notification stream). Any other GET
outside the server's own prefixes is a client-side route and gets ``index.html``.
Without a build, ``/`` answers a problem saying how to build it; the API is unaffected.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from crm_shared.errors import NotFound
from crm_shared.http.problems import problem_response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
IMMUTABLE = "public, max-age=31536000, immutable"
RESERVED_PREFIXES = frozenset(
    {"api", "v1", "healthz", "readyz", "metrics", "assets", ".well-known", "openapi.json"}
)
"""First path segments that are never client-side routes: a miss there is a real 404."""


def file_under(root: Path, relative: str) -> Path | None:
    """``root/relative`` when it is a file inside ``root`` (no ``..`` escape), else None."""
    base = root.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


async def asset(build_dir: Path | None, request: Request) -> Response:
    """A hashed build file, cached for a year (its name changes when its content does)."""
    relative = request.path_params["path"]
    found = file_under(build_dir / "assets", relative) if build_dir else None
    if found is None:
        raise NotFound(f"no console asset {relative}")
    return FileResponse(found, headers={"Cache-Control": IMMUTABLE})


async def page(build_dir: Path | None, request: Request) -> Response:
    """``index.html`` for any client-side route, revalidated on each load."""
    path = request.path_params["path"]
    if path.split("/", 1)[0] in RESERVED_PREFIXES:
        raise NotFound(f"nothing at /{path}")
    index = file_under(build_dir, "index.html") if build_dir else None
    if index is None:
        return problem_response(
            404,
            "console-not-built",
            "Console not built",
            "the web console is not built: run `make up` (or `cd web && npm ci && npm run "
            "build`); the API is at /api/v1, its documentation at /api/docs",
            instance=request.url.path,
        )
    headers = {"Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY}
    return FileResponse(index, headers=headers, media_type="text/html; charset=utf-8")


def add_console_routes(app: Starlette, build_dir: Path | None) -> None:
    """Serve the console built into ``build_dir`` (None: not built). Add these routes last:
    the client-side catch-all would shadow any GET route added after it."""
    app.add_route(
        "/assets/{path:path}", partial(asset, build_dir), methods=["GET"], include_in_schema=False
    )
    app.add_route(
        "/{path:path}", partial(page, build_dir), methods=["GET"], include_in_schema=False
    )
