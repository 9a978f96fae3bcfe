"""Routes: the merged OpenAPI document and its docs UI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from gateway.deps import State

router = APIRouter(include_in_schema=False)


@router.get("/api/openapi.json")
async def openapi_document(request: Request, state: State) -> dict[str, Any]:
    """Every route of the platform as one OpenAPI 3 document."""
    return await state.openapi.document(request.app.openapi())


@router.get("/api/docs")
async def docs() -> HTMLResponse:
    """Swagger UI over the merged document."""
    return get_swagger_ui_html(openapi_url="/api/openapi.json", title="CRM API")
