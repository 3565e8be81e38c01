"""Which language a page speaks: Accept-Language first, then the header's switcher (a
plain POST, no JavaScript), remembered in a cookie and, for a learner, on the learner."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import LearnerPreferences

HOME = reverse("home")
SWITCH = reverse("set_language")
CALCULATORS = reverse("calculators:index")
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode())[1]


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-Hant-TW,zh;q=0.9,en;q=0.5", "zh-hant"),
        ("zh-TW", "zh-hant"),
        ("zh-HK,en;q=0.5", "zh-hant"),
        ("pl-PL,pl;q=0.9,en-US;q=0.8", "pl"),
        ("pl", "pl"),
        ("de-DE,de;q=0.9", "en"),
        ("", "en"),
    ],
)
def test_it_speaks_the_browsers_language_at_first(client, db, header, language):
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE=header)
    assert response["Content-Language"] == language
    assert html_lang(response) == language


def test_the_header_offers_each_language_named_in_itself_on_every_page(client, db):
    html = client.get(CALCULATORS, HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    form = html[html.index('data-testid="language-switcher"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in html[html.index('class="language-switcher"') - 10 :][:200]
    assert f'action="{SWITCH}"' in html
    assert 'name="csrfmiddlewaretoken"' in form
    assert f'name="next" value="{CALCULATORS}"' in form
    for code, name in (("en", "English"), ("zh-hant", "繁體中文"), ("pl", "Polski")):
        assert f'name="language" value="{code}" lang="{code}"' in form
        assert f">{name}</button>" in form
    # The current language is marked, the others are not.
    assert re.search(r'value="pl"[^>]*aria-pressed="true"', form)
    assert re.search(r'value="en"[^>]*aria-pressed="false"', form)


def test_the_switcher_is_a_plain_post_that_returns_to_the_page_in_the_new_language(client, db):
    page = f"{CALCULATORS}?quantity=1"
    response = client.post(SWITCH, {"language": "pl", "next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"

    # The browser still asks for English; the choice wins.
    again = client.get(page, HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(again) == "pl"
    assert "Kalkulatory" in again.content.decode()


def test_the_switcher_needs_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(SWITCH, {"language": "pl", "next": HOME})
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switcher_refuses_get_and_never_redirects_off_site(client, db):
    assert client.get(SWITCH, {"language": "pl"}).status_code == 405
    response = client.post(SWITCH, {"language": "pl", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_unknown_language_changes_nothing(learner_client, learner):
    response = learner_client.post(SWITCH, {"language": "xx", "next": HOME})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not LearnerPreferences.objects.filter(user=learner).exists()


def test_a_learners_choice_is_stored_on_them_and_follows_them_to_a_new_device(
    client, learner, password
):
    client.post(LOGIN, {"username": learner.username, "password": password})
    client.post(SWITCH, {"language": "zh-hant", "next": HOME})
    assert LearnerPreferences.objects.get(user=learner).language == "zh-hant"

    client.post(LOGOUT)
    # After log-out this browser keeps the language (its cookie).
    assert html_lang(client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")) == "zh-hant"

    # A new device asking for English: after log-in the learner's language wins.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(other.get(HOME)) == "en"
    response = other.post(LOGIN, {"username": learner.username, "password": password})
    assert response.status_code == 302
    page = other.get(HOME)
    assert html_lang(page) == "zh-hant"
    assert "登出" in page.content.decode()
    # ... and the device's cookie now says so too, for when the learner logs out.
    assert other.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"


def test_a_language_chosen_before_log_in_becomes_the_learners(client, learner, password):
    client.post(SWITCH, {"language": "pl", "next": HOME})
    client.post(LOGIN, {"username": learner.username, "password": password})
    assert LearnerPreferences.objects.get(user=learner).language == "pl"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"


def test_a_stored_language_beats_the_cookie_of_a_shared_browser(client, learner, password):
    LearnerPreferences.objects.create(user=learner, language="pl")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    client.post(LOGIN, {"username": learner.username, "password": password})
    assert html_lang(client.get(HOME)) == "pl"
    assert LearnerPreferences.objects.get(user=learner).language == "pl"


def test_the_stored_language_costs_a_signed_in_page_no_query(
    learner_client, learner, django_assert_num_queries
):
    # The header's notifications count page: session, user, unread count. The language
    # comes from the cookie; it is read from the database once, at log-in.
    with django_assert_num_queries(3):
        learner_client.get(CALCULATORS)
    learner_client.post(SWITCH, {"language": "pl", "next": CALCULATORS})
    with django_assert_num_queries(3):
        response = learner_client.get(CALCULATORS)
    assert html_lang(response) == "pl"


def test_the_api_and_htmx_fragments_of_a_learner_in_polish_still_cost_no_query(
    learner_client, django_assert_num_queries
):
    learner_client.post(SWITCH, {"language": "pl", "next": CALCULATORS})
    with django_assert_num_queries(0):
        learner_client.get("/api/calculators/initial-margin/", {"quantity": "1"})
    with django_assert_num_queries(0):
        learner_client.get(
            "/calculators/initial-margin/", {"quantity": "1"}, HTTP_HX_REQUEST="true"
        )
