from __future__ import annotations

from django.contrib.auth import get_user_model


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
