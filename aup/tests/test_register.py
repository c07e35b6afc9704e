"""The policy review register as people use it: a school's register with statuses, filters and CSV; governors'
read-only view with what waits for the governing body; a trust's schools side by side; and the iCalendar feed of
review dates behind a secret link that can be reset. Query counts do not grow with the number of policies."""

import csv
import datetime
import io

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from aup.models import CalendarFeedToken, Policy, PolicyReview, PolicyReviewStep
from aup.selectors_register import review_cycle_label
from aup.tests.factories import PolicyFactory
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Role, StaffRole
from safeguard.directory.tests import factories

DAY = datetime.timedelta(days=1)


def _policy(school, title, next_in_days, **kwargs):
    """A policy of ``school`` due in ``next_in_days`` days of the school's date (None: no review date)."""
    today = school.today()
    kwargs.setdefault("last_approved_on", today - 300 * DAY if next_in_days is not None else None)
    return PolicyFactory(
        school=school,
        title=title,
        next_review_on=today + next_in_days * DAY if next_in_days is not None else None,
        **kwargs,
    )


def _review(policy, status, actor):
    review = PolicyReview.objects.create(policy=policy, status=status, due_on=policy.next_review_on)
    PolicyReviewStep.objects.create(review=review, action=PolicyReviewStep.Action.STARTED, actor=actor)
    if status == PolicyReview.Status.SUBMITTED:
        PolicyReviewStep.objects.create(review=review, action=PolicyReviewStep.Action.SUBMITTED, actor=actor)
    return review


@pytest.fixture
def spread(school, head, dsl, governor):
    """A register with one policy in each state, as the demo has."""
    policies = {
        "overdue": _policy(
            school,
            "Behaviour Policy",
            -10,
            owner=head,
            category=Policy.Category.BEHAVIOUR,
            approving_body=Policy.ApprovingBody.HEADTEACHER,
        ),
        "due_soon": _policy(
            school,
            "Child Protection Policy",
            12,
            owner=dsl,
            category=Policy.Category.SAFEGUARDING,
            review_cycle=Policy.ReviewCycle.FIXED_MONTH,
            review_month=9,
        ),
        "in_review": _policy(school, "SEND Policy", -3, owner=head, category=Policy.Category.SEND),
        "up_to_date": _policy(
            school,
            "Accessibility Plan",
            400,
            owner=head,
            category=Policy.Category.SEND,
            review_interval=3,
        ),
        "not_scheduled": _policy(school, "Uniform Policy", None, category=Policy.Category.OTHER),
        "submitted": _policy(
            school,
            "Charging and Remissions Policy",
            20,
            owner=head,
            category=Policy.Category.OTHER,
            approving_body=Policy.ApprovingBody.COMMITTEE,
            approving_committee="Finance and Resources Committee",
        ),
    }
    policies["due_soon"].review_team.add(dsl, governor)
    _review(policies["in_review"], PolicyReview.Status.IN_REVIEW, head)
    _review(policies["submitted"], PolicyReview.Status.SUBMITTED, head)
    return policies


def _statuses(response):
    return {policy.title: policy.register_status for policy in response.context["register"].rows}


