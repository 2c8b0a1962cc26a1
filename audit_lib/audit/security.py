"""Security of processing (Art 32, 5(1)(f)): what the register shows on its face."""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import AuditContext, Hit, rule

CREDENTIALS = "user.authorization"
"""fideslang data categories of passwords, credentials and biometric authenticators."""


@rule("ROPA-K001", "high", "Art 32(1), 5(1)(f)", "Credentials kept in cookies",
      "Never store passwords or other credentials on the user's device: keep a random, expiring session "
      "token (HttpOnly, Secure, SameSite) and verify salted password hashes on the server; remove the "
      "cookie and invalidate the stored values.",
      group="{n} cookies store passwords or other credentials on the user's device")
def credentials_in_cookies(ctx: AuditContext) -> Iterator[Hit]:
    """A cookie (or other client-side storage) stores passwords or other credentials
    (user.authorization.*), where anyone with access to the device or the traffic can read them."""
    for c in ctx.register.commitments.cookies:
        found = [str(d) for d in c.data_categories if d.key.startswith(CREDENTIALS)]
        if found:
            yield Hit(f"commitments.cookies.{c.id}", "data_categories",
                      f"{c.name}: stores {', '.join(found)} on the user's device", detail=c.id)
