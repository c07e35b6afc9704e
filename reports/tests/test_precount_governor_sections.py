"""Pre-counted governor report sections (``reports.precount.governor_sections_read``, issue 18 item 1): the acceptable
use, consent and policy sections of a draft read from the school's pre-counted row equal the ones counted live; a
signature, a consent answer, requests cancelled by a new policy version (a queryset update) and a policy review change
the draft at once; on the school's next day the draft counts live until the row is rebuilt.

The data set is ``test_governor_report``'s known autumn term (``world``), read on 20 November 2026.
"""

import datetime

import pytest
from django.core.files.storage import FileSystemStorage

from aup import services as aup_services
from aup import services_library
from aup.models import SignatureRequest, private_storage
from aup.services_reviews import review_approve, review_confirm_no_changes, review_start, review_submit
from aup.tests.factories import AgreementFactory, PolicyFactory, PolicyVersionFactory, pupil_agreement
from consent.tests.factories import published_form
from consent.tests.test_services import CODES
from consent.tests.test_services import answer as consent_answer
from reports import governor, precount
from reports.tests import test_governor_report as report_tests
from reports.tests import test_precount_governor as precount_governor_tests
from reports.tests.test_governor_report import AUTUMN, NOW, _table
from safeguard import datacache

world = report_tests.world  # the known autumn term, as a fixture of this module too
PUPILS = "Online Safety and Acceptable Use Policy — Pupils"


@pytest.fixture(autouse=True)
def private_media(tmp_path, monkeypatch):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


at_now = precount_governor_tests.at_now  # the clock set to NOW, as a fixture of this module too
committed = precount_governor_tests.committed


def draft(school, *, now=NOW, cached=True):
    datacache.forget_all()
    return governor.school_report(school, *AUTUMN, now=now, cached=cached)


def sections(report):
    return [section for section in report["sections"] if section["key"] in ("coverage", "policies")]


def agreement_row(report, title=PUPILS):
    return next(row for row in _table(report, "agreements")["rows"] if row[0] == title)


def titles(report, key):
    return [row[0] for row in _table(report, key)["rows"]]


def read(school, now=NOW):
    return precount.governor_sections_read(school, now=now)


@pytest.fixture
def coverage_world(world):
    """The world with a pupil agreement (a request open for each pupil), a published consent form and policies:
    one reviewed this term, one due next term, one overdue."""
    world.agreement = pupil_agreement(world.school)
    world.requests = [
        aup_services.signature_request_open(
            actor=world.head, agreement=world.agreement, school=world.school, pupil=pupil
        )[0]
        for pupil in world.pupils
    ]
    world.form = published_form(world.school)
    PolicyFactory(school=world.school, title="Behaviour Policy", last_approved_on=datetime.date(2026, 10, 1))
    PolicyFactory(school=world.school, title="Charging Policy", next_review_on=datetime.date(2027, 2, 1))
    world.overdue = PolicyFactory(
        school=world.school, title="First Aid Policy", next_review_on=datetime.date(2026, 6, 1)
    )
    PolicyVersionFactory(policy=world.overdue, number="1", approved_on=datetime.date(2025, 6, 1))
    return world