@pytest.mark.django_db
class TestSchoolRegister:
    def test_each_policy_shows_its_status_and_the_counts_add_up(self, client, school, head, spread):
        client.force_login(head)
        response = client.get(reverse("aup:register", args=[school.slug]))
        assert response.status_code == 200
        assert _statuses(response) == {
            "Behaviour Policy": "overdue",
            "Child Protection Policy": "due_soon",
            "SEND Policy": "in_review",
            "Accessibility Plan": "up_to_date",
            "Uniform Policy": "not_scheduled",
            "Charging and Remissions Policy": "in_review",
        }
        counts = {item["status"]: item["count"] for item in response.context["summary"]}
        assert counts == {"overdue": 1, "due_soon": 1, "in_review": 2, "up_to_date": 1, "not_scheduled": 1}
        page = response.text
        for label in ("Overdue", "Due within 30 days", "In review", "Up to date", "Not scheduled"):
            assert label in page
        assert "Every September" in page and "Every 3 years" in page and "Every year" in page
        assert "Finance and Resources Committee" in page  # the approving body's label, not just "a committee"
        assert "Safeguarding and child protection" in page and ">SEND</div>" in page  # each policy's category
        assert "Submitted for approval" in page
        detail = reverse("aup:policy_detail", args=[school.slug, spread["overdue"].public_id])
        assert f'href="{detail}"' in page

    def test_the_school_date_decides_what_is_overdue(self, client, school, head):
        """Due today is not overdue yet; due yesterday is (the school's local date, not UTC)."""
        _policy(school, "Due today", 0)
        _policy(school, "Due yesterday", -1)
        _policy(school, "Due in 31 days", 31)
        client.force_login(head)
        response = client.get(reverse("aup:register", args=[school.slug]))
        assert _statuses(response) == {
            "Due today": "due_soon",
            "Due yesterday": "overdue",
            "Due in 31 days": "up_to_date",
        }

    def test_trust_wide_policies_are_in_the_register_too(self, client, school, trust, head):
        PolicyFactory(school=None, organisation=trust, title="Trust Complaints Policy", next_review_on=school.today())
        client.force_login(head)
        response = client.get(reverse("aup:register", args=[school.slug]))
        assert _statuses(response) == {"Trust Complaints Policy": "due_soon"}
        assert "whole trust" in response.text

    @pytest.mark.parametrize(
        ("query", "titles"),
        [
            ({"category": "send"}, {"SEND Policy", "Accessibility Plan"}),
            ({"approving_body": "headteacher"}, {"Behaviour Policy"}),
            ({"status": "in_review"}, {"SEND Policy", "Charging and Remissions Policy"}),
            ({"status": "overdue", "category": "send"}, set()),
            ({"category": "send", "status": "up_to_date"}, {"Accessibility Plan"}),
        ],
    )
    def test_filters(self, client, school, head, spread, query, titles):
        client.force_login(head)
        response = client.get(reverse("aup:register", args=[school.slug]), query)
        assert set(_statuses(response)) == titles

    def test_owner_filter_and_counts_follow_the_other_filters(self, client, school, head, dsl, spread):
        client.force_login(head)
        response = client.get(reverse("aup:register", args=[school.slug]), {"owner": str(dsl.public_id)})
        assert set(_statuses(response)) == {"Child Protection Policy"}
        counts = {item["status"]: item["count"] for item in response.context["summary"]}
        assert counts["due_soon"] == 1 and counts["overdue"] == 0
        # The owner list offers only people who own a policy here.
        owners = {str(user) for user in response.context["form"].fields["owner"].queryset}
        assert owners == {str(head), str(dsl)}

    def test_an_unknown_filter_value_shows_everything_rather_than_failing(self, client, school, head, spread):
        client.force_login(head)
        response = client.get(reverse("aup:register", args=[school.slug]), {"status": "nonsense"})
        assert response.status_code == 200
        assert len(_statuses(response)) == len(spread)

    def test_governor_reads_it_and_sees_what_waits_for_the_governing_body(self, client, school, head, governor, spread):
        # Submitted for the headteacher's own approval: not the governors' business.
        head_policy = _policy(school, "Lettings Policy", 5, approving_body=Policy.ApprovingBody.HEADTEACHER)
        _review(head_policy, PolicyReview.Status.SUBMITTED, head)
        client.force_login(governor)
        response = client.get(reverse("aup:register", args=[school.slug]))
        assert response.status_code == 200
        page = response.text
        assert "Awaiting approval by the governing body or a committee" in page
        awaiting = [review.policy.title for review in response.context["awaiting"]]
        assert awaiting == ["Charging and Remissions Policy"]
        # Read-only: the only form that posts is the sign-out button in the navigation bar.
        assert page.count('method="post"') == 1
        assert "review/start" not in page

    def test_teacher_sees_the_register_without_the_governance_section(self, client, school, teacher, spread):
        client.force_login(teacher)
        response = client.get(reverse("aup:register", args=[school.slug]))
        assert response.status_code == 200
        assert response.context["awaiting"] is None
        assert "Awaiting approval by the governing body" not in response.text

    def test_another_schools_dsl_and_a_parent_get_404(self, client, school, spread, other_school_dsl, parent):
        for user in (other_school_dsl, parent):
            client.force_login(user)
            assert client.get(reverse("aup:register", args=[school.slug])).status_code == 404
            assert client.get(reverse("aup:register_csv", args=[school.slug])).status_code == 404

    def test_other_schools_policies_are_not_listed(self, client, school, other_school, head, spread):
        _policy(other_school, "Elsewhere Behaviour Policy", -5)
        client.force_login(head)
        response = client.get(reverse("aup:register", args=[school.slug]))
        assert "Elsewhere Behaviour Policy" not in response.text


