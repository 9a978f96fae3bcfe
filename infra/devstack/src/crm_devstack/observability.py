"""Test helpers reading what apps report on their ``/metrics``."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


@dataclass(frozen=True)
class Scrape:
    """One parsed ``/metrics`` exposition."""

    samples: list[Sample]

    def matching(self, name: str, **labels: str) -> list[Sample]:
        """Samples called ``name`` (``..._total``, ``..._count``) whose labels include
        ``labels``."""
        return [
            s
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    def value(self, name: str, **labels: str) -> float | None:
        """The one sample called ``name`` with ``labels`` (None if absent; an error if
        several match)."""
        found = self.matching(name, **labels)
        assert len(found) <= 1, f"{len(found)} samples of {name} match {labels}"
        return found[0].value if found else None

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples called ``name`` whose labels include ``labels``."""
        return sum(s.value for s in self.matching(name, **labels))


async def scrape(client: httpx.AsyncClient, path: str = "/metrics") -> Scrape:
    """GET the app's exposition and parse it (asserting a 200 in the text format)."""
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain"), response.headers
    families = text_string_to_metric_families(response.text)
    return Scrape([sample for family in families for sample in family.samples])
