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
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from etl.read.i18n import t

ACCESS_KEYS = ("password", "require_login", "allowed_emails")
# A top-level section this close to "access" is a typo of it (rapidfuzz ratio, case folded:
# "aces" 80, "acess" and "acces" 91, "Access" 100); other sections a secrets file may hold
# score far lower ("auth" 20, "connections" 35, "accessibility" 63).
SECTION_TYPO_SCORE = 75
SETTINGS = ".streamlit/secrets.toml"


@dataclass(frozen=True)
class SettingProblem:
    """One thing wrong with the access settings: the key of its text
    (`access.problem.<key>` in the locale files) and the values in it."""

    key: str
    values: Mapping[str, str] = field(default_factory=dict)


def access_problem(
    secrets: Mapping[str, Any], read_error: str | None = None, lang: str = "en"
) -> str | None:
    """What is wrong with the access settings, said in `lang` so a person can fix it; None if
    nothing. `read_error` is why the secrets could not be read at all (then `secrets` is
    empty); it is the reader's own message and stays as it is."""
    problems = access_problems(secrets, read_error)
    if not problems:
        return None
    return "; ".join(
        t(f"access.problem.{p.key}", lang).format(settings=SETTINGS, **p.values) for p in problems
    )


def access_problems(
    secrets: Mapping[str, Any], read_error: str | None = None
) -> list[SettingProblem]:
    """Each thing wrong with the access settings: a text key (`access.problem.<key>`) and the
    values in it."""
    if read_error is not None:
        return [SettingProblem("unreadable", {"detail": read_error})]
    problems = _section_problems(secrets)
    access = secrets.get("access")
    if access is None:
        return problems
    if not isinstance(access, Mapping):
        return [SettingProblem("not_a_section")]
    problems += _key_problems(access)
    if isinstance(access.get("password"), str) and not access["password"]:
        problems.append(SettingProblem("empty_password"))
    if _login_required(access) and not secrets.get("auth"):
        problems.append(SettingProblem("login_without_auth"))
    if "allowed_emails" in access and not _login_required(access):
        problems.append(SettingProblem("emails_without_login"))
    return problems


def _section_problems(secrets: Mapping[str, Any]) -> list[SettingProblem]:
    """Access settings outside [access], or a section that is a misspelling of it."""
    problems = []
    for key in secrets:
        if key in ACCESS_KEYS:
            problems.append(SettingProblem("outside_section", {"key": key}))
        elif key != "access" and fuzz.ratio(key.casefold(), "access") >= SECTION_TYPO_SCORE:
            problems.append(SettingProblem("section_typo", {"key": key}))
    return problems


def _key_problems(access: Mapping[str, Any]) -> list[SettingProblem]:
    """Unknown keys and values of the wrong type in [access]."""
    problems = [
        SettingProblem("unknown_key", {"key": key, "keys": ", ".join(ACCESS_KEYS)})
        for key in access
        if key not in ACCESS_KEYS
    ]
    if "password" in access and not isinstance(access["password"], str):
        problems.append(SettingProblem("password_type"))
    if "require_login" in access and not isinstance(access["require_login"], bool):
        problems.append(SettingProblem("require_login_type"))
    emails = access.get("allowed_emails", [])
    if not isinstance(emails, str) and not (
        isinstance(emails, list) and all(isinstance(e, str) for e in emails)
    ):
        problems.append(SettingProblem("emails_type"))
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
    if access_problems(secrets, read_error):
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
