"""The create-lead baseline: a minimal FastAPI app doing one ``insert_one`` per request.

Served like the leads service (``uvicorn bench.baseline_app:create_app --factory``, one
worker) against the same SecantusDB, it shows what one HTTP write costs on this stack
without auth, validation, transactions or events. Configured by ``BENCH_MONGO_URL`` and
``BENCH_MONGO_DB``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo import AsyncMongoClient

Document = dict[str, Any]


def create_app() -> FastAPI:
    """Build the baseline app (Mongo URL and database from the environment)."""
    url = os.environ["BENCH_MONGO_URL"]
    db_name = os.environ.get("BENCH_MONGO_DB", "bench_baseline")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client: AsyncMongoClient[Document] = AsyncMongoClient(url, retryWrites=False)
        app.state.items = client[db_name]["items"]
        try:
            yield
        finally:
            await client.close()

    app = FastAPI(title="bench baseline", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness."""
        return {"status": "ok"}

    @app.post("/items", status_code=201)
    async def create_item(body: dict[str, Any], request: Request) -> JSONResponse:
        """Insert the JSON body as one document and return its id."""
        result = await request.app.state.items.insert_one(body)
        return JSONResponse({"id": str(result.inserted_id)}, status_code=201)

    return app
