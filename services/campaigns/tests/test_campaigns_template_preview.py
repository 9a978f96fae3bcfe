"""Template previews: a template personalized as its e-mail would be, for a chosen, a
sample or a placeholder contact, with the sent e-mail's fallbacks and HTML escaping."""

from __future__ import annotations

from typing import Any

from crm_shared.events.catalogue import AccountCreated
from crm_shared.ids import new_id

from .conftest import CampaignsHarness, snapshot

URL = "/v1/campaigns/template-preview"
TEMPLATE: dict[str, Any] = {
    "subject": 'Halo {{first_name | "kawan"}}',
    "body_text": "Hai {{full_name}} dari {{company}}",
    "body_html": '<p>Hai {{first_name}}</p><a href="https://toko.co.id/promo">Promo</a>',
}


async def preview(campaigns: CampaignsHarness, body: dict[str, Any], *roles: str) -> dict[str, Any]:
    response = await campaigns.client.post(URL, json=body, headers=campaigns.auth(*roles))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_preview_personalizes_for_a_sample_contact_with_escaping_and_footers(
    campaigns: CampaignsHarness,
) -> None:
    account = new_id("acc")
    await campaigns.publish(
        "contacts",
        AccountCreated(
            account_id=account,
            name="Toko <Maju>",
            industry="retail",
            employee_count=5,
            type="customer",
        ),
    )
    (contact_id,) = await campaigns.add_contacts(
        snapshot(first_name="<Siti>", last_name="Rahayu", account_id=account)
    )
    result = await preview(campaigns, {"template": TEMPLATE}, "viewer")
    assert result["contact"]["id"] == contact_id
    assert result["subject"] == "Halo <Siti>"
    assert result["body_text"].startswith("Hai <Siti> Rahayu dari ")  # plain text: as is
    # no tracking: the link stays, an unsubscribe footer stands for the recipient's own
    html = result["body_html"]
    assert html.startswith('<p>Hai &lt;Siti&gt;</p><a href="https://toko.co.id/promo">Promo</a>')
    assert "Unsubscribe" in html and "/track/" not in html and "<img" not in html
    assert "To stop receiving these e-mails" in result["body_text"]


async def test_preview_for_a_chosen_contact_uses_its_values_and_fallbacks(
    campaigns: CampaignsHarness,
) -> None:
    first, second = await campaigns.add_contacts(
        snapshot(first_name="Budi"), snapshot(first_name=None, last_name="Santoso")
    )
    result = await preview(
        campaigns, {"template": {**TEMPLATE, "body_html": None}, "contact_id": second}
    )
    assert result["contact"] == {
        "id": second,
        "first_name": None,
        "last_name": "Santoso",
        "email": f"{second.lower()}@contoh.co.id",
    }
    assert result["subject"] == "Halo kawan" and result["body_html"] is None
    assert result["body_text"].startswith("Hai Santoso dari \n")  # empty company, no fallback
    chosen = await preview(campaigns, {"template": TEMPLATE, "contact_id": first})
    assert chosen["subject"] == "Halo Budi"

    missing = await campaigns.client.post(
        URL, json={"template": TEMPLATE, "contact_id": "con_unknown"}, headers=campaigns.auth()
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    elsewhere = await campaigns.client.post(
        URL,
        json={"template": TEMPLATE, "contact_id": first},
        headers=campaigns.auth(tenant="tenant_other"),
    )
    assert elsewhere.status_code == 404  # another tenant's contact


async def test_preview_without_contacts_uses_placeholder_values(
    campaigns: CampaignsHarness,
) -> None:
    template = {"subject": "{{full_name}}", "body_text": "Keluar: {{unsubscribe_url}}"}
    result = await preview(campaigns, {"template": template}, "marketing")
    assert result["contact"] is None
    assert result["subject"] == "Sari Wijaya"
    assert result["body_text"] == "Keluar: https://unsubscribe.example/preview"


async def test_bad_templates_are_refused_like_on_create_and_roles_are_checked(
    campaigns: CampaignsHarness,
) -> None:
    for template, field in (
        ({"subject": "Hi {{password}}", "body_text": "ok"}, "subject"),
        ({"subject": "Hi", "body_text": "{{first_name"}, "body_text"),
        ({"subject": "Hi", "body_text": "ok", "body_html": "{{ x }}"}, "body_html"),
    ):
        response = await campaigns.client.post(
            URL, json={"template": template}, headers=campaigns.auth()
        )
        assert response.status_code == 422, template
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text
    ok = {"template": {"subject": "Hi", "body_text": "ok"}}
    assert (await campaigns.client.post(URL, json=ok)).status_code == 401
    for role in ("viewer", "sales", "support", "marketing"):
        assert (
            await campaigns.client.post(URL, json=ok, headers=campaigns.auth(role))
        ).status_code == 200
