"""The unread count in the page header: on every page for a logged-in learner, one query."""

from __future__ import annotations

from django.utils import timezone

from tests.notifications.factories import NotificationFactory

CALCULATOR = "/calculators/pnl/"


def test_it_shows_the_unread_count_on_every_page(learner_client, learner, other_learner):
    NotificationFactory.create_batch(3, user=learner)
    NotificationFactory(user=learner, read_at=timezone.now())
    NotificationFactory.create_batch(2, user=other_learner)

    for url in ("/", CALCULATOR, "/sandbox/", "/notifications/"):
        response = learner_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'href="/notifications/"' in html, url
        assert "Notifications (3)" in html, url


def test_it_says_notifications_without_a_count_when_all_are_read(learner_client, learner):
    NotificationFactory(user=learner, read_at=timezone.now())

    html = learner_client.get("/").content.decode()

    assert "Notifications (" not in html
    assert ">Notifications</a>" in html


def test_opening_one_lowers_the_count(learner_client, learner):
    first, _second = NotificationFactory.create_batch(2, user=learner)

    learner_client.post(f"/notifications/{first.pk}/open/")

    assert "Notifications (1)" in learner_client.get("/").content.decode()


def test_a_visitor_sees_no_notifications_link(client, db):
    html = client.get("/").content.decode()

    assert "/notifications/" not in html


def test_the_count_costs_one_query_on_an_existing_page(
    learner_client, learner, django_assert_num_queries
):
    NotificationFactory.create_batch(5, user=learner)

    # session, user (the header's username), and the unread count: nothing per row.
    with django_assert_num_queries(3):
        response = learner_client.get(CALCULATOR)
    assert response.status_code == 200
    assert "Notifications (5)" in response.content.decode()


def test_fragments_and_visitors_pay_nothing_for_it(
    client, learner_client, learner, django_assert_num_queries
):
    NotificationFactory(user=learner)

    # An htmx fragment has no header, so the lazy count is never evaluated.
    with django_assert_num_queries(0):
        assert learner_client.get(CALCULATOR, HTTP_HX_REQUEST="true").status_code == 200
    client.logout()
    with django_assert_num_queries(0):
        assert client.get(CALCULATOR).status_code == 200
