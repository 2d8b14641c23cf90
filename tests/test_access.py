"""Access: open by default, a shared password, a signed-in (and listed) user — and settings
mistakes that close changes rather than open them."""

from __future__ import annotations

from typing import Any

import pytest

from etl.read.access import access_problem, may_change_data, needs_login, needs_password

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "client_id": "atlas"}}
ANNA = {"is_logged_in": True, "email": "Anna.Berg@Malmo.se", "email_verified": True}
NOBODY = {"is_logged_in": False}


def login(**access: Any) -> dict[str, Any]:
    return {**AUTH, "access": {"require_login": True, **access}}


def test_no_settings_allow_everyone() -> None:
    assert may_change_data({}, None, None)
    assert may_change_data({"access": {}}, NOBODY, None)
    assert not needs_password({}) and not needs_login({}) and access_problem({}) is None


@pytest.mark.parametrize(
    ("given", "allowed"),
    [("rätt lösen", True), ("rätt lösen ", False), ("fel", False), ("", False), (None, False)],
)
def test_password(given: str | None, allowed: bool) -> None:
    secrets = {"access": {"password": "rätt lösen"}}
    assert needs_password(secrets)
    assert may_change_data(secrets, ANNA, given) is allowed


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        (ANNA, True),
        (NOBODY, False),
        (None, False),
        ({**ANNA, "is_logged_in": "yes"}, False),
        ({**ANNA, "email_verified": False}, False),
    ],
)
def test_login_required(user: dict[str, Any] | None, allowed: bool) -> None:
    assert needs_login(login())
    assert may_change_data(login(), user, None) is allowed


@pytest.mark.parametrize(
    ("emails", "user", "allowed"),
    [
        (["anna.berg@malmo.se"], ANNA, True),
        ("anna.berg@malmo.se", ANNA, True),
        (["bo@stockholm.se"], ANNA, False),
        (["bo@stockholm.se"], {"is_logged_in": True}, False),
        ([], ANNA, True),
    ],
)
def test_allowed_emails(emails: Any, user: dict[str, Any], allowed: bool) -> None:
    assert may_change_data(login(allowed_emails=emails), user, None) is allowed


def test_password_and_login_are_both_needed() -> None:
    secrets = login(password="hemligt")
    assert may_change_data(secrets, ANNA, "hemligt")
    assert not may_change_data(secrets, ANNA, None)
    assert not may_change_data(secrets, NOBODY, "hemligt")


def test_empty_password_closes_changes() -> None:
    secrets = {"access": {"password": ""}}
    assert not may_change_data(secrets, ANNA, "")
    assert access_problem(secrets) == (
        "[access] password in .streamlit/secrets.toml is empty; "
        "set a password, or remove the line to leave changes open"
    )


def test_login_without_provider_closes_changes() -> None:
    secrets = {"access": {"require_login": True}}
    assert not may_change_data(secrets, ANNA, None)
    assert access_problem(secrets) == (
        "[access] require_login is set but no [auth] provider is configured in "
        ".streamlit/secrets.toml; add the [auth] section (see Streamlit's st.login) "
        "or remove require_login"
    )


@pytest.mark.parametrize(("value", "required"), [(False, False), ("no", True), (1, True)])
def test_only_an_explicit_false_turns_login_off(value: object, required: bool) -> None:
    secrets = {**AUTH, "access": {"require_login": value}}
    assert needs_login(secrets) is required
    assert may_change_data(secrets, NOBODY, None) is not required
