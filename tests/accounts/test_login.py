from __future__ import annotations

import time_machine


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_it_logs_in_with_the_right_password(client, learner, password):
    response = _login(client, "alice", password)
    assert response.status_code == 302
    assert client.get("/").context["user"] == learner


def test_it_explains_a_failed_log_in_without_saying_which_part_was_wrong(client, learner):
    response = _login(client, "alice", "wrong-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_it_rate_limits_after_repeated_failures(client, learner, password, settings):
    settings.LOGIN_RATE_LIMIT = 5
    for _ in range(5):
        assert _login(client, "alice", "wrong-password").status_code == 200
    blocked = _login(client, "alice", password)
    assert blocked.status_code == 429
    assert "Too many wrong passwords for this account" in blocked.content.decode()
    # Even the right password is refused while limited: that is the point.
    assert not client.get("/").context["user"].is_authenticated


def test_the_limit_does_not_lock_out_other_users(client, learner, other_learner, password):
    for _ in range(6):
        _login(client, "alice", "wrong-password")
    assert _login(client, "bob", password).status_code == 302


def test_the_limit_lifts_after_the_window(client, learner, password, settings):
    settings.LOGIN_RATE_WINDOW_SECONDS = 900
    with time_machine.travel("2026-01-01 10:00:00", tick=False) as traveller:
        for _ in range(6):
            _login(client, "alice", "wrong-password")
        assert _login(client, "alice", password).status_code == 429
        traveller.shift(901)
        assert _login(client, "alice", password).status_code == 302


def test_logout_is_post_only(client, learner):
    client.force_login(learner)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").context["user"].is_authenticated
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_password_change_needs_the_old_password(client, learner, password):
    client.force_login(learner)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password1": "x-new-passphrase-99",
            "new_password2": "x-new-passphrase-99",
        },
    )
    assert 'id="id_old_password_error"' in response.content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password1": "x-new-passphrase-99",
            "new_password2": "x-new-passphrase-99",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("x-new-passphrase-99")


def test_login_form_is_csrf_protected(learner, password):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post("/accounts/login/", {"username": "alice", "password": password}).status_code
        == 403
    )


def test_it_follows_only_a_local_next(client, learner, password):
    def login_with_next(next_url):
        client.post("/accounts/logout/")
        return client.post(
            "/accounts/login/", {"username": "alice", "password": password, "next": next_url}
        )

    assert login_with_next("/sandbox/")["Location"] == "/sandbox/"
    for bad in ("x", "//evil.example", "https://evil.example/", "javascript:alert(1)"):
        assert login_with_next(bad)["Location"] == "/"
