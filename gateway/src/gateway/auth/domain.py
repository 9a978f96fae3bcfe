"""Pure rules of auth: service accounts, the platform services that call other services'
APIs for a tenant.

Automations in the campaigns service assign leads through the leads API. The service
proves itself with a shared secret (``CRM_GATEWAY_SERVICE_SECRETS``, one per service) and
gets a short-lived token for one tenant with the fixed roles below, never more. A service
account acts in any tenant by design: such a service already handles every tenant's events.
"""

from __future__ import annotations

import hmac

SERVICE_ACCOUNT_ROLES: dict[str, tuple[str, ...]] = {"campaigns": ("sales_manager",)}
"""What each service may do when it calls an API (campaigns: assign leads to owners)."""


def service_roles(service: str, secret: str, configured: dict[str, str]) -> tuple[str, ...]:
    """The roles of ``service`` if ``secret`` is its configured one; none otherwise (the
    same answer for an unknown service and a wrong secret)."""
    expected = configured.get(service, "")
    roles = SERVICE_ACCOUNT_ROLES.get(service, ())
    if not (expected and roles and hmac.compare_digest(expected.encode(), secret.encode())):
        return ()
    return roles
