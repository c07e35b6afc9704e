"""The coverage page as built for issue 18 item 6: declines found among the declined requests (each still the
person's answer only when nothing better or newer came after it), the list's rows made in the view (links, dates,
"Remind now"), and the filter bar's drop-downs read by plain queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aup import services
from aup.models import Policy, PolicyVersion, SignatureRequest
from aup.selectors_chase import declined_requests
from aup.selectors_library import coverage_requests
from aup.tests.factories import AgreementFactory, PolicyVersionFactory, pupil_agreement
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def last_year(school):
    return factories.AcademicYearFactory(
        school=school, name="2025/26", starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 8, 31)
    )


def _class(school, year, name="3 Oak", code="Y3"):
    group = factories.YearGroupFactory(school=school, code=code, name=f"Year {code[1:]}", order=int(code[1:]))
    return factories.SchoolClassFactory(school=school, academic_year=year, year_group=group, name=name)


def _request(agreement, school, pupil, status, *, made, year=None, **fields):
    """A request for ``pupil`` with ``status``, made ``made`` days ago (its ``created_at``)."""
    if status == SignatureRequest.Status.DECLINED:
        fields.setdefault("declined_at", timezone.now() - datetime.timedelta(days=made))
        fields.setdefault("decline_reason", f"Reason of {pupil.legal_first_name}")
    request = SignatureRequest.objects.create(
        agreement=agreement, school=school, pupil=pupil, status=status, academic_year=year, **fields
    )
    SignatureRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - datetime.timedelta(days=made))
    return request


class TestDeclinesOnTheCoveragePage:
    def test_a_decline_counts_only_while_it_is_the_pupils_latest_answer(
        self, client, school, office, this_year, last_year
    ):
        """Signed once on joining: every year's request counts, and a signature of any earlier version."""
        agreement = pupil_agreement(school, version__policy__signing_frequency=Policy.SigningFrequency.ON_JOINING)
        old_version = PolicyVersionFactory(
            policy=agreement.version.policy, number="0", status=PolicyVersion.Status.SUPERSEDED
        )
        old_agreement = AgreementFactory(version=old_version)
        school_class = _class(school, this_year)

        def pupil(name, **fields):
            return factories.PupilFactory(
                school=school, school_class=school_class, year_group=school_class.year_group, legal_first_name=name
            )

        declined, asked_again, signed_before, left = pupil("Ada"), pupil("Ben"), pupil("Cem"), pupil("Dan")
        left.left_on = school.today() - datetime.timedelta(days=1)
        left.save()
        answer = _request(agreement, school, declined, SignatureRequest.Status.DECLINED, made=300, year=last_year)
        _request(agreement, school, asked_again, SignatureRequest.Status.DECLINED, made=300, year=last_year)
        _request(agreement, school, asked_again, SignatureRequest.Status.PENDING, made=10, year=this_year)
        _request(agreement, school, signed_before, SignatureRequest.Status.DECLINED, made=5, year=this_year)
        _request(old_agreement, school, signed_before, SignatureRequest.Status.COMPLETED, made=400, year=last_year)
        _request(agreement, school, left, SignatureRequest.Status.DECLINED, made=5, year=this_year)

        requests = coverage_requests(agreement=agreement, school=school)
        assert declined_requests(agreement=agreement, school=school, requests=requests) == [answer]

        client.force_login(office)
        page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id]))
        assert page.status_code == 200
        total = page.context["summary"]["total"]
        assert (total.total, total.valid, total.declined, total.waiting) == (3, 1, 1, 1)
        assert "Reason of Ada" in page.text and "Reason of Dan" not in page.text
        labels = {row.display_name: row.coverage_label for row in page.context["rows"]}
        assert labels == {
            declined.display_name: "Declined",
            asked_again.display_name: "Not signed",
            signed_before.display_name: "Signed",
        }

    def test_two_declines_made_at_the_same_moment_are_one_pupils_one_answer(self, school, this_year, last_year):
        # Two requests of one pupil (two academic years) stamped with the same ``created_at``: one answer, listed once.
        agreement = pupil_agreement(school, version__policy__signing_frequency=Policy.SigningFrequency.ON_JOINING)
        school_class = _class(school, this_year)
        pupil = factories.PupilFactory(school=school, school_class=school_class, year_group=school_class.year_group)
        first = _request(agreement, school, pupil, SignatureRequest.Status.DECLINED, made=3, year=last_year)
        second = _request(agreement, school, pupil, SignatureRequest.Status.DECLINED, made=3, year=this_year)
        SignatureRequest.objects.filter(pk=second.pk).update(created_at=first.created_at)

        requests = coverage_requests(agreement=agreement, school=school)
        assert declined_requests(agreement=agreement, school=school, requests=requests) == [second]


