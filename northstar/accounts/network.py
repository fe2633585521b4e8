"""The client's address, for the security log and for failed-login throttling."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind NORTHSTAR_TRUSTED_PROXIES reverse proxies the address the outermost
    trusted proxy saw, read from the right of X-Forwarded-For (entries further left are set by the
    client and could be forged). None when there is no valid address (e.g. a test's force_login).
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "NORTHSTAR_TRUSTED_PROXIES", 0)
    if proxies > 0:
        forwarded = [
            a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if forwarded:
            candidate = _valid(forwarded[-min(proxies, len(forwarded))])
            if candidate:
                return candidate
    return _valid(remote)


def client_address(request) -> str:
    """client_ip() for a log line: "?" when unknown."""
    return (client_ip(request) if request is not None else None) or "?"
