"""Naming and image rules per band of year groups (issue 13 item 11): the office or head sets the bands, a parent
may choose a stricter level, and staff see the rule that applies on "May I?" and the do-not-photograph list."""

import html as htmllib

import pytest
from django.urls import reverse

from consent.models import NamingRule, PupilNamingChoice
from consent.services_naming import naming_rule_save
from consent.tests.factories import published_form
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Guardian
from safeguard.directory.tests import factories


@pytest.fixture
def years(school, pupil):
    """Reception (0) to Year 6 (6); the pupil is in Year 3 (the conftest's year group, order 3)."""
    made = {3: pupil.year_group}
    for order in (0, 1, 2, 4, 5, 6):
        code = "R" if order == 0 else f"Y{order}"
        made[order] = factories.YearGroupFactory(
            school=school, code=code, name="Reception" if order == 0 else f"Year {order}", order=order
        )
    return made


@pytest.fixture
def bands(school, years, head):
    """Reception–Year 2: first name only, faces not clearly shown; Year 3–Year 6: full names with consent."""
    naming_rule_save(
        actor=head, school=school, year_from=years[0], year_to=years[2], naming="first_name", images="faces_hidden"
    )
    return naming_rule_save(
        actor=head, school=school, year_from=years[3], year_to=years[6], naming="full_name", images="per_consent"
    )


@pytest.fixture
def version(school):
    factories.AcademicYearFactory(school=school)
    return published_form(school)


@pytest.fixture
def oak(pupil, teacher):
    pupil.school_class.teachers.add(teacher)
    return pupil.school_class


def _get(client, user, url):
    client.force_login(user)
    return htmllib.unescape(client.get(url).content.decode())


def _may_i(client, user, school):
    url = reverse("consent:may_i", args=[school.slug]) + "?name=Amara&purpose=images_website"
    return _get(client, user, url).split('id="may-i-answers"')[1].split("</ul>")[0]


def _dnp_naming(client, user, school, oak):
    url = reverse("consent:do_not_photograph", args=[school.slug]) + f"?school_class={oak.pk}"
    return _get(client, user, url).split('id="dnp-naming"')[1].split("</section>")[0]


@pytest.mark.django_db
class TestStaffSeeTheRule:
    def test_the_band_is_shown_on_may_i_and_the_list(self, client, version, pupil, years, bands, oak, teacher):
        young = factories.PupilFactory(
            school=pupil.school, legal_first_name="Amara", legal_last_name="Young", year_group=years[1]
        )
        html = _may_i(client, teacher, pupil.school)
        whitfield = html.split("Amara Whitfield")[1].split("</li>")[0]
        assert "Names: Full name, with consent · Images: Images as the consent answers allow" in whitfield
        first = html.split("Amara Young")[1].split("</li>")[0]
        assert "Names: First name only · Images: No identifiable images (faces not clearly shown)" in first
        assert young.pk
        section = _dnp_naming(client, teacher, pupil.school, oak)
        assert "Reception – Year 2" in section and "First name only" in section
        assert "Year 3 – Year 6" in section and "Full name, with consent" in section

    def test_without_rules_staff_are_told_to_publish_no_name(self, client, version, pupil, oak, teacher):
        assert "No naming rule is set for this pupil" in _may_i(client, teacher, pupil.school)
        assert "The school has set no naming rules" in _dnp_naming(client, teacher, pupil.school, oak)

    def test_a_parents_stricter_choice_wins_over_the_band(
        self, client, version, pupil, parent, years, bands, oak, teacher
    ):
        client.force_login(parent)
        url = reverse("consent:naming_choice", args=[pupil.public_id])
        page = client.get(url).content.decode()
        assert "Full name, with consent" in page.split('id="naming-school-rule"')[1].split("</p>")[0]
        response = client.post(url, {"naming": "first_name", "images": "faces_hidden"})
        assert response.status_code == 302
        line = "Names: First name only · Images: No identifiable images (faces not clearly shown) (a parent's choice)"
        assert line in _may_i(client, teacher, pupil.school)
        section = _dnp_naming(client, teacher, pupil.school, oak)
        assert "Amara Whitfield" in section.split('id="dnp-naming-exceptions"')[1] and line in section
        # A looser choice than the band changes nothing: the stricter of the two applies. History is kept.
        young = factories.PupilFactory(school=pupil.school, year_group=years[1])
        link = factories.PupilGuardianFactory(
            pupil=young, guardian=Guardian.objects.get(user=parent), has_parental_responsibility=True
        )
        assert link.pk
        client.force_login(parent)
        client.post(
            reverse("consent:naming_choice", args=[young.public_id]), {"naming": "full_name", "images": "per_consent"}
        )
        html = _get(
            client,
            teacher,
            reverse("consent:may_i", args=[pupil.school.slug])
            + f"?name={young.legal_last_name}&purpose=images_website",
        )
        assert "Names: First name only · Images: No identifiable images (faces not clearly shown)" in html
        assert "(a parent's choice)" not in html
        client.force_login(parent)
        client.post(url, {"naming": "no_name", "images": "faces_hidden"})
        assert PupilNamingChoice.objects.filter(pupil=pupil).count() == 2
        assert PupilNamingChoice.objects.filter(pupil=pupil, ended_at__isnull=True).get().naming == "no_name"
        assert "replaced" in client.get(url).content.decode()
        assert AuditEvent.objects.filter(action="consent.naming_choice.made").count() == 3

    def test_another_parent_or_a_teacher_gets_404_on_the_choice_page(self, client, pupil, teacher, other_pupil):
        stranger = factories.PupilGuardianFactory(pupil=other_pupil, has_parental_responsibility=True)
        user = factories.UserFactory(email=stranger.guardian.email)
        stranger.guardian.user = user
        stranger.guardian.save()
        url = reverse("consent:naming_choice", args=[pupil.public_id])
        for who in (user, teacher):
            client.force_login(who)
            assert client.get(url).status_code == 404
            assert client.post(url, {"naming": "no_name", "images": "faces_hidden"}).status_code == 404
        assert not PupilNamingChoice.objects.exists()

    def test_the_answer_page_links_to_the_choice(self, client, version, pupil, parent):
        client.force_login(parent)
        html = client.get(reverse("consent:answer", args=[pupil.public_id])).content.decode()
        assert reverse("consent:naming_choice", args=[pupil.public_id]) in html