@pytest.mark.django_db
class TestGovernorSections:
    def test_the_pre_counted_sections_equal_the_live_ones(self, coverage_world, at_now):
        school = coverage_world.school
        precount.rebuild_school(school)
        assert read(school) is not None
        later = NOW + datetime.timedelta(hours=3)  # the same day
        for now in (NOW, later):
            pre_counted = draft(school, now=now)
            assert pre_counted == draft(school, now=now, cached=False)
        assert agreement_row(pre_counted)[2] == {"k": "pct", "v": 0}
        assert titles(pre_counted, "policies_reviewed") == ["Behaviour Policy"]
        assert titles(pre_counted, "policies_due") == ["Charging Policy"]
        assert titles(pre_counted, "policies_overdue") == ["First Aid Policy"]
        assert len(_table(pre_counted, "consent")["rows"]) == 8

    def test_the_pre_counted_sections_are_read_not_counted(self, coverage_world, at_now, monkeypatch):
        precount.rebuild_school(coverage_world.school)
        live = draft(coverage_world.school)
        for name in ("agreement_coverage", "consent_coverage", "policy_facts"):
            monkeypatch.setattr(governor, name, lambda *args, **kwargs: pytest.fail("counted live"))
        assert sections(draft(coverage_world.school)) == sections(live)

    def test_a_signature_changes_the_draft_at_once(self, coverage_world, at_now, committed):
        school = coverage_world.school
        precount.rebuild_school(school)
        assert agreement_row(draft(school))[2] == {"k": "pct", "v": 0}
        with committed():
            aup_services.paper_return_record(
                actor=coverage_world.head,
                request=coverage_world.requests[0],
                returned_on=datetime.date(2026, 11, 18),
                returned_by="Mother",
                names={"parent": "Dana Whitfield", "pupil": "Amara Whitfield"},
            )
        assert read(school) is None
        report = draft(school)
        assert agreement_row(report)[2] == {"k": "pct", "v": 25}  # one of four pupils
        assert report == draft(school, cached=False)

    def test_a_consent_answer_changes_the_draft_at_once(self, coverage_world, guardian_link, at_now, committed):
        school = coverage_world.school
        precount.rebuild_school(school)
        assert _table(draft(school), "consent")["rows"][0][2] == {"k": "pct", "v": 0}
        with committed():
            consent_answer(coverage_world.form, guardian_link.pupil, guardian_link.guardian, dict.fromkeys(CODES, True))
        assert read(school) is None
        report = draft(school)
        assert _table(report, "consent")["rows"][0][2:] == [{"k": "pct", "v": 25}, {"k": "pct", "v": 25}]
        assert report == draft(school, cached=False)

    def test_requests_cancelled_by_a_new_version_change_the_draft_at_once(self, coverage_world, at_now, committed):
        school = coverage_world.school
        old = AgreementFactory(version=coverage_world.overdue.versions.get(), audience="staff")
        waiting = aup_services.signature_request_open(
            actor=coverage_world.head, agreement=old, school=school, user=coverage_world.head
        )[0]
        precount.rebuild_school(school)
        before = draft(school)
        second = services_library.policy_version_create(
            actor=coverage_world.head, policy=coverage_world.overdue, number="2", author="JEI", body_markdown="New."
        )
        precount.rebuild_school(school)  # the draft version is not in the report: the row is current again
        assert read(school) is not None
        with committed():
            services_library.policy_version_approve(
                actor=coverage_world.head,
                version=second,
                approved_by="Headteacher",
                approved_on=datetime.date(2026, 11, 20),
                now=NOW,
            )
        waiting.refresh_from_db()
        assert waiting.status == SignatureRequest.Status.CANCELLED
        assert read(school) is None
        report = draft(school)
        assert report == draft(school, cached=False)
        assert sections(report) != sections(before)

    def test_a_policy_review_changes_the_draft_at_once(self, coverage_world, at_now, committed):
        school, head = coverage_world.school, coverage_world.head
        precount.rebuild_school(school)
        with committed():
            review = review_start(actor=head, policy=coverage_world.overdue)
        assert read(school) is None
        report = draft(school)
        assert titles(report, "policies_overdue") == ["First Aid Policy — review under way"]
        assert report == draft(school, cached=False)

        precount.rebuild_school(school)
        with committed():
            review_confirm_no_changes(actor=head, review=review)
            review_submit(actor=head, review=review)
            review_approve(actor=head, review=review, approved_on=datetime.date(2026, 11, 20), now=NOW)
        assert read(school) is None
        report = draft(school)
        assert titles(report, "policies_overdue") == []
        assert "First Aid Policy" in titles(report, "policies_reviewed")
        assert report == draft(school, cached=False)

    def test_the_next_day_counts_live_until_rebuilt(self, coverage_world, at_now, monkeypatch):
        school = coverage_world.school
        precount.rebuild_school(school)
        tomorrow = NOW + datetime.timedelta(days=1)
        assert read(school, tomorrow) is None
        assert draft(school, now=tomorrow) == draft(school, now=tomorrow, cached=False)
        monkeypatch.setattr("django.utils.timezone.now", lambda: tomorrow)
        precount.rebuild_school(school)
        assert read(school, tomorrow) is not None
        assert draft(school, now=tomorrow) == draft(school, now=tomorrow, cached=False)

    def test_the_sweep_rebuilds_sections_whose_rebuild_was_lost(self, coverage_world, at_now):
        school = coverage_world.school
        precount.rebuild_school(school)
        assert precount.sections_due([school]) == []
        review_start(actor=coverage_world.head, policy=coverage_world.overdue)  # no worker: nothing rebuilt
        assert read(school) is None
        assert precount.due_schools([school]) == []  # the incident figures are still current
        assert precount.sections_due([school]) == [school]
        precount.rebuild_all(only_due=True)
        assert read(school) is not None
        assert draft(school) == draft(school, cached=False)

    def test_publishing_never_reads_pre_counted_sections(self, coverage_world, at_now, monkeypatch):
        precount.rebuild_school(coverage_world.school)
        monkeypatch.setattr(precount, "governor_sections_read", lambda *args, **kwargs: pytest.fail("read a row"))
        governor.school_report(coverage_world.school, *AUTUMN, now=NOW, cached=False)