@pytest.mark.parametrize(
    ("cycle", "interval", "month", "words"),
    [
        (Policy.ReviewCycle.EVERY_N_YEARS, 1, None, "Every year"),
        (Policy.ReviewCycle.EVERY_N_YEARS, 3, None, "Every 3 years"),
        (Policy.ReviewCycle.FIXED_MONTH, 1, 9, "Every September"),
        (Policy.ReviewCycle.TERMLY, 1, None, "Every term"),
        (Policy.ReviewCycle.EVERY_N_MONTHS, 6, None, "Every 6 months"),
        (Policy.ReviewCycle.EVERY_N_MONTHS, 1, None, "Every month"),
    ],
)
def test_review_cycle_in_words(cycle, interval, month, words):
    policy = Policy(review_cycle=cycle, review_interval=interval, review_month=month)
    with translation.override("en-gb"):
        assert review_cycle_label(policy) == str(words)


def _csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
class TestRegisterCsv:
    def test_columns_and_iso_dates(self, client, school, head, spread):
        client.force_login(head)
        response = client.get(reverse("aup:register_csv", args=[school.slug]))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        rows = _csv_rows(response)
        assert rows[0] == [
            "Title",
            "Category",
            "Owner",
            "Approving body",
            "Review cycle",
            "Last approved",
            "Next review",
            "Status",
        ]
        by_title = {row[0]: row for row in rows[1:]}
        assert len(by_title) == len(spread)
        behaviour = spread["overdue"]
        assert by_title["Behaviour Policy"] == [
            "Behaviour Policy",
            "Behaviour",
            str(head),
            "Headteacher",
            "Every year",
            behaviour.last_approved_on.isoformat(),
            behaviour.next_review_on.isoformat(),
            "Overdue",
        ]
        assert by_title["Child Protection Policy"][4] == "Every September"
        assert by_title["Uniform Policy"][5:] == ["", "", "Not scheduled"]

    def test_uses_the_pages_filters(self, client, school, head, spread):
        client.force_login(head)
        response = client.get(reverse("aup:register_csv", args=[school.slug]), {"status": "overdue"})
        assert [row[0] for row in _csv_rows(response)[1:]] == ["Behaviour Policy"]

    def test_a_title_a_spreadsheet_would_run_is_written_as_text(self, client, school, head):
        _policy(school, '=HYPERLINK("http://evil.test","Click")', 40)
        _policy(school, "-2+3", 40)
        _policy(school, "@SUM(A1)", 40)
        _policy(school, "+44 Policy", 40)
        client.force_login(head)
        titles = sorted(row[0] for row in _csv_rows(client.get(reverse("aup:register_csv", args=[school.slug])))[1:])
        assert titles == sorted(['\'=HYPERLINK("http://evil.test","Click")', "'-2+3", "'@SUM(A1)", "'+44 Policy"])


@pytest.fixture
def sister_school(trust):
    return factories.SchoolFactory(organisation=trust, name="Demo Secondary School", slug="demo-secondary")


