"""Who may change data: browsing is open to everyone; uploading documents and recording review
decisions can be restricted.

The settings live in `.streamlit/secrets.toml`, which is never committed:

- no `[access]` section: anyone may change data (local use on one's own machine, the default);
- `[access] password = "..."`: the shared password must be typed before changing data;
- `[access] require_login = true`, with an OIDC provider in `[auth]`: the person must be signed
  in (`st.login`); `allowed_emails = ["..."]` narrows it to those addresses.
  Password and login may be combined; then both are needed.

A setting that is present but unusable (an empty password, login required without `[auth]`)
denies every change rather than allowing them: a mistake in the settings must not open the
data. This module is pure — the pages pass in `st.secrets`, `st.user` and the typed password —
so it is tested without Streamlit.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any


def access_problem(secrets: Mapping[str, Any]) -> str | None:
    """What is wrong with the access settings, said so a person can fix it; None if nothing."""
    access = secrets.get("access") or {}
    if "password" in access and not str(access["password"] or ""):
        return (
            "[access] password in .streamlit/secrets.toml is empty; "
            "set a password, or remove the line to leave changes open"
        )
    if _login_required(access) and not secrets.get("auth"):
        return (
            "[access] require_login is set but no [auth] provider is configured in "
            ".streamlit/secrets.toml; add the [auth] section (see Streamlit's st.login) "
            "or remove require_login"
        )
    return None


def needs_password(secrets: Mapping[str, Any]) -> bool:
    """Whether the page should ask for the shared password."""
    return "password" in (secrets.get("access") or {})


def needs_login(secrets: Mapping[str, Any]) -> bool:
    """Whether the page should offer the sign-in button."""
    return _login_required(secrets.get("access") or {})


def may_change_data(
    secrets: Mapping[str, Any], user: Mapping[str, Any] | None, password_given: str | None
) -> bool:
    """Whether this person may upload documents or record review decisions."""
    if access_problem(secrets) is not None:
        return False
    access = secrets.get("access") or {}
    if needs_password(secrets) and not _password_matches(str(access["password"]), password_given):
        return False
    return not _login_required(access) or _signed_in_and_allowed(access, user)


def _login_required(access: Mapping[str, Any]) -> bool:
    # Anything but an explicit false counts as required: a typo must not open the data.
    return access.get("require_login", False) is not False


def _password_matches(expected: str, given: str | None) -> bool:
    # compare_digest takes the same time however much of the password is right.
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _signed_in_and_allowed(access: Mapping[str, Any], user: Mapping[str, Any] | None) -> bool:
    if user is None or user.get("is_logged_in") is not True:
        return False
    if user.get("email_verified") is False:
        return False
    allowed = access.get("allowed_emails") or []
    if isinstance(allowed, str):
        allowed = [allowed]
    if not allowed:
        return True
    email = str(user.get("email") or "").strip().casefold()
    return bool(email) and email in {str(a).strip().casefold() for a in allowed}
