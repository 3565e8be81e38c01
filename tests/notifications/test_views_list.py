"""/notifications/: the learner's own list, opening one, marking all read."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.views import PER_PAGE
from tests.notifications.factories import NotificationFactory

LIST = "/notifications/"
# session, user, page count, the page's rows, the header's unread count
LIST_QUERIES = 5


def make(user, count, **fields):
    start = timezone.now() - datetime.timedelta(hours=count)
    return [
        NotificationFactory(
            user=user, created_at=start + datetime.timedelta(hours=i), title=f"Event {i}", **fields
        )
        for i in range(count)
    ]


def test_it_redirects_a_visitor_to_log_in(client, db):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/notifications/")


def test_it_lists_the_learners_own_newest_first(learner_client, learner, other_learner):
    make(learner, 3)
    NotificationFactory(user=other_learner, title="Bob's liquidation")

    response = learner_client.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Event 2") < html.index("Event 1") < html.index("Event 0")
    assert "Bob&#x27;s liquidation" not in html and "Bob's liquidation" not in html


def test_unread_ones_are_marked_new_and_read_ones_are_not(learner_client, learner):
    _unread, read = make(learner, 2)
    read.read_at = timezone.now()
    read.save()

    html = learner_client.get(LIST).content.decode()

    assert html.count('class="notification panel unread"') == 1
    assert html.count(">New<") == 1
    assert "1 unread" in html


def test_opening_the_list_marks_nothing_read(learner_client, learner):
    make(learner, 2)

    learner_client.get(LIST)

    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_opening_one_marks_it_read_and_goes_to_its_link(learner_client, learner):
    first, second = make(learner, 2, link="/sandbox/margin/")

    response = learner_client.post(f"/notifications/{first.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == "/sandbox/margin/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_opening_one_without_a_link_returns_to_its_page(learner_client, learner):
    [notification] = make(learner, 1, link="")

    response = learner_client.post(f"/notifications/{notification.pk}/open/", {"page": "2"})

    assert response["Location"] == "/notifications/?page=2"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_twice_keeps_the_first_read_time(learner_client, learner):
    [notification] = make(learner, 1)
    learner_client.post(f"/notifications/{notification.pk}/open/")
    notification.refresh_from_db()
    first_read = notification.read_at

    learner_client.post(f"/notifications/{notification.pk}/open/")

    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_another_learners_notification_is_not_found(other_client, learner):
    [notification] = make(learner, 1)

    response = other_client.post(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_missing_one_is_not_found(learner_client):
    assert learner_client.post("/notifications/424242/open/").status_code == 404


def test_opening_needs_a_post(learner_client, learner):
    [notification] = make(learner, 1)

    response = learner_client.get(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_visitor_cannot_open_one(client, learner):
    [notification] = make(learner, 1)

    response = client.post(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_the_learners_own(learner_client, learner, other_learner):
    make(learner, 3)
    [bobs] = make(other_learner, 1)

    response = learner_client.post("/notifications/read-all/", follow=True)

    assert response.redirect_chain == [("/notifications/", 302)]
    assert "Marked 3 notifications as read." in response.content.decode()
    assert not Notification.objects.filter(user=learner, read_at__isnull=True).exists()
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_mark_all_read_needs_a_post(learner_client, learner):
    make(learner, 1)

    assert learner_client.get("/notifications/read-all/").status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_posts_need_the_csrf_token(learner, client):
    from django.test import Client

    [notification] = make(learner, 1)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)

    assert strict.post("/notifications/read-all/").status_code == 403
    assert strict.post(f"/notifications/{notification.pk}/open/").status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_it_paginates_newest_first(learner_client, learner):
    make(learner, PER_PAGE + 5)

    first = learner_client.get(LIST).content.decode()
    second = learner_client.get(LIST, {"page": 2}).content.decode()

    assert first.count('data-testid="notification"') == PER_PAGE
    assert f"Event {PER_PAGE + 4}" in first and "Event 4<" not in first
    assert second.count('data-testid="notification"') == 5
    assert "Event 4<" in second and "Event 0<" in second
    assert "Page 2 of 2" in second
    assert 'rel="prev"' in second


def test_a_page_out_of_range_shows_the_last_one(learner_client, learner):
    make(learner, 3)

    response = learner_client.get(LIST, {"page": "99"})

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="notification"') == 3


@pytest.mark.parametrize("count", [1, PER_PAGE * 3])
def test_the_list_costs_the_same_queries_however_many_there_are(
    learner_client, learner, django_assert_num_queries, count
):
    make(learner, count)

    with django_assert_num_queries(LIST_QUERIES):
        assert learner_client.get(LIST).status_code == 200
    with django_assert_num_queries(LIST_QUERIES):
        assert learner_client.get(LIST, {"page": 2}).status_code == 200
