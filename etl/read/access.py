"""Who may change data: browsing is open to everyone; uploading documents and recording review
decisions can be restricted.

The settings live in `.streamlit/secrets.toml`, which is never committed:

- no `[access]` section: anyone may change data (local use on one's own machine, the default);
- `[access] password = "..."`: the shared password must be typed before changing data;
- `[access] require_login = true`, with an OIDC provider in `[auth]`: the person must be signed
  in (`st.login`); `allowed_emails = ["..."]` narrows it to those addresses.
  Password and login may be combined; then both are needed.

Any mistake in the settings denies every change rather than allowing them, and is named on
the page so that whoever keeps the server can fix it: a secrets file that cannot be read (a TOML
syntax error, not UTF-8 — in the project's `.streamlit/` or in the home folder's, which Streamlit
reads too), a misspelt section (`[acess]`) or key (`Password`, `requireLogin`), a value of the
wrong type, an empty password, login required without `[auth]`. This module is pure — the pages
pass in `st.secrets` (or why it could not be read), `st.user` and the typed password — so it is
tested without Streamlit.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from rapidfuzz import fuzz

ACCESS_KEYS = ("password", "require_login", "allowed_emails")
# A top-level section this close to "access" is a typo of it (rapidfuzz ratio, case folded:
# "aces" 80, "acess" and "acces" 91, "Access" 100); other sections a secrets file may hold
# score far lower ("auth" 20, "connections" 35, "accessibility" 63).
SECTION_TYPO_SCORE = 75
SETTINGS = ".streamlit/secrets.toml"


def access_problem(secrets: Mapping[str, Any], read_error: str | None = None) -> str | None:
    """What is wrong with the access settings, said so a person can fix it; None if nothing.

    `read_error` is why the secrets could not be read at all (then `secrets` is empty).
    """
    if read_error is not None:
        return (
            f"the secrets file cannot be read: {read_error}; "
            "fix the file (or remove it to leave changes open)"
        )
    problems = _section_problems(secrets)
    access = secrets.get("access")
    if access is None:
        return "; ".join(problems) or None
    if not isinstance(access, Mapping):
        return f"access in {SETTINGS} must be a section: write [access] on a line of its own"
    problems += _key_problems(access)
    if isinstance(access.get("password"), str) and not access["password"]:
        problems.append(
            f"[access] password in {SETTINGS} is empty; "
            "set a password, or remove the line to leave changes open"
        )
    if _login_required(access) and not secrets.get("auth"):
        problems.append(
            f"[access] require_login is set but no [auth] provider is configured in "
            f"{SETTINGS}; add the [auth] section (see Streamlit's st.login) "
            "or remove require_login"
        )
    if "allowed_emails" in access and not _login_required(access):
        problems.append(
            "[access] allowed_emails has no effect without require_login = true; "
            "add require_login = true (and an [auth] provider), or remove allowed_emails"
        )
    return "; ".join(problems) or None


def _section_problems(secrets: Mapping[str, Any]) -> list[str]:
    """Access settings outside [access], or a section that is a misspelling of it."""
    problems = []
    for key in secrets:
        if key in ACCESS_KEYS:
            problems.append(f"{key} in {SETTINGS} must be under [access], not above it")
        elif key != "access" and fuzz.ratio(key.casefold(), "access") >= SECTION_TYPO_SCORE:
            problems.append(f"[{key}] in {SETTINGS} is not a known section; did you mean [access]?")
    return problems


def _key_problems(access: Mapping[str, Any]) -> list[str]:
    """Unknown keys and values of the wrong type in [access]."""
    problems = [
        f"[access] {key} in {SETTINGS} is not a known setting; use {', '.join(ACCESS_KEYS)}"
        for key in access
        if key not in ACCESS_KEYS
    ]
    if "password" in access and not isinstance(access["password"], str):
        problems.append(f'[access] password in {SETTINGS} must be text in quotes: password = "…"')
    if "require_login" in access and not isinstance(access["require_login"], bool):
        problems.append(f"[access] require_login in {SETTINGS} must be true or false")
    emails = access.get("allowed_emails", [])
    if not isinstance(emails, str) and not (
        isinstance(emails, list) and all(isinstance(e, str) for e in emails)
    ):
        problems.append(
            f'[access] allowed_emails in {SETTINGS} must be a list of addresses: ["a@b.se"]'
        )
    return problems


def needs_password(secrets: Mapping[str, Any]) -> bool:
    """Whether the page should ask for the shared password."""
    return "password" in _access(secrets)


def needs_login(secrets: Mapping[str, Any]) -> bool:
    """Whether the page should offer the sign-in button."""
    return _login_required(_access(secrets))


def may_change_data(
    secrets: Mapping[str, Any],
    user: Mapping[str, Any] | None,
    password_given: str | None,
    read_error: str | None = None,
) -> bool:
    """Whether this person may upload documents or record review decisions."""
    if access_problem(secrets, read_error) is not None:
        return False
    access = _access(secrets)
    if needs_password(secrets) and not _password_matches(str(access["password"]), password_given):
        return False
    return not _login_required(access) or _signed_in_and_allowed(access, user)


def _access(secrets: Mapping[str, Any]) -> Mapping[str, Any]:
    access = secrets.get("access")
    return access if isinstance(access, Mapping) else {}


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