@pytest.mark.django_db
class TestTrustRegister:
    def test_schools_side_by_side_and_what_needs_attention(
        self, client, trust, school, sister_school, other_school, trust_admin
    ):
        _policy(school, "Behaviour Policy", -10)
        _policy(school, "Child Protection Policy", 5)
        _policy(school, "Accessibility Plan", 300)
        _policy(sister_school, "Behaviour Policy", 20)
        _policy(sister_school, "Uniform Policy", None)
        _policy(other_school, "Elsewhere Policy", -30)
        PolicyFactory(school=None, organisation=trust, title="Trust Complaints Policy", next_review_on=school.today())
        client.force_login(trust_admin)
        response = client.get(reverse("aup:register_trust", args=[trust.slug]))
        assert response.status_code == 200
        table = {row.label: {status: count for status, _label, count in row.counts} for row in response.context["rows"]}
        assert table["Demo Primary School"] == {
            "overdue": 1,
            "due_soon": 1,
            "in_review": 0,
            "up_to_date": 1,
            "not_scheduled": 0,
        }
        assert table["Demo Secondary School"]["due_soon"] == 1
        assert table["Demo Secondary School"]["not_scheduled"] == 1
        assert table["Whole-trust policies"]["due_soon"] == 1
        assert "Elsewhere Primary School" not in table
        listed = [(p.register_school_label, p.title) for p in response.context["policies"]]
        assert listed == [
            ("Demo Primary School", "Behaviour Policy"),
            ("Whole trust", "Trust Complaints Policy"),
            ("Demo Primary School", "Child Protection Policy"),
            ("Demo Secondary School", "Behaviour Policy"),
        ]
        page = response.text
        assert "Elsewhere Policy" not in page
        assert reverse("aup:register", args=[sister_school.slug]) in page

    def test_filters(self, client, trust, school, sister_school, trust_admin):
        _policy(school, "Behaviour Policy", -10, category=Policy.Category.BEHAVIOUR)
        _policy(sister_school, "Behaviour Policy", -3, category=Policy.Category.BEHAVIOUR)
        _policy(
            sister_school,
            "SEND Policy",
            -2,
            category=Policy.Category.SEND,
            approving_body=Policy.ApprovingBody.HEADTEACHER,
        )
        _policy(sister_school, "Accessibility Plan", 300, category=Policy.Category.SEND)
        client.force_login(trust_admin)
        url = reverse("aup:register_trust", args=[trust.slug])

        def listed(query):
            response = client.get(url, query)
            assert response.status_code == 200
            return [(p.register_school_label, p.title) for p in response.context["policies"]], response

        found, response = listed({"school": sister_school.slug})
        assert found == [("Demo Secondary School", "Behaviour Policy"), ("Demo Secondary School", "SEND Policy")]
        assert [row.label for row in response.context["rows"]] == ["Demo Secondary School"]
        assert listed({"category": "behaviour"})[0] == [
            ("Demo Primary School", "Behaviour Policy"),
            ("Demo Secondary School", "Behaviour Policy"),
        ]
        assert listed({"approving_body": "headteacher"})[0] == [("Demo Secondary School", "SEND Policy")]
        assert listed({"status": "up_to_date"})[0] == [("Demo Secondary School", "Accessibility Plan")]

    def test_people_who_do_not_run_the_trust_get_404(self, client, trust, head, governor, other_school_dsl):
        other_trust_admin = factories.UserFactory(email="admin@other-trust.test")
        factories.OrganisationRoleFactory(user=other_trust_admin)
        for user in (head, governor, other_school_dsl, other_trust_admin):
            client.force_login(user)
            assert client.get(reverse("aup:register_trust", args=[trust.slug])).status_code == 404
        assert client.get(reverse("aup:register_trust", args=["no-such-trust"])).status_code == 404


def _feed_link(client, user):
    """Sign ``user`` in, create their calendar link, and return (token, feed path)."""
    client.force_login(user)
    response = client.post(reverse("aup:calendar_feed_reset"))
    assert response.status_code == 302
    token = CalendarFeedToken.objects.get(user=user).token
    return token, reverse("aup:calendar_ics", args=[token])


