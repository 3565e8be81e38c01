"""Every way to check a password shares one limiter (SPEC §8).

The site's log-in, the admin's log-in and both password-change forms count
wrong passwords against (username, client address). A limited request answers
429 with how long to wait, and changes nothing - not even with the right password.
"""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth import get_user_model

WINDOW_START = "2026-01-01 10:00:00"  # a multiple of the 15-minute window
NEW_PASSWORD = "x-new-passphrase-99"


@pytest.fixture(autouse=True)
def _five_per_quarter_hour(settings):
    settings.LOGIN_RATE_LIMIT = 5
    settings.LOGIN_RATE_WINDOW_SECONDS = 900


def _site_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _admin_login(client, username, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        **extra,
    )


def _change_password(client, path, old):
    return client.post(
        path,
        {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def _logged_in_as(client) -> str:
    return client.get("/").context["user"].get_username()


def test_the_admin_login_refuses_the_right_password_after_repeated_failures(
    client, staff, password
):
    with time_machine.travel(WINDOW_START, tick=False):
        for _ in range(5):
            response = _admin_login(client, "sam", "wrong-password")
            assert response.status_code == 200
            assert "Please enter the correct username and password" in response.content.decode()
        blocked = _admin_login(client, "sam", password)
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "900"
    assert "Try again in 15 minutes." in blocked.content.decode()
    assert _logged_in_as(client) == ""
    staff.refresh_from_db()
    assert staff.last_login is None


def test_the_admin_login_still_works_below_the_limit(client, staff, password):
    for _ in range(4):
        _admin_login(client, "sam", "wrong-password")
    response = _admin_login(client, "sam", password)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert _logged_in_as(client) == "sam"


def test_the_site_and_the_admin_share_one_count(client, staff, password):
    for _ in range(3):
        _site_login(client, "sam", "wrong-password")
    for _ in range(2):
        _admin_login(client, "Sam", "wrong-password")
    assert _site_login(client, "sam", password).status_code == 429
    assert _admin_login(client, "sam", password).status_code == 429
    assert _logged_in_as(client) == ""


def test_the_count_is_per_address(client, staff, password):
    for _ in range(5):
        _admin_login(client, "sam", "wrong-password", REMOTE_ADDR="203.0.113.9")
    assert _admin_login(client, "sam", password, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert _admin_login(client, "sam", password, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_successful_log_in_clears_the_count(client, learner, password):
    for _ in range(4):
        _site_login(client, "alice", "wrong-password")
    assert _site_login(client, "alice", password).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert _site_login(client, "alice", "wrong-password").status_code == 200
    assert _site_login(client, "alice", password).status_code == 302


def test_a_logged_in_visitor_cannot_clear_another_accounts_count(
    client, learner, other_learner, password
):
    for _ in range(5):
        _site_login(client, "alice", "wrong-password")
    client.force_login(other_learner)
    # The site's form redirects a logged-in visitor without checking anything.
    _site_login(client, "alice", "wrong-password")
    client.post("/accounts/logout/")
    assert _site_login(client, "alice", password).status_code == 429


@pytest.mark.parametrize(
    "path", ["/accounts/password/", "/admin/password_change/"], ids=["site", "admin"]
)
def test_a_wrong_old_password_counts_and_the_limit_changes_nothing(client, staff, password, path):
    client.force_login(staff)
    with time_machine.travel(WINDOW_START, tick=False):
        for _ in range(5):
            response = _change_password(client, path, "wrong-old-password")
            assert response.status_code == 200
            assert 'id="id_old_password_error"' in response.content.decode() or (
                "Your old password was entered incorrectly" in response.content.decode()
            )
        blocked = _change_password(client, path, password)
    assert blocked.status_code == 429
    assert "Try again in 15 minutes." in blocked.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(password)
    assert not staff.check_password(NEW_PASSWORD)


def test_wrong_old_passwords_also_lock_the_log_in(client, learner, password):
    client.force_login(learner)
    for _ in range(5):
        _change_password(client, "/accounts/password/", "wrong-old-password")
    client.post("/accounts/logout/")
    assert _site_login(client, "alice", password).status_code == 429


def test_a_right_old_password_changes_it_below_the_limit(client, learner, password):
    client.force_login(learner)
    for _ in range(4):
        _change_password(client, "/accounts/password/", "wrong-old-password")
    assert _change_password(client, "/accounts/password/", password).status_code == 302
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)


def test_the_admin_password_change_still_needs_staff(client, learner, password):
    client.force_login(learner)
    response = _change_password(client, "/admin/password_change/", password)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert get_user_model().objects.get(username="alice").check_password(password)


def test_a_learner_with_the_right_password_at_the_admin_is_not_counted_as_guessing(
    client, learner, password
):
    for _ in range(6):
        response = _admin_login(client, "alice", password)
        assert response.status_code == 200
        assert "staff account" in response.content.decode()
    assert _site_login(client, "alice", password).status_code == 302
