import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_office_lands_on_school_home_with_roster_actions(client, office, school):
    client.force_login(office)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:school_home", args=[school.slug])
    assert "Roster and requests" in response.content.decode()