@pytest.mark.django_db
class TestTheRulesPage:
    def test_office_adds_edits_and_ends_a_band(self, client, school, years, office):
        client.force_login(office)
        url = reverse("consent:naming_rules", args=[school.slug])
        data = {"year_from": years[0].pk, "year_to": years[2].pk, "naming": "first_name", "images": "faces_hidden"}
        assert client.post(url, data).status_code == 302
        rule = NamingRule.objects.get()
        edit = reverse("consent:naming_rule_edit", args=[school.slug, rule.public_id])
        assert client.post(edit, {**data, "year_to": years[1].pk}).status_code == 302
        rule.refresh_from_db()
        assert rule.year_to == years[1] and rule.history.count() == 2
        assert "Reception – Year 1" in client.get(url).content.decode()
        end = reverse("consent:naming_rule_end", args=[school.slug, rule.public_id])
        assert client.post(end).status_code == 302
        rule.refresh_from_db()
        assert rule.ended_at is not None and "No rules yet" in client.get(url).content.decode()
        assert client.get(edit).status_code == 404  # an ended rule is no longer edited

    def test_overlapping_bands_are_a_form_error(self, client, school, years, bands, office):
        client.force_login(office)
        url = reverse("consent:naming_rules", args=[school.slug])
        data = {"year_from": years[2].pk, "year_to": years[4].pk, "naming": "no_name", "images": "faces_hidden"}
        response = client.post(url, data)
        assert response.status_code == 200
        assert "This band overlaps the rule for Reception–Year 2" in response.content.decode()
        assert NamingRule.objects.count() == 2
        backwards = {**data, "year_from": years[5].pk, "year_to": years[4].pk}
        assert "must not come before" in client.post(url, backwards).content.decode()
        # Editing a band within its own years is not an overlap with itself.
        edit = reverse("consent:naming_rule_edit", args=[school.slug, bands.public_id])
        ok = {"year_from": years[3].pk, "year_to": years[5].pk, "naming": "first_name", "images": "per_consent"}
        assert client.post(edit, ok).status_code == 302

    def test_teacher_and_other_school_get_404(self, client, school, years, bands, teacher, other_school_dsl):
        for user in (teacher, other_school_dsl):
            client.force_login(user)
            assert client.get(reverse("consent:naming_rules", args=[school.slug])).status_code == 404
            edit = reverse("consent:naming_rule_edit", args=[school.slug, bands.public_id])
            assert client.post(edit, {}).status_code == 404

    def test_a_year_group_of_another_school_is_refused(self, client, school, other_school, years, office):
        elsewhere = factories.YearGroupFactory(school=other_school, code="Y9", name="Year 9", order=9)
        client.force_login(office)
        url = reverse("consent:naming_rules", args=[school.slug])
        data = {"year_from": elsewhere.pk, "year_to": elsewhere.pk, "naming": "no_name", "images": "faces_hidden"}
        assert client.post(url, data).status_code == 200 and not NamingRule.objects.exists()


@pytest.mark.django_db
def test_the_printed_list_carries_the_rules(client, version, pupil, years, bands, oak, teacher):
    import io

    from pypdf import PdfReader

    client.force_login(teacher)
    url = reverse("consent:do_not_photograph_pdf", args=[pupil.school.slug]) + f"?school_class={oak.pk}"
    response = client.get(url)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Names and images" in text and "Reception – Year 2" in text and "First name only" in text
