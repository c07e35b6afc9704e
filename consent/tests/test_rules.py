"""The effective answer, table-driven over every rule and combination (no database)."""

import datetime
import itertools

import pytest

from consent.rules import AnswerRecord, FormRule, PupilFacts, PurposeRule, decide

DAY = datetime.date(2026, 11, 20)
YEAR, LAST_YEAR = 7, 6
WEBSITE = PurposeRule("images_website", "w1", is_publication=True, pupils_may_answer=True)
DISPLAYS = PurposeRule("images_displays", "d1", is_publication=False, pupils_may_answer=True)
YEARLY = FormRule("academic_year", 13, "stricter")
CHILD = datetime.date(2018, 5, 4)  # 8 on DAY
TEEN = datetime.date(2012, 3, 1)  # 14 on DAY
MUM, DAD = 1, 2


def say(who, answer, *, purpose=WEBSITE, sha=None, year=YEAR):
    return AnswerRecord(who, purpose.code, sha or purpose.wording_sha256, year, answer)


def run(records, *, purpose=WEBSITE, form=YEARLY, dob=CHILD, guardians=(MUM, DAD), **facts):
    decision = decide(
        purpose=purpose,
        form=form,
        facts=PupilFacts(frozenset(guardians), dob, **facts),
        records=records,
        day=DAY,
        academic_year_id=YEAR,
    )
    return decision.allowed, decision.reason


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([], (False, "no_response")),  # no answer means no (§4)
        ([say(MUM, True)], (True, "consented")),
        ([say(MUM, False)], (False, "refused")),
        ([say(MUM, True), say(DAD, True)], (True, "consented")),
        ([say(MUM, True), say(DAD, False)], (False, "guardians_disagree")),  # disagreement means no (§4.10)
        ([say(MUM, False), say(DAD, False)], (False, "refused")),
        ([say(MUM, True, year=LAST_YEAR)], (False, "expired")),  # a past academic year
        ([say(MUM, True, sha="old-wording")], (False, "expired")),  # the question changed
        ([say(MUM, True, year=LAST_YEAR), say(DAD, True)], (True, "consented")),
        ([say(MUM, False, year=LAST_YEAR), say(DAD, True)], (True, "consented")),  # last year's no has lapsed
        ([say(3, True)], (False, "no_response")),  # someone without parental responsibility
        ([say(MUM, True, purpose=DISPLAYS)], (False, "no_response")),  # an answer to another purpose
    ],
)
def test_parents_answers(records, expected):
    assert run(records) == expected


def test_a_whole_stay_answer_does_not_expire_with_the_year():
    whole_stay = FormRule("whole_stay", 13, "stricter")
    assert run([say(MUM, True, year=None)], form=whole_stay) == (True, "consented")
    assert run([say(MUM, True, sha="old")], form=whole_stay) == (False, "expired")


@pytest.mark.parametrize(
    ("facts", "purpose", "expected"),
    [
        ({"measure": "no_photos"}, WEBSITE, (False, "no_photos")),
        ({"measure": "no_photos"}, DISPLAYS, (False, "no_photos")),
        ({"measure": "internal_only"}, WEBSITE, (False, "internal_only")),
        ({"measure": "internal_only"}, DISPLAYS, (True, "consented")),
        ({"measure": "as_usual"}, WEBSITE, (True, "consented")),
        ({"court_order": True, "measure": "as_usual"}, DISPLAYS, (False, "court_order")),
        ({"left_on": datetime.date(2026, 7, 20)}, WEBSITE, (False, "left")),
        ({"left_on": datetime.date(2026, 12, 18)}, WEBSITE, (True, "consented")),  # leaving later: still here
    ],
)
def test_dsl_measures_court_orders_and_leavers_override_consent(facts, purpose, expected):
    records = [say(MUM, True, purpose=purpose), say(DAD, True, purpose=purpose)]
    assert run(records, purpose=purpose, **facts) == expected


@pytest.mark.parametrize(
    ("whose", "parents_say", "pupil_says", "expected"),
    [
        ("stricter", True, True, (True, "consented")),
        ("stricter", True, False, (False, "pupil_refused")),
        ("stricter", False, True, (False, "refused")),
        ("stricter", True, None, (True, "consented")),
        ("parents", True, False, (True, "consented")),
        ("parents", False, True, (False, "refused")),
        ("pupil", False, True, (True, "consented")),
        ("pupil", True, False, (False, "pupil_refused")),
        ("pupil", True, None, (True, "consented")),  # the pupil has not answered: the parents' answer stands
    ],
)
def test_a_pupil_old_enough_to_answer(whose, parents_say, pupil_says, expected):
    records = [say(MUM, parents_say)] + ([say("pupil", pupil_says)] if pupil_says is not None else [])
    form = FormRule("academic_year", 13, whose)
    assert run(records, form=form, dob=TEEN) == expected


def test_a_younger_pupils_own_answer_does_not_count():
    assert run([say(MUM, True), say("pupil", False)], dob=CHILD) == (True, "consented")


def test_a_pupil_may_not_answer_a_purpose_reserved_to_parents():
    parents_only = PurposeRule("images_press", "p1", is_publication=True, pupils_may_answer=False)
    records = [say(MUM, True, purpose=parents_only), say("pupil", False, purpose=parents_only)]
    assert run(records, purpose=parents_only, dob=TEEN) == (True, "consented")


@pytest.mark.parametrize(
    ("mum", "dad", "measure", "left"),
    list(
        itertools.product(
            [None, True, False, "expired"],
            [None, True, False, "expired"],
            [None, "as_usual", "internal_only", "no_photos"],
            [False, True],
        )
    ),
)
def test_every_combination_gives_yes_only_when_the_rules_allow(mum, dad, measure, left):
    records = []
    for who, value in ((MUM, mum), (DAD, dad)):
        if value == "expired":
            records.append(say(who, True, year=LAST_YEAR))
        elif value is not None:
            records.append(say(who, value))
    allowed, reason = run(records, measure=measure, left_on=datetime.date(2026, 7, 1) if left else None)
    current = [v for v in (mum, dad) if v in (True, False)]
    expected = not left and measure not in ("no_photos", "internal_only") and True in current and False not in current
    assert allowed == expected
    if not allowed and left:
        assert reason == "left"