def _events(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


@pytest.mark.django_db
class TestCalendarFeed:
    def test_feed_lists_review_dates_of_the_users_schools(self, client, settings, trust, school, other_school, head):
        settings.SITE_URL = "https://safeguard.example.test"
        due = _policy(school, "Behaviour Policy", 20)
        overdue = _policy(school, "SEND Policy", -4)
        _policy(school, "Uniform Policy", None)
        trust_wide = PolicyFactory(
            school=None, organisation=trust, title="Trust Complaints Policy", next_review_on=school.today() + 9 * DAY
        )
        elsewhere = _policy(other_school, "Elsewhere Policy", 10)
        _token, path = _feed_link(client, head)
        client.logout()  # calendar apps do not sign in
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        events = _events(response)
        assert set(events) == {
            f"{due.public_id}-review@safeguard",
            f"{overdue.public_id}-review@safeguard",
            f"{trust_wide.public_id}-review@safeguard",
        }
        assert f"{elsewhere.public_id}-review@safeguard" not in events
        event = events[f"{due.public_id}-review@safeguard"]
        assert str(event["summary"]) == "Review due: Behaviour Policy (Demo Primary School)"
        assert event.decoded("dtstart") == due.next_review_on  # an all-day event: a date, not a time
        assert event.decoded("dtend") == due.next_review_on + DAY
        assert str(event["url"]) == "https://safeguard.example.test" + reverse(
            "aup:policy_detail", args=[school.slug, due.public_id]
        )
        assert "dtstamp" in event
        trust_event = events[f"{trust_wide.public_id}-review@safeguard"]
        assert str(trust_event["summary"]) == "Review due: Trust Complaints Policy (Demo Learning Trust)"

    def test_the_same_policy_keeps_the_same_uid(self, client, school, head):
        policy = _policy(school, "Behaviour Policy", 20)
        _token, path = _feed_link(client, head)
        first = _events(client.get(path))
        policy.next_review_on += 30 * DAY
        policy.save()
        second = _events(client.get(path))
        assert set(first) == set(second) == {f"{policy.public_id}-review@safeguard"}

    def test_a_trust_admin_sees_every_school_of_the_trust_once(self, client, trust, school, trust_admin):
        sister = factories.SchoolFactory(organisation=trust, name="Demo Secondary School", slug="demo-secondary")
        ours = _policy(school, "Behaviour Policy", 20)
        theirs = _policy(sister, "Behaviour Policy", 25)
        trust_wide = PolicyFactory(
            school=None, organisation=trust, title="Trust Complaints Policy", next_review_on=school.today()
        )
        _token, path = _feed_link(client, trust_admin)
        events = _events(client.get(path))
        assert set(events) == {f"{p.public_id}-review@safeguard" for p in (ours, theirs, trust_wide)}

    def test_unknown_token_is_404(self, client, school, head):
        _policy(school, "Behaviour Policy", 20)
        assert client.get(reverse("aup:calendar_ics", args=["not-a-real-token"])).status_code == 404

    def test_reset_makes_the_old_link_404_and_is_audited(self, client, school, head):
        _policy(school, "Behaviour Policy", 20)
        old_token, old_path = _feed_link(client, head)
        assert client.get(old_path).status_code == 200
        response = client.post(reverse("aup:calendar_feed_reset"), follow=True)
        assert "Your calendar link has been reset" in response.text
        new_token = CalendarFeedToken.objects.get(user=head).token
        assert new_token != old_token and len(new_token) >= 43
        assert client.get(old_path).status_code == 404
        assert client.get(reverse("aup:calendar_ics", args=[new_token])).status_code == 200
        assert list(
            AuditEvent.objects.filter(actor=head, action__startswith="aup.calendar_feed.")
            .order_by("pk")
            .values_list("action", flat=True)
        ) == ["aup.calendar_feed.created", "aup.calendar_feed.reset"]
        assert not AuditEvent.objects.filter(data__icontains=new_token).exists()

    def test_someone_whose_roles_ended_gets_an_empty_calendar(self, client, school, governor):
        _policy(school, "Behaviour Policy", 20)
        _token, path = _feed_link(client, governor)
        assert len(_events(client.get(path))) == 1
        StaffRole.objects.filter(user=governor, role=Role.GOVERNOR).update(ended_on=school.today() - DAY)
        response = client.get(path)
        assert response.status_code == 200
        assert _events(response) == {}

    def test_a_deactivated_account_link_is_404(self, client, school, governor):
        _token, path = _feed_link(client, governor)
        governor.is_active = False
        governor.save()
        client.logout()
        assert client.get(path).status_code == 404

    def test_feed_page_shows_the_absolute_link_and_the_reset_button(self, client, settings, school, head):
        settings.SITE_URL = "https://safeguard.example.test"
        client.force_login(head)
        page = client.get(reverse("aup:calendar_feed"))
        assert page.status_code == 200
        assert "Create my calendar link" in page.text
        assert not CalendarFeedToken.objects.filter(user=head).exists()  # a GET writes nothing
        token, path = _feed_link(client, head)
        page = client.get(reverse("aup:calendar_feed"))
        assert f"https://safeguard.example.test{path}" in page.text
        assert "Reset the link" in page.text
        assert reverse("aup:register", args=[school.slug]) in page.text

    def test_parents_have_no_calendar(self, client, parent):
        client.force_login(parent)
        assert client.get(reverse("aup:calendar_feed")).status_code == 404
        assert client.post(reverse("aup:calendar_feed_reset")).status_code == 404
        assert not CalendarFeedToken.objects.exists()

    def test_reset_is_post_only(self, client, head):
        client.force_login(head)
        assert client.get(reverse("aup:calendar_feed_reset")).status_code == 405


def _many_policies(school, count, owner, team, start=0):
    for index in range(start, start + count):
        policy = _policy(school, f"Policy {index:02d}", [-5, 10, 100, -1][index % 4], owner=owner)
        policy.review_team.add(team)
        if index % 4 == 3:
            _review(policy, PolicyReview.Status.SUBMITTED, owner)


def _query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response


@pytest.mark.django_db
class TestQueryCounts:
    def test_register_queries_do_not_grow_with_policies(self, client, school, head, dsl, governor):
        _many_policies(school, 3, head, dsl)
        client.force_login(governor)
        url = reverse("aup:register", args=[school.slug])
        client.get(url)  # warm the session and the staff gate
        small, small_page = _query_count(client, url)
        other_owner = factories.UserFactory()
        _many_policies(school, 27, other_owner, governor, start=3)
        large, large_page = _query_count(client, url)
        assert small == large
        assert len(small_page.context["register"].rows) == 3 and len(large_page.context["register"].rows) == 30
        assert len(large_page.context["awaiting"]) == 7

    def test_csv_queries_do_not_grow_with_policies(self, client, school, head, dsl):
        _many_policies(school, 3, head, dsl)
        client.force_login(head)
        url = reverse("aup:register_csv", args=[school.slug])
        client.get(url)
        small, _ = _query_count(client, url)
        _many_policies(school, 27, head, dsl)
        large, response = _query_count(client, url)
        assert small == large and len(_csv_rows(response)) == 31

    def test_trust_register_queries_do_not_grow_with_policies_or_schools(self, client, trust, school, trust_admin):
        head = factories.UserFactory()
        _many_policies(school, 3, head, head)
        client.force_login(trust_admin)
        url = reverse("aup:register_trust", args=[trust.slug])
        client.get(url)
        small, _ = _query_count(client, url)
        for number in range(3):
            sister = factories.SchoolFactory(organisation=trust, slug=f"sister-{number}")
            _many_policies(sister, 9, head, head)
        large, response = _query_count(client, url)
        assert small == large
        assert sum(row.total for row in response.context["rows"]) == 30

    def test_feed_queries_do_not_grow_with_policies(self, client, school, head, dsl):
        _many_policies(school, 3, head, dsl)
        _token, path = _feed_link(client, head)
        client.logout()
        small, small_response = _query_count(client, path)
        _many_policies(school, 27, head, dsl)
        large, large_response = _query_count(client, path)
        assert small == large
        assert len(_events(small_response)) == 3 and len(_events(large_response)) == 30


# Who gets what: the rows to copy into safeguard/tests/test_permissions_matrix.py.

ALL = ["office", "teacher", "dsl", "deputy_dsl", "slt", "head", "governor", "parent", "trust_admin", "other_school_dsl"]
SCHOOL_READERS = ["office", "teacher", "dsl", "deputy_dsl", "slt", "head", "governor", "trust_admin"]


def _expected(allowed, status=200):
    return {"anonymous": 302, **{role: status if role in allowed else 404 for role in ALL}}


MATRIX = [
    ("aup:register", "get", lambda f: {"slug": f.school.slug}, _expected(SCHOOL_READERS)),
    ("aup:register_csv", "get", lambda f: {"slug": f.school.slug}, _expected(SCHOOL_READERS)),
    ("aup:register_trust", "get", lambda f: {"org_slug": f.trust.slug}, _expected(["trust_admin"])),
    ("aup:calendar_feed", "get", lambda f: {}, _expected([*SCHOOL_READERS, "other_school_dsl"])),
    ("aup:calendar_feed_reset", "post", lambda f: {}, _expected([*SCHOOL_READERS, "other_school_dsl"], 302)),
    # No sign-in: the token is the key, whoever presents it.
    ("aup:calendar_ics", "get", lambda f: {"token": f.token}, {"anonymous": 200, **dict.fromkeys(ALL, 200)}),
    ("aup:calendar_ics", "get", lambda f: {"token": "unknown-token"}, {"anonymous": 404, **dict.fromkeys(ALL, 404)}),
]


@pytest.fixture
def personas(request, school, trust):
    names = ["office", "teacher", "dsl", "deputy_dsl", "slt", "head", "governor", "parent", "trust_admin"]
    users = {name: request.getfixturevalue(name) for name in names}
    users["other_school_dsl"] = request.getfixturevalue("other_school_dsl")
    return users


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "kwargs", "expected"), MATRIX, ids=[f"{row[0]}-{i}" for i, row in enumerate(MATRIX)]
)
def test_who_gets_what(client, school, trust, personas, name, method, kwargs, expected):
    _policy(school, "Behaviour Policy", 20)
    head = personas["head"]
    token = CalendarFeedToken.objects.create(user=head, token="t" * 43).token
    fixtures = type("World", (), {"school": school, "trust": trust, "token": token})
    url = reverse(name, kwargs=kwargs(fixtures))
    for role, status in expected.items():
        client.logout()
        if role != "anonymous":
            client.force_login(personas[role])
        response = getattr(client, method)(url)
        assert response.status_code == status, f"{role} on {name}"
        if role == "anonymous" and status == 302:
            assert response["Location"].startswith(reverse("accounts:login"))
