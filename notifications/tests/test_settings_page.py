"""The "Notification settings" page (issue 16 item 8): every member of staff chooses, for themselves only, how
alerts and action reminders reach them."""

import pytest
from django.urls import reverse

from notifications.models import Delivery, NotificationPreference
from safeguard.audit.models import AuditEvent

URL = "/account/notifications/"


def test_the_url_is_under_account():
    assert reverse("notifications:settings") == URL


def test_a_teacher_sees_the_choice_and_saves_the_digest(client, teacher):
    client.force_login(teacher)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1" in html and "Notification settings" in html
    assert page.context["form"]["delivery"].value() == Delivery.IMMEDIATE  # today's behaviour by default
    assert 'value="digest"' in html

    response = client.post(URL, {"delivery": "digest"})
    assert response.status_code == 302 and response.url == URL
    assert NotificationPreference.objects.get(user=teacher).delivery == Delivery.DIGEST
    event = AuditEvent.objects.get(action="notifications.preference.changed")
    assert event.actor == teacher and event.data == {"from": "immediate", "to": "digest"}
    followed = client.get(URL)
    assert "Your notification settings are saved." in followed.content.decode()
    assert followed.context["form"]["delivery"].value() == Delivery.DIGEST


def test_saving_the_same_choice_again_is_not_audited_twice(client, teacher):
    client.force_login(teacher)
    client.post(URL, {"delivery": "digest"})
    client.post(URL, {"delivery": "digest"})
    assert AuditEvent.objects.filter(action="notifications.preference.changed").count() == 1


def test_nothing_chosen_is_a_clear_error_and_changes_nothing(client, teacher):
    client.force_login(teacher)
    response = client.post(URL, {"delivery": "weekly"})
    assert response.status_code == 200
    assert response.context["form"].errors["delivery"]
    assert "There is a problem" in response.content.decode()
    response = client.post(URL, {})
    assert "Choose how alerts and action reminders reach you." in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_person_only_ever_changes_their_own_choice(client, teacher, dsl):
    """There is no page for someone else: naming another person in the form or the address changes only one's own."""
    client.force_login(teacher)
    client.post(f"{URL}?user={dsl.pk}", {"delivery": "digest", "user": dsl.pk, "user_id": dsl.pk})
    assert NotificationPreference.objects.get(user=teacher).delivery == Delivery.DIGEST
    assert not NotificationPreference.objects.filter(user=dsl).exists()
    assert client.get(f"{URL}{dsl.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["parent", "governor", "trust_admin"])
def test_people_who_get_no_alerts_find_no_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"delivery": "digest"}).status_code == 404
    assert not NotificationPreference.objects.exists()


def test_signed_out_goes_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
