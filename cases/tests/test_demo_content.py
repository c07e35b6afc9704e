"""The demo gives the DSL a case to open, once."""

from cases import demo_content
from cases.models import Case

from .factories import concern_about


def test_the_demo_opens_one_case_for_the_pupil_with_most_concerns_and_only_once(school, pupil, dsl, teacher):
    for hours in (2, 20, 40):
        concern_about(school, pupil, hours_ago=hours, recorded_by=teacher)
    assert "1 case opened (3 concerns)" in demo_content.load()[0]
    case = Case.objects.get(school=school)
    assert case.owner == dsl and case.case_concerns.count() == 3
    assert "already loaded" in demo_content.load()[0]
    assert Case.objects.count() == 1
