"""During a re-sign period a signature of the previous version still counts (issue 12, item 13): the trust's and the
governors' agreement figures count it as signed, as the school's own coverage page does."""

import datetime

import pytest

from aup import services_library
from aup.tests.test_hardening_resign import (  # noqa: F401 (fixtures)
    _new_agreement,
    academic_year,
    draft,
    old_agreement,
    signed_by_staff,
)
from reports.governor import agreement_coverage
from reports.selectors_coverage import trust_coverage


@pytest.fixture
def approved(school, head, draft, signed_by_staff):  # noqa: F811
    services_library.policy_version_approve(
        actor=head,
        version=draft,
        approved_by="Full governing body",
        approved_on=school.today(),
        resign_by=school.today() + datetime.timedelta(days=14),
    )
    return _new_agreement(draft)


@pytest.mark.django_db
def test_the_governor_report_counts_previous_version_signatures_until_the_date(school, approved):
    rows = [row for row in agreement_coverage([school], now=None) if row[1] == approved]
    assert rows and rows[0][2] == 2 and rows[0][3] == 2  # asked 2, signed 2 (not 0)


@pytest.mark.django_db
def test_the_trust_comparison_counts_previous_version_signatures_until_the_date(school, approved):
    (found,) = trust_coverage(schools=[school])
    asked, signed = found.agreements[approved.audience]
    assert (asked, signed) == (2, 2)
