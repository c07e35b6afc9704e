"""Issue 16 item 3: the DSL team groups the concerns about a child or a family into a case with its own owner, status
and chronology — behind the second factor, for the DSL team only, another school's case answering 404."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseConcern, CasePupil
from cases.selectors import cases as selectors
from cases.services import cases as services
from incidents.services import action_add, dsl_note_add
from incidents.services_referrals import referral_record
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.tests.factories import PupilFactory, PupilGuardianFactory

from .factories import concern_about, verify


def case_url(case, name="cases:case_detail"):
    return reverse(name, args=[case.school.slug, case.public_id])


@pytest.fixture
def sibling(school, pupil, guardian_link):
    """A brother of ``pupil``: another pupil of the school with the same parent."""
    brother = PupilFactory(school=school, legal_first_name="Kofi", legal_last_name="Whitfield")
    PupilGuardianFactory(pupil=brother, guardian=guardian_link.guardian, has_parental_responsibility=True)
    return brother


@pytest.fixture
def case(school, pupil, dsl):
    return services.case_open(actor=dsl, school=school, title="Home situation", owner=dsl, pupils=[pupil])


class TestOpeningAndChronology:
    def test_the_dsl_opens_a_case_adds_two_concerns_and_reads_them_in_order(self, client, school, pupil, dsl, teacher):
        later = concern_about(school, pupil, hours_ago=3, recorded_by=teacher, description="Bruise on the arm.")
        earlier = concern_about(school, pupil, hours_ago=30, recorded_by=teacher, description="No coat in the snow.")
        client.force_login(dsl)
        verify(client)
        open_url = reverse("cases:case_open", args=[school.slug]) + f"?pupil={pupil.public_id}"
        page = client.get(open_url)
        assert page.status_code == 200
        assert "Open a case about Amara Whitfield" in page.content.decode()
        response = client.post(
            open_url, {"title": "Home situation", "owner": dsl.pk, "note": "Two concerns in a week."}
        )
        case = Case.objects.get(school=school)
        assert response.status_code == 302 and response["Location"] == case_url(case)
        assert case.owner == dsl and case.status == Case.Status.OPEN
        for concern in (later, earlier):
            response = client.post(case_url(case, "cases:case_concern_add"), {"incident": concern.public_id})
            assert response.status_code == 302
        page = client.get(case_url(case)).content.decode()
        chronology = page[page.index('id="case-chronology"') :]
        assert chronology.index("No coat in the snow.") < chronology.index("Bruise on the arm.")
        assert chronology.index("Case opened") < chronology.index("Two concerns in a week.")
        assert "Every concern about the case" in page  # nothing left to add
        actions = set(AuditEvent.objects.filter(subject_id=str(case.public_id)).values_list("action", flat=True))
        assert {
            "cases.case.opened",
            "cases.case.concern_added",
            "cases.case.note_added",
            "cases.case.viewed",
        } <= actions
        # Each pupil's "who viewed" finds the view through an event whose subject is the pupil.
        on_pupil = AuditEvent.objects.filter(action="cases.case.viewed", subject_id=str(pupil.public_id))
        assert on_pupil.exists() and on_pupil.first().data == {"case": str(case.public_id)}

    def test_the_chronology_brings_in_notes_actions_referrals_and_status_changes(
        self, school, pupil, dsl, deputy_dsl, teacher, case
    ):
        concern = concern_about(school, pupil, hours_ago=5, recorded_by=teacher)
        services.case_concern_add(actor=dsl, case=case, incident=concern)
        dsl_note_add(actor=dsl, incident=concern, text="Spoke to mum at the gate.")
        action_add(actor=dsl, incident=concern, kind="investigate", assignee=deputy_dsl, due_on=school.today())
        referral_record(actor=dsl, incident=concern, agency="early_help", referred_on=school.today())
        services.case_note_add(actor=dsl, case=case, text="Agreed to review in two weeks.")
        services.case_status_set(actor=dsl, case=case, status=Case.Status.UNDER_REVIEW)
        kinds = [entry.kind for entry in selectors.case_chronology(case)]
        assert kinds[0] == "concern"  # it happened five hours ago, before the case was opened
        assert {"change", "dsl_note", "action", "referral", "case_note"} <= set(kinds)
        assert kinds[-1] == "change"  # under review, the latest
        whens = [entry.when for entry in selectors.case_chronology(case)]
        assert whens == sorted(whens)

    def test_a_family_case_takes_brothers_and_sisters_suggested_from_their_parent(
        self, client, school, pupil, sibling, dsl
    ):
        client.force_login(dsl)
        verify(client)
        open_url = reverse("cases:case_open", args=[school.slug]) + f"?pupil={pupil.public_id}"
        assert "Kofi Whitfield" in client.get(open_url).content.decode()
        client.post(open_url, {"title": "The Whitfield family", "owner": dsl.pk, "siblings": [sibling.public_id]})
        case = Case.objects.get(school=school)
        assert {row.pupil for row in CasePupil.objects.filter(case=case)} == {pupil, sibling}

    def test_the_chronology_takes_a_fixed_number_of_queries(
        self, django_assert_max_num_queries, school, pupil, dsl, teacher, case
    ):
        for hours in range(1, 6):
            concern = concern_about(school, pupil, hours_ago=hours, recorded_by=teacher)
            services.case_concern_add(actor=dsl, case=case, incident=concern)
            dsl_note_add(actor=dsl, incident=concern, text="Noted.")
        with django_assert_max_num_queries(8):
            assert len(selectors.case_chronology(case)) == 11


class TestRules:
    def test_closing_needs_a_summary_and_a_closed_case_takes_nothing_until_reopened(self, school, pupil, dsl, case):
        with pytest.raises(DomainError) as error:
            services.case_status_set(actor=dsl, case=case, status=Case.Status.CLOSED)
        assert error.value.code == "summary"
        services.case_status_set(actor=dsl, case=case, status=Case.Status.CLOSED, summary="Early help in place.")
        case.refresh_from_db()
        assert case.is_closed and case.closed_by == dsl and case.closing_summary == "Early help in place."
        with pytest.raises(DomainError):
            services.case_note_add(actor=dsl, case=case, text="Late thought.")
        with pytest.raises(DomainError):
            services.case_status_set(actor=dsl, case=case, status=Case.Status.OPEN)  # no reason given
        services.case_status_set(actor=dsl, case=case, status=Case.Status.OPEN, summary="New disclosure.")
        assert case.history.count() >= 3

    def test_the_owner_is_a_member_of_the_dsl_team(self, school, pupil, dsl, teacher, deputy_dsl, case):
        with pytest.raises(DomainError):
            services.case_owner_set(actor=dsl, case=case, owner=teacher)
        services.case_owner_set(actor=dsl, case=case, owner=deputy_dsl)
        assert Case.objects.get(pk=case.pk).owner == deputy_dsl
        assert "cases.case.owner_changed" in AuditEvent.objects.values_list("action", flat=True)

    def test_a_concern_taken_off_is_kept_and_adding_twice_changes_nothing(self, school, pupil, dsl, teacher, case):
        concern = concern_about(school, pupil, hours_ago=1, recorded_by=teacher)
        _row, created = services.case_concern_add(actor=dsl, case=case, incident=concern)
        _again, created_again = services.case_concern_add(actor=dsl, case=case, incident=concern)
        assert created and not created_again
        services.case_concern_remove(actor=dsl, case=case, incident=concern)
        row = CaseConcern.objects.get(case=case, incident=concern)
        assert row.removed_at is not None and row.removed_by == dsl
        assert selectors.case_chronology(case)[0].kind == "change"  # no longer in the chronology

    def test_only_concerns_of_the_school_go_into_a_case(
        self, school, other_school, pupil, other_pupil, dsl, teacher, case
    ):
        from .factories import behaviour_incident

        with pytest.raises(DomainError):
            services.case_concern_add(
                actor=dsl, case=case, incident=behaviour_incident(school, pupil, recorded_by=teacher)
            )
        theirs = concern_about(other_school, other_pupil, hours_ago=1, recorded_by=teacher)
        with pytest.raises(DomainError):
            services.case_concern_add(actor=dsl, case=case, incident=theirs)

    @pytest.mark.parametrize("who", ["office", "teacher", "slt", "governor", "other_school_dsl"])
    def test_only_the_dsl_team_keeps_cases(self, request, school, pupil, dsl, who, case):
        actor = request.getfixturevalue(who)
        with pytest.raises(PermissionError):
            services.case_open(actor=actor, school=school, title="Mine", owner=dsl, pupils=[pupil])
        with pytest.raises(PermissionError):
            services.case_note_add(actor=actor, case=case, text="Looking in.")


class TestWhoSeesCases:
    @pytest.mark.parametrize("who", ["office", "teacher", "slt", "governor", "trust_admin", "other_school_dsl"])
    def test_anyone_outside_the_dsl_team_gets_404(self, client, request, who, case):
        client.force_login(request.getfixturevalue(who))
        verify(client)
        assert client.get(case_url(case)).status_code == 404
        assert client.post(case_url(case, "cases:case_note_add"), {"text": "x"}).status_code == 404
        assert client.get(reverse("cases:case_list", args=[case.school.slug])).status_code == 404

    def test_the_dsl_team_is_asked_for_the_second_factor_first(self, client, head, case):
        client.force_login(head)
        response = client.get(case_url(case))
        assert response.status_code == 302 and "two-factor" in response["Location"]
        verify(client)
        assert client.get(case_url(case)).status_code == 200

    def test_another_schools_case_answers_404_like_a_missing_one(
        self, client, other_school, other_pupil, other_school_dsl, school, dsl
    ):
        theirs = services.case_open(
            actor=other_school_dsl, school=other_school, title="Theirs", owner=other_school_dsl, pupils=[other_pupil]
        )
        client.force_login(dsl)
        verify(client)
        under_ours = client.get(reverse("cases:case_detail", args=[school.slug, theirs.public_id]))
        missing = client.get(reverse("cases:case_detail", args=[school.slug, uuid.uuid4()]))
        under_theirs = client.get(case_url(theirs))
        assert under_ours.status_code == missing.status_code == under_theirs.status_code == 404

    def test_the_pupil_page_shows_a_discreet_count_to_the_dsl_team_only(
        self, client, school, pupil, dsl, teacher, case
    ):
        page = reverse("directory:pupil_detail", args=[school.slug, pupil.public_id])
        client.force_login(dsl)
        content = client.get(page).content.decode()
        assert 'id="pupil-cases-panel"' in content and "1 open case" in content
        assert "Home situation" not in content  # the title is behind the second factor
        client.force_login(teacher)
        assert 'id="pupil-cases-panel"' not in client.get(page).content.decode()

    def test_the_school_home_counts_open_cases_for_the_dsl_team(self, client, school, dsl, slt, case):
        client.force_login(dsl)
        content = client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
        assert 'id="cases-panel"' in content and "1 open case" in content and "1 owned by you" in content
        client.force_login(slt)
        assert (
            'id="cases-panel"' not in client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
        )

    def test_the_list_shows_open_cases_and_is_audited(self, client, school, pupil, dsl, case):
        closed = services.case_open(actor=dsl, school=school, title="Old worry", owner=dsl, pupils=[pupil])
        services.case_status_set(actor=dsl, case=closed, status=Case.Status.CLOSED, summary="Resolved.")
        client.force_login(dsl)
        verify(client)
        content = client.get(reverse("cases:case_list", args=[school.slug])).content.decode()
        assert "Home situation" in content and "Old worry" not in content
        content = client.get(reverse("cases:case_list", args=[school.slug]) + "?status=closed").content.decode()
        assert "Old worry" in content and "Home situation" not in content
        listed = AuditEvent.objects.filter(action="cases.case_list.viewed")
        assert listed.count() == 2 and set(listed.values_list("subject_id", flat=True)) == {str(pupil.public_id)}

    def test_a_form_with_a_mistake_says_what_is_wrong(self, client, dsl, case):
        client.force_login(dsl)
        verify(client)
        response = client.post(case_url(case, "cases:case_status"), {"status": "closed", "summary": ""})
        assert response.status_code == 400
        assert "Write the closing summary" in response.content.decode()
        assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN

    def test_a_post_without_the_second_factor_changes_nothing(self, client, dsl, case):
        client.force_login(dsl)
        response = client.post(case_url(case, "cases:case_note_add"), {"text": "Hello"})
        assert response.status_code == 302 and not case.notes.exists()


def test_pupil_taken_off_and_the_last_one_stays(school, pupil, sibling, dsl):
    case = services.case_open(actor=dsl, school=school, title="Family", owner=dsl, pupils=[pupil, sibling])
    services.case_pupil_remove(actor=dsl, case=case, pupil=sibling, now=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(DomainError):
        services.case_pupil_remove(actor=dsl, case=case, pupil=pupil)
    assert CasePupil.objects.filter(case=case).count() == 2  # the sibling's row is kept, ended


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_takes_the_same_queries_for_3_or_30_cases(
    client, django_assert_max_num_queries, school, pupil, dsl, count
):
    for number in range(count):
        services.case_open(actor=dsl, school=school, title=f"Case {number}", owner=dsl, pupils=[pupil])
    client.force_login(dsl)
    verify(client)
    with django_assert_max_num_queries(20):  # 17 for 3 cases and for 30: no query per case
        content = client.get(reverse("cases:case_list", args=[school.slug])).content.decode()
    assert content.count('class="case-row"') == count


def test_opening_a_case_shows_on_the_pupil_s_who_viewed_page(client, school, pupil, dsl, case):
    from incidents.selectors_chronology import record_views

    client.force_login(dsl)
    verify(client)
    assert client.get(case_url(case)).status_code == 200
    assert any(event.action.startswith("cases.") for event in record_views(school=school, pupil=pupil))
