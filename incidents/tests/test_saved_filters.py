"""Issue 16 item 9: a member of staff saves the incident list's filter under a name, applies it again in one click
and removes it; saved filters are private to their owner and never deleted."""

import pytest
from django.urls import reverse

from incidents.models import SavedIncidentFilter
from incidents.tests.factories import IncidentFactory
from safeguard.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def list_url(school):
    return reverse("incidents:list", args=[school.slug])


def save(client, school, name, **filters):
    response = client.post(reverse("incidents:saved_filter_save", args=[school.slug]), {"name": name, **filters})
    client.get(response["Location"])  # the page after it shows (and so uses up) the message
    return response


def test_a_filter_is_saved_from_the_list_and_applied_again_in_one_click(client, school, slt, pupil):
    open_level_3 = IncidentFactory(school=school, pupils=[pupil], behaviour_level=3, description="Kicked a door.")
    level_1 = IncidentFactory(school=school, pupils=[pupil], behaviour_level=1, description="Talked in assembly.")
    client.force_login(slt)
    page = client.get(list_url(school), {"level": "3", "status": "open"}).content.decode()
    assert 'id="save-filter-form"' in page  # a filter is in use: it can be saved
    response = save(client, school, "Level 3, open", level="3", status="open")
    assert response.status_code == 302 and "level=3" in response["Location"]
    saved = SavedIncidentFilter.objects.get(owner=slt)
    assert saved.filters == {"level": "3", "status": "open"}
    event = AuditEvent.objects.get(action="incidents.saved_filter.saved")
    assert event.actor == slt and event.data["fields"] == ["level", "status"]
    # On the list, the saved filter is a link; following it gives the filtered list.
    page = client.get(list_url(school)).content.decode()
    assert "Level 3, open" in page
    filtered = client.get(response["Location"]).content.decode()
    assert str(open_level_3.public_id) in filtered and str(level_1.public_id) not in filtered


def test_no_save_form_without_a_filter_and_nothing_saved_without_one(client, school, slt):
    client.force_login(slt)
    assert 'id="save-filter-form"' not in client.get(list_url(school)).content.decode()
    response = client.post(reverse("incidents:saved_filter_save", args=[school.slug]), {"name": "Everything"})
    assert response.status_code == 302
    assert not SavedIncidentFilter.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Choose a filter first, then save it." in page


def test_a_name_is_needed_and_the_same_name_replaces_the_filter(client, school, slt):
    client.force_login(slt)
    response = client.post(reverse("incidents:saved_filter_save", args=[school.slug]), {"name": "", "level": "2"})
    assert "Give the filter a name" in client.get(response["Location"]).content.decode()
    save(client, school, "Mine", level="2")
    save(client, school, "mine", level="4")
    saved = SavedIncidentFilter.objects.get()
    assert saved.filters == {"level": "4"} and saved.history.count() == 2
    save(client, school, "Mine", level="4")  # the same again: nothing written
    assert AuditEvent.objects.filter(action="incidents.saved_filter.saved").count() == 2


def test_saved_filters_are_private(client, school, slt, head, teacher):
    client.force_login(slt)
    save(client, school, "SLT watch list", level="4")
    saved = SavedIncidentFilter.objects.get()
    for other in (head, teacher):
        client.force_login(other)
        assert "SLT watch list" not in client.get(list_url(school)).content.decode()
        assert (
            "SLT watch list" not in client.get(reverse("incidents:saved_filters", args=[school.slug])).content.decode()
        )
        url = reverse("incidents:saved_filter_remove", args=[school.slug, saved.public_id])
        assert client.post(url).status_code == 404
    saved.refresh_from_db()
    assert saved.removed_at is None


def test_the_owner_removes_one_and_it_is_kept_out_of_sight(client, school, teacher):
    client.force_login(teacher)
    save(client, school, "Year 3", q="Amara")
    saved = SavedIncidentFilter.objects.get()
    page = client.get(reverse("incidents:saved_filters", args=[school.slug])).content.decode()
    assert "Year 3" in page
    response = client.post(reverse("incidents:saved_filter_remove", args=[school.slug, saved.public_id]))
    assert response.status_code == 302
    assert "Saved filter “Year 3” removed." in client.get(response["Location"]).content.decode()
    saved.refresh_from_db()
    assert saved.removed_at is not None
    assert "Year 3" not in client.get(reverse("incidents:saved_filters", args=[school.slug])).content.decode()
    assert AuditEvent.objects.filter(action="incidents.saved_filter.removed", actor=teacher).count() == 1
    # The name is free again.
    save(client, school, "Year 3", q="Amara")
    assert SavedIncidentFilter.objects.filter(removed_at__isnull=True).count() == 1


def test_a_teacher_cannot_save_a_filter_on_safeguarding_concerns(client, school, teacher):
    client.force_login(teacher)
    url = reverse("incidents:saved_filter_save", args=[school.slug])
    response = client.post(url, {"name": "Concerns", "group": "safeguarding"})
    assert not SavedIncidentFilter.objects.exists()
    assert "This filter has a problem" in client.get(response["Location"]).content.decode()


def test_another_schools_list_is_not_reachable(client, school, other_school, teacher):
    client.force_login(teacher)
    url = reverse("incidents:saved_filter_save", args=[other_school.slug])
    assert client.post(url, {"name": "Theirs", "level": "2"}).status_code == 404
    assert client.get(reverse("incidents:saved_filters", args=[other_school.slug])).status_code == 404


def test_a_teachers_filter_of_every_year_is_saved_as_every_year(client, school, teacher):
    # A class teacher's list shows this academic year unless they ask for every year; a filter saved while seeing
    # every year opens on every year again.
    client.force_login(teacher)
    response = save(client, school, "All my level 2s", level="2", years="all")
    assert SavedIncidentFilter.objects.get(owner=teacher).filters == {"level": "2", "years": "all"}
    assert "years=all" in response["Location"]