class TestTheListsRows:
    def test_each_row_links_its_request_and_says_when_it_was_sent_and_signed(self, client, school, office, this_year):
        agreement = pupil_agreement(school)
        school_class = _class(school, this_year)
        waiting, signed, unasked = (
            factories.PupilFactory(
                school=school, school_class=school_class, year_group=school_class.year_group, legal_last_name=name
            )
            for name in ("Adams", "Brown", "Clark")
        )
        sent_at = timezone.make_aware(datetime.datetime(2026, 11, 3, 9, 30))
        asked = _request(agreement, school, waiting, SignatureRequest.Status.PENDING, made=3, year=this_year)
        SignatureRequest.objects.filter(pk=asked.pk).update(sent_at=sent_at)
        done, _created = services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=signed)
        services.paper_return_record(
            actor=office,
            request=done,
            returned_on=datetime.date(2026, 11, 18),
            returned_by="Mother",
            names={"parent": "Dana Brown", "pupil": signed.display_name},
        )

        client.force_login(office)
        page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id]))
        text = " ".join(page.text.split())
        remind = reverse("aup:chase", args=[school.slug, agreement.public_id]) + f"?request={asked.public_id}"
        assert f'<a href="{reverse("aup:request_detail", args=[school.slug, asked.public_id])}">' in text
        assert f'<a class="small" href="{remind}">Remind now<span class="visually-hidden"> · ' in text
        assert "03/11/2026" in text  # sent (the short date of British English)
        assert "18/11/2026" in text  # signed: the day the paper form came back
        assert "Paper form returned to the office" in text
        assert '<span class="badge text-bg-success">Signed</span>' in text
        assert '<span class="badge text-bg-light">Not signed</span>' in text
        # Only the waiting request is reminded; the pupil never asked has no request to open or remind.
        assert text.count("Remind now<span") == 1
        unasked_cell = f"<td>{unasked.display_name}</td>"
        assert unasked_cell in text and '<span class="text-muted">not yet</span>' in text


class TestTheFilterBar:
    def test_drop_downs_list_the_schools_classes_and_keep_the_choice(self, client, school, office, this_year):
        agreement = pupil_agreement(school)
        four, three = _class(school, this_year, "4 Elm", "Y4"), _class(school, this_year, "3 Oak", "Y3")
        factories.PupilFactory(school=school, school_class=three, year_group=three.year_group)
        client.force_login(office)
        url = reverse("aup:coverage", args=[school.slug, agreement.public_id])
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, {"school_class": three.pk})
        assert page.status_code == 200
        # Plain queries: no server-side cursor for the drop-downs' options.
        assert not any(query["sql"].startswith("DECLARE") for query in queries.captured_queries)
        text = " ".join(page.text.split())
        assert '<label for="id_school_class" class="form-label">Class</label>' in text
        assert text.index(f'<option value="{three.pk}" selected>3 Oak</option>') < text.index(
            f'<option value="{four.pk}">4 Elm</option>'
        )
        assert "1 match" in text

    def test_an_unknown_class_is_said_and_the_list_is_not_filtered(self, client, school, office, this_year):
        agreement = pupil_agreement(school)
        _class(school, this_year)
        client.force_login(office)
        page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id]), {"school_class": 99999})
        assert page.status_code == 200
        assert 'aria-invalid="true"' in page.text and "Select a valid choice" in page.text
