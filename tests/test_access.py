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


@pytest.mark.parametrize(
    ("secrets", "problem"),
    [
        (
            {"acess": {"password": "x"}},
            "[acess] in .streamlit/secrets.toml is not a known section; did you mean [access]?",
        ),
        (
            {"access": {"Password": "x"}},
            "[access] Password in .streamlit/secrets.toml is not a known setting; "
            "use password, require_login, allowed_emails",
        ),
        (
            {**AUTH, "access": {"requireLogin": True}},
            "[access] requireLogin in .streamlit/secrets.toml is not a known setting; "
            "use password, require_login, allowed_emails",
        ),
        (
            {"password": "x"},
            "password in .streamlit/secrets.toml must be under [access], not above it",
        ),
        (
            {"access": {"password": 1234}},
            '[access] password in .streamlit/secrets.toml must be text in quotes: password = "…"',
        ),
        (
            {**AUTH, "access": {"require_login": "yes"}},
            "[access] require_login in .streamlit/secrets.toml must be true or false",
        ),
        (
            {**AUTH, "access": {"require_login": True, "allowed_emails": [1]}},
            "[access] allowed_emails in .streamlit/secrets.toml must be a list of addresses: "
            '["a@b.se"]',
        ),
        (
            {"access": {"allowed_emails": ["anna@malmo.se"]}},
            "[access] allowed_emails has no effect without require_login = true; "
            "add require_login = true (and an [auth] provider), or remove allowed_emails",
        ),
        (
            {"access": "x"},
            "access in .streamlit/secrets.toml must be a section: write [access] on a line of its "
            "own",
        ),
    ],
)
def test_a_typo_or_wrong_type_closes_changes_and_is_named(
    secrets: dict[str, Any], problem: str
) -> None:
    assert access_problem(secrets) == problem
    assert not may_change_data(secrets, ANNA, "x")


def test_secrets_that_cannot_be_read_close_changes() -> None:
    error = "Error parsing secrets file at /srv/.streamlit/secrets.toml: Invalid value (at line 2)"
    assert not may_change_data({}, ANNA, "x", read_error=error)
    assert access_problem({}, read_error=error) == (
        f"the secrets file cannot be read: {error}; fix the file (or remove it to leave changes "
        "open)"
    )


def test_other_sections_are_left_alone() -> None:
    secrets = {**login(), "connections": {"db": {"url": "x"}}, "accessibility": {"a": 1}}
    assert access_problem(secrets) is None
