from __future__ import annotations

from tests.notifications.factories import NotificationFactory


def test_staff_can_read_and_search_notifications(client, staff, learner):
    NotificationFactory(user=learner, title="Liquidation at 58,000.00 USDT")
    client.force_login(staff)

    response = client.get("/admin/notifications/notification/", {"q": "alice"})

    assert response.status_code == 200
    assert "Liquidation at 58,000.00 USDT" in response.content.decode()


def test_nobody_adds_one_by_hand(client, staff):
    client.force_login(staff)

    assert client.get("/admin/notifications/notification/add/").status_code == 403
