from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import views

PASSPHRASE = "a-long-unusual-passphrase-42"


def _sign_up(client, username="gina", *, path="/accounts/signup/", **extra):
    return client.post(
        path,
        {
            "username": username,
            "email": f"{username}@example.com",
            "password1": PASSPHRASE,
            "password2": PASSPHRASE,
            **extra,
        },
    )


def test_it_creates_an_account_and_logs_the_learner_in(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="carol", email="carol@example.com").exists()
    home = client.get("/")
    assert "carol" in home.content.decode()


def test_it_shows_password_validator_errors_next_to_the_field(client, db):
    response = client.post(
        "/accounts/signup/",
        {"username": "dave", "email": "dave@example.com", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_password2_error"' in html
    assert "too short" in html
    assert "entirely numeric" in html
    assert not get_user_model().objects.filter(username="dave").exists()


def test_it_rejects_mismatched_passwords(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "another-long-passphrase-43",
        },
    )
    assert "didn’t match" in response.content.decode()
    assert not get_user_model().objects.filter(username="erin").exists()


def test_it_rejects_a_taken_username_and_email(client, learner):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ALICE",
            "email": "Alice@Example.com",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    html = response.content.decode()
    assert 'id="id_username_error"' in html
    assert 'id="id_email_error"' in html
    assert get_user_model().objects.count() == 1


def test_it_requires_an_email(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "frank",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    assert 'id="id_email_error"' in response.content.decode()


def test_every_signup_field_has_a_label(client, db):
    html = client.get("/accounts/signup/").content.decode()
    for field in ("username", "email", "password1", "password2"):
        assert f'<label for="id_{field}">' in html


def test_it_does_not_redirect_to_another_host_after_signup(client, db):
    response = client.post(
        "/accounts/signup/?next=https://evil.example/",
        {
            "username": "gina",
            "email": "gina@example.com",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "bad_next",
    [
        "x",
        "sandbox/",
        "//evil.example",
        "///evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        " javascript:alert(1)",
    ],
)
@pytest.mark.parametrize("where", ["query", "form"])
def test_it_sends_an_unsafe_next_to_the_start_page_and_still_logs_in(client, db, bad_next, where):
    if where == "query":
        response = _sign_up(client, path="/accounts/signup/?" + _query(bad_next))
    else:
        response = _sign_up(client, next=bad_next)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"].get_username() == "gina"
    assert get_user_model().objects.filter(username="gina").count() == 1


def _query(next_url: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": next_url})


def test_it_honours_a_local_next(client, db):
    response = _sign_up(client, path="/accounts/signup/?next=/sandbox/")
    assert response.status_code == 302
    assert response["Location"] == "/sandbox/"
    assert client.get("/").context["user"].is_authenticated


def test_the_signup_page_carries_only_a_safe_next_into_its_form(client, db):
    assert (
        'name="next" value="/sandbox/"'
        in client.get("/accounts/signup/?next=/sandbox/").content.decode()
    )
    assert 'name="next" value=""' in client.get("/accounts/signup/?next=x").content.decode()


def test_a_failure_after_the_user_row_leaves_no_account_behind(db, monkeypatch):
    def broken_login(*args, **kwargs):
        raise RuntimeError("session store down")

    client = Client(raise_request_exception=False)
    with monkeypatch.context() as patched:
        patched.setattr(views, "login", broken_login)
        assert _sign_up(client).status_code == 500
    assert not get_user_model().objects.filter(username="gina").exists()
    # ... so the retry works instead of saying the name is taken.
    assert _sign_up(client).status_code == 302
    assert get_user_model().objects.filter(username="gina").count() == 1


def test_a_name_taken_by_a_simultaneous_signup_gets_a_message_not_a_500(client, db, monkeypatch):
    # Simulates the race on PostgreSQL: both sign-ups pass the check, one insert fails.
    from accounts.forms import SignupForm

    get_user_model().objects.create_user("gina", "first@example.com", PASSPHRASE)
    monkeypatch.setattr(SignupForm, "clean_username", lambda form: form.cleaned_data["username"])
    monkeypatch.setattr(SignupForm, "validate_unique", lambda form: None)
    response = _sign_up(client)
    assert response.status_code == 200
    assert 'id="id_username_error"' in response.content.decode()
    assert get_user_model().objects.filter(username="gina").count() == 1
    assert not client.get("/").context["user"].is_authenticated
