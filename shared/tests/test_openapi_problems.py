"""The problem responses every operation declares in the OpenAPI document, on a tiny app."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.openapi import PROBLEM_REF, declare_problems, document_problems
from crm_shared.http.problems import PROBLEM_JSON


class Thing(BaseModel):
    name: str


Reader = Annotated[Access, require("leads", Action.READ)]
Writer = Annotated[Access, require("leads", Action.WRITE)]


def _app() -> FastAPI:
    router = APIRouter()

    @router.get("/v1/things")
    async def list_things(access: Reader, limit: int = 10) -> list[Thing]:
        return []

    @router.post("/v1/things", status_code=201)
    async def create_thing(access: Writer, body: Thing) -> Thing:
        return body

    @router.get("/v1/things/{thing_id}", responses={410: {"description": "Gone for good"}})
    async def get_thing(access: Reader, thing_id: str) -> Thing:
        return Thing(name=thing_id)

    @router.post("/v1/ping")
    async def ping() -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router)
    document_problems(app)
    return app


def _statuses(doc: dict[str, Any], path: str, method: str) -> set[str]:
    return set(doc["paths"][path][method]["responses"])


def test_statuses_follow_from_input_credentials_path_and_method() -> None:
    doc = _app().openapi()
    assert _statuses(doc, "/v1/things", "get") == {"200", "400", "401", "403", "422", "503"}
    assert _statuses(doc, "/v1/things", "post") == {
        *("201", "400", "401", "403", "409", "413", "422", "503"),
    }
    assert _statuses(doc, "/v1/things/{thing_id}", "get") == {
        *("200", "400", "401", "403", "404", "410", "422", "503"),
    }
    assert _statuses(doc, "/v1/ping", "post") == {"200", "503"}, "no input, no credentials"


def test_every_error_is_a_problem_and_the_fastapi_validation_schema_is_gone() -> None:
    doc = _app().openapi()
    for item in doc["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert response["content"] == {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["paths"]["/v1/things/{thing_id}"]["get"]["responses"]["410"]["description"] == (
        "Gone for good"
    )
    secured = doc["paths"]["/v1/things"]["get"]["security"]
    assert secured == [{"bearer": []}] and "security" not in doc["paths"]["/v1/ping"]["post"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_declaring_twice_changes_nothing_and_always_adds_statuses() -> None:
    doc = _app().openapi()
    assert declare_problems(doc) == _app().openapi()
    declare_problems(doc, always=(429,))
    assert all(
        "429" in operation["responses"]
        for item in doc["paths"].values()
        for operation in item.values()
    )
