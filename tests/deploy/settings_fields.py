"""The environment variable names a service's settings accept (deployment files may name
no other ``CRM_<SERVICE>_*`` variable)."""

from __future__ import annotations

import importlib
from typing import Any

from crm_shared.settings import ServiceSettings


def unknown_settings(name: str, variables: list[str]) -> list[str]:
    """The ``CRM_<NAME>_*`` variables among ``variables`` that no settings field reads."""
    fields: set[str] = set()
    classes: list[Any] = [ServiceSettings]
    module = importlib.import_module(f"{name}.settings")
    classes += [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, ServiceSettings)
    ]
    for cls in classes:
        for field_name, info in cls.model_fields.items():
            fields.add(field_name.lower())
            if isinstance(info.alias, str):
                fields.add(info.alias.lower())
    prefix = f"CRM_{name.upper()}_"
    return sorted(
        key
        for key in variables
        if key.startswith(prefix) and key[len(prefix) :].lower() not in fields
    )
