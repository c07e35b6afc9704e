"""The policy review round through its pages, as people use it: start, draft (or "no changes"), submit, return with
comments, approve — the version becomes current, the next review date moves on, each step is recorded; who may do
what, read-only governors, another school's review, refused steps that keep what was typed, and a new signing round
for a policy signed again with each new version."""

import datetime

import pytest
from django.urls import reverse

from aup.models import Agreement, Policy, PolicyReview, PolicyReviewStep, PolicyVersion, SignatureRequest
from aup.services_reviews import review_confirm_no_changes, review_start, review_submit
from aup.tests.factories import AgreementFactory, PolicyFactory, PolicyVersionFactory
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Role
from safeguard.directory.tests import factories
from safeguard.jobs.models import OutboxTask

D = datetime.date
APPROVED_ON = D(2026, 11, 20)  # a past date: the services refuse approvals dated in the future
CURRENT_TEXT = "# Behaviour\n\nWe expect kindness.\n\nSanctions are fair and explained."
NEW_TEXT = "# Behaviour\n\nWe expect kindness.\n\nSanctions are fair, explained and recorded.\n\nPhones stay off."


@pytest.fixture
def policy(school):
    policy = PolicyFactory(
        school=school,
        title="Behaviour Policy",
        category=Policy.Category.BEHAVIOUR,
        approving_body=Policy.ApprovingBody.HEADTEACHER,
        review_cycle=Policy.ReviewCycle.EVERY_N_YEARS,
        review_interval=1,
        last_approved_on=D(2025, 11, 30),
        next_review_on=D(2026, 11, 30),
    )
    PolicyVersionFactory(
        policy=policy,
        number="3",
        approved_on=D(2025, 11, 30),
        body_markdown=CURRENT_TEXT,
        body_html="<h1>Behaviour</h1><p>We expect kindness.</p><p>Sanctions are fair and explained.</p>",
    )
    return policy


def _url(name, review_or_policy):
    return reverse(f"aup:{name}", args=[review_or_policy.policy.school.slug, review_or_policy.public_id])


def _start_url(policy):
    return reverse("aup:review_start", args=[policy.school.slug, policy.public_id])


def _draft_data(**overrides):
    data = {
        "number": "4",
        "author": "Office",
        "summary_of_changes": "Phones; recording sanctions",
        "body_markdown": NEW_TEXT,
        "note": "",
    }
    data.update(overrides)
    return data


def _approve_data(**overrides):
    data = {"approve-approved_on": APPROVED_ON.isoformat(), "approve-approved_by": "", "approve-note": ""}
    data.update(overrides)
    return data


def _steps(review):
    return [
        (step.action, step.actor, step.note)
        for step in PolicyReviewStep.objects.filter(review=review).order_by("created_at", "id")
    ]


def _page(response):
    return response.content.decode()


@pytest.mark.django_db
class TestFullRound:
    def test_start_draft_submit_return_redraft_approve(self, client, school, policy, head, office):
        # The head starts the review from the policy page.
        client.force_login(head)
        page = _page(client.get(reverse("aup:policy_detail", args=[school.slug, policy.public_id])))
        assert "Start review" in page
        response = client.post(_start_url(policy), {"note": "Annual review"})
        review = PolicyReview.objects.get(policy=policy)
        assert response.status_code == 302
        assert response["Location"] == _url("review_detail", review)
        assert review.status == PolicyReview.Status.IN_REVIEW
        assert review.due_on == D(2026, 11, 30)

        # Office staff draft the new version: the form suggests number 4, their name, and the current text.
        client.force_login(office)
        page = _page(client.get(_url("review_detail", review)))
        assert "Draft the new version" in page
        form = client.get(_url("review_draft", review)).context["form"]
        assert form.initial["number"] == "4"
        assert form.initial["author"] == office.full_name
        assert form.initial["body_markdown"] == CURRENT_TEXT
        response = client.post(_url("review_draft", review), _draft_data(author="KHo"))
        assert response.status_code == 302
        review.refresh_from_db()
        assert review.draft_version.number == "4"
        assert review.draft_version.status == PolicyVersion.Status.DRAFT

        # The review page shows the draft's text and what changed.
        page = _page(client.get(_url("review_detail", review)))
        assert "Phones; recording sanctions" in page
        assert "Phones stay off." in page
        assert "Changes to the text since version 3" in page

        response = client.post(_url("review_submit", review), {"submit-note": "Ready for the head"}, follow=True)
        assert "Submitted to Headteacher for approval." in _page(response)
        review.refresh_from_db()
        assert review.status == PolicyReview.Status.SUBMITTED
        # Office staff do not record the decision.
        assert "Return with comments" not in _page(response)

        # The head returns it with comments.
        client.force_login(head)
        page = _page(client.get(_url("review_detail", review)))
        assert "Return with comments" in page and "Approve" in page
        approve_form = client.get(_url("review_detail", review)).context["approve_form"]
        assert approve_form["approved_by"].value() == "Headteacher"
        assert approve_form["approved_on"].value() == school.today()
        response = client.post(_url("review_return", review), {"return-note": "Add the mobile phone rules in full."})
        assert response.status_code == 302
        review.refresh_from_db()
        assert review.status == PolicyReview.Status.IN_REVIEW

        # Office staff redraft from the returned draft: the next free number, the draft's own text.
        client.force_login(office)
        page = _page(client.get(_url("review_detail", review)))
        assert "Add the mobile phone rules in full." in page
        form = client.get(_url("review_draft", review)).context["form"]
        assert form.initial["number"] == "5"
        assert form.initial["body_markdown"] == NEW_TEXT
        text = NEW_TEXT + "\n\n## Mobile phones\n\nPhones are handed in at the office."
        client.post(_url("review_draft", review), _draft_data(number="5", body_markdown=text, author="KHo"))
        client.post(_url("review_submit", review), {"submit-note": "Phone rules added"})
        review.refresh_from_db()
        assert (review.status, review.draft_version.number) == (PolicyReview.Status.SUBMITTED, "5")

        # The head approves: version 5 is current, 3 superseded, the abandoned draft 4 kept as a draft.
        client.force_login(head)
        response = client.post(_url("review_approve", review), _approve_data(**{"approve-note": "Agreed"}), follow=True)
        page = _page(response)
        assert "Approved: version 5 is now the current version." in page
        assert "The next review is due on 20 November 2027." in page
        statuses = dict(policy.versions.values_list("number", "status"))
        assert statuses == {"3": "superseded", "4": "draft", "5": "approved"}
        five = policy.versions.get(number="5")
        assert (five.approved_on, five.approved_by) == (APPROVED_ON, "Headteacher")
        policy.refresh_from_db()
        assert (policy.last_approved_on, policy.next_review_on) == (APPROVED_ON, D(2027, 11, 20))
        review.refresh_from_db()
        assert review.status == PolicyReview.Status.APPROVED

        assert _steps(review) == [
            ("started", head, "Annual review"),
            ("drafted", office, "Phones; recording sanctions"),
            ("submitted", office, "Ready for the head"),
            ("returned", head, "Add the mobile phone rules in full."),
            ("drafted", office, "Phones; recording sanctions"),
            ("submitted", office, "Phone rules added"),
            ("approved", head, "Agreed"),
        ]
        assert AuditEvent.objects.filter(action="aup.review.approved", actor=head).count() == 1

        # The policy page shows the review in its history and offers a new one.
        page = _page(client.get(reverse("aup:policy_detail", args=[school.slug, policy.public_id])))
        assert _url("review_detail", review) in page
        assert "Start review" in page

    def test_no_changes_round_in_a_september_cycle(self, client, school, policy, head, slt):
        policy.review_cycle, policy.review_month = Policy.ReviewCycle.FIXED_MONTH, 9
        policy.save()
        client.force_login(slt)
        client.post(_start_url(policy))
        review = PolicyReview.objects.get(policy=policy)
        client.post(_url("review_no_changes", review), {"no_changes-note": "Still matches KCSIE 2026"})
        client.post(_url("review_submit", review), {"submit-note": ""})
        review.refresh_from_db()
        assert (review.status, review.no_changes, review.draft_version) == ("submitted", True, None)

        client.force_login(head)
        response = client.post(_url("review_approve", review), _approve_data(), follow=True)
        assert "Approved with no changes." in _page(response)
        policy.refresh_from_db()
        assert (policy.last_approved_on, policy.next_review_on) == (APPROVED_ON, D(2027, 9, 1))
        assert list(policy.versions.values_list("number", "status")) == [("3", "approved")]
        assert [action for action, _actor, _note in _steps(review)] == [
            "started",
            "no_changes",
            "submitted",
            "approved",
        ]
        assert _steps(review)[1] == ("no_changes", slt, "Still matches KCSIE 2026")
        assert _steps(review)[-1] == ("approved", head, "Headteacher")  # the approving body, when no note

    def test_the_policy_owner_who_is_a_dsl_starts_and_drafts(self, client, policy, dsl, head):
        policy.owner = dsl
        policy.save()
        client.force_login(dsl)
        page = _page(client.get(reverse("aup:policy_detail", args=[policy.school.slug, policy.public_id])))
        assert "Start review" in page
        assert client.post(_start_url(policy), {"note": "My annual review"}).status_code == 302
        review = PolicyReview.objects.get(policy=policy)
        assert client.get(_url("review_draft", review)).status_code == 200
        assert client.post(_url("review_draft", review), _draft_data(author="DSL")).status_code == 302
        assert client.post(_url("review_submit", review)).status_code == 302
        review.refresh_from_db()
        assert review.status == PolicyReview.Status.SUBMITTED
        assert [actor for _action, actor, _note in _steps(review)] == [dsl, dsl, dsl]
        # Only the headteacher or SLT record the decision.
        assert client.post(_url("review_approve", review), _approve_data()).status_code == 404
        assert client.post(_url("review_return", review), {"return-note": "No"}).status_code == 404

    def test_a_teacher_on_the_review_team_may_draft(self, client, policy, teacher):
        policy.review_team.add(teacher)
        client.force_login(teacher)
        assert client.post(_start_url(policy)).status_code == 302
        review = PolicyReview.objects.get(policy=policy)
        assert client.post(_url("review_draft", review), _draft_data()).status_code == 302


@pytest.mark.django_db
class TestWhoMay:
    @pytest.fixture
    def review(self, policy, head):
        return review_start(actor=head, policy=policy, note="Annual review")

    def test_a_teacher_not_on_the_team_gets_404_on_every_post(self, client, policy, review, teacher):
        client.force_login(teacher)
        other = PolicyFactory(school=policy.school, title="Uniform Policy")
        assert client.post(_start_url(other)).status_code == 404
        assert client.get(_url("review_draft", review)).status_code == 404
        for name, data in [
            ("review_draft", _draft_data()),
            ("review_no_changes", {}),
            ("review_submit", {}),
            ("review_return", {"return-note": "x"}),
            ("review_approve", _approve_data()),
        ]:
            assert client.post(_url(name, review), data).status_code == 404, name
        assert not PolicyReview.objects.filter(policy=other).exists()
        assert [action for action, _actor, _note in _steps(review)] == ["started"]

    def test_governor_reads_the_review_without_forms(self, client, policy, review, governor, head):
        review_confirm_no_changes(actor=head, review=review, note="Nothing to change")
        review_submit(actor=head, review=review)
        client.force_login(governor)
        response = client.get(_url("review_detail", review))
        page = _page(response)
        assert response.status_code == 200
        assert "Nothing to change" in page and "Annual review" in page
        for name in ("review_draft", "review_no_changes", "review_submit", "review_return", "review_approve"):
            assert _url(name, review) not in page
        for form in ("no_changes_form", "submit_form", "approve_form", "return_form"):
            assert response.context[form] is None
        assert client.post(_url("review_approve", review), _approve_data()).status_code == 404
        assert client.post(_url("review_return", review), {"return-note": "No"}).status_code == 404
        assert PolicyReview.objects.get(pk=review.pk).status == PolicyReview.Status.SUBMITTED
        # The policy page links to the review but offers no start.
        page = _page(client.get(reverse("aup:policy_detail", args=[policy.school.slug, policy.public_id])))
        assert "Open review" in page and "Start review" not in page

    def test_another_schools_review_is_not_found(self, client, school, other_school, review, other_school_dsl, head):
        # Seen from another school's DSL, under either school.
        client.force_login(other_school_dsl)
        assert client.get(_url("review_detail", review)).status_code == 404
        theirs = reverse("aup:review_detail", args=[other_school.slug, review.public_id])
        assert client.get(theirs).status_code == 404
        # This school's head, on another school's review, under their own school.
        other_head = factories.UserFactory(email="head@elsewhere.test")
        factories.StaffRoleFactory(user=other_head, school=other_school, role=Role.HEADTEACHER)
        other_policy = PolicyVersionFactory(policy__school=other_school).policy
        other_review = review_start(actor=other_head, policy=other_policy)
        client.force_login(head)
        for name in ("review_detail", "review_draft"):
            url = reverse(f"aup:{name}", args=[school.slug, other_review.public_id])
            assert client.get(url).status_code == 404
        url = reverse("aup:review_approve", args=[school.slug, other_review.public_id])
        assert client.post(url, _approve_data()).status_code == 404
        assert client.post(_start_url(other_policy)).status_code == 404


@pytest.mark.django_db
class TestRefusals:
    @pytest.fixture
    def review(self, policy, head):
        return review_start(actor=head, policy=policy)

    def test_a_taken_number_keeps_the_typed_text(self, client, review, office):
        client.force_login(office)
        typed = "# Behaviour\n\nMy careful rewrite of the whole policy."
        response = client.post(_url("review_draft", review), _draft_data(number="3", body_markdown=typed))
        assert response.status_code == 200
        assert response.context["form"].errors["number"] == ["This policy already has a version 3."]
        assert "My careful rewrite of the whole policy." in _page(response)
        assert PolicyReview.objects.get(pk=review.pk).draft_version is None

    def test_summary_of_changes_is_required(self, client, review, office):
        client.force_login(office)
        response = client.post(_url("review_draft", review), _draft_data(summary_of_changes=""))
        assert response.status_code == 200
        assert "summary_of_changes" in response.context["form"].errors
        assert "Phones stay off." in _page(response)

    def test_submitting_nothing_is_refused_on_the_form(self, client, review, office):
        client.force_login(office)
        response = client.post(_url("review_submit", review), {"submit-note": "Please approve"})
        assert response.status_code == 200
        page = _page(response)
        assert "Draft the new version, or confirm that nothing needs to change, before submitting." in page
        assert "Please approve" in page
        assert PolicyReview.objects.get(pk=review.pk).status == PolicyReview.Status.IN_REVIEW

    def test_returning_needs_comments_and_a_future_approval_is_refused(self, client, review, head, policy):
        review_confirm_no_changes(actor=head, review=review)
        review_submit(actor=head, review=review)
        client.force_login(head)
        response = client.post(_url("review_return", review), {"return-note": "  "})
        assert response.status_code == 200
        assert response.context["return_form"].errors["note"]

        tomorrow = (policy.school.today() + datetime.timedelta(days=1)).isoformat()
        response = client.post(
            _url("review_approve", review), _approve_data(**{"approve-approved_on": tomorrow, "approve-note": "Mine"})
        )
        assert response.status_code == 200
        assert response.context["approve_form"].errors["approved_on"] == ["The approval date cannot be in the future."]
        assert "Mine" in _page(response)
        assert PolicyReview.objects.get(pk=review.pk).status == PolicyReview.Status.SUBMITTED

    def test_a_second_review_is_refused_and_leads_to_the_open_one(self, client, review, office, policy):
        client.force_login(office)
        response = client.post(_start_url(policy), follow=True)
        assert response.redirect_chain[-1][0] == _url("review_detail", review)
        assert "A review of this policy is already in progress." in _page(response)
        assert PolicyReview.objects.filter(policy=policy).count() == 1

    def test_drafting_a_submitted_review_is_refused(self, client, review, head, office):
        review_confirm_no_changes(actor=head, review=review)
        review_submit(actor=head, review=review)
        client.force_login(office)
        response = client.get(_url("review_draft", review), follow=True)
        assert "This review is not open for changes." in _page(response)


@pytest.mark.django_db
def test_approving_a_policy_signed_with_each_new_version_starts_the_new_round(
    client, school, policy, head, office, pupil, guardian_link
):
    factories.AcademicYearFactory(school=school)
    policy.signing_frequency = Policy.SigningFrequency.EACH_NEW_VERSION
    policy.save()
    agreement = AgreementFactory(
        version=policy.versions.get(number="3"), countersignature=Agreement.Countersignature.PARENT
    )
    review = review_start(actor=office, policy=policy)
    client.force_login(office)
    client.post(_url("review_draft", review), _draft_data())
    client.post(_url("review_submit", review))

    client.force_login(head)
    response = client.post(_url("review_approve", review), _approve_data(), follow=True)
    assert "1 signature request sent for the new version." in _page(response)

    new = policy.versions.get(number="4")
    copied = new.agreements.get()
    assert (copied.audience, copied.title, copied.countersignature) == (
        agreement.audience,
        agreement.title,
        Agreement.Countersignature.PARENT,
    )
    assert list(copied.statements.order_by("order").values_list("text", flat=True)) == list(
        agreement.statements.order_by("order").values_list("text", flat=True)
    )
    request = SignatureRequest.objects.get(agreement=copied)
    assert request.pupil == pupil
    assert OutboxTask.objects.filter(task_name__endswith="send_signature_request", args=[request.pk]).count() == 1


# Who gets what on each page: a fresh world per persona -------------------------------------------------------------

PERSONAS = [
    "anonymous",
    "office",
    "teacher",
    "dsl",
    "deputy_dsl",
    "slt",
    "head",
    "governor",
    "parent",
    "trust_admin",
    "other_school_dsl",
]
WORKERS = {"office", "slt", "head"}  # no persona owns the policy or sits on its review team here
APPROVERS = {"slt", "head"}
READERS = {"office", "teacher", "dsl", "deputy_dsl", "slt", "head", "governor", "trust_admin"}


def _expect(allowed, status):
    return {p: ("login" if p == "anonymous" else status if p in allowed else 404) for p in PERSONAS}


# (url name, state of the review, method, data, expected status per persona)
MATRIX = [
    ("review_start", "no review", "post", {}, _expect(WORKERS, 302)),
    ("review_detail", "in review", "get", None, _expect(READERS, 200)),
    ("review_draft", "in review", "get", None, _expect(WORKERS, 200)),
    ("review_draft", "in review", "post", "draft", _expect(WORKERS, 302)),
    ("review_no_changes", "in review", "post", {}, _expect(WORKERS, 302)),
    ("review_submit", "no changes confirmed", "post", {}, _expect(WORKERS, 302)),
    ("review_submit", "in review", "post", {}, _expect(WORKERS, 200)),  # nothing drafted: refused on the form
    ("review_return", "submitted", "post", {"return-note": "Please redo"}, _expect(APPROVERS, 302)),
    ("review_return", "submitted", "post", {}, _expect(APPROVERS, 200)),  # comments are required
    ("review_approve", "submitted", "post", "approve", _expect(APPROVERS, 302)),
    ("review_approve", "submitted", "post", {}, _expect(APPROVERS, 200)),  # the date is required
]
CASES = [(row, persona) for row in range(len(MATRIX)) for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "persona"),
    CASES,
    ids=[f"{MATRIX[r][0]}[{MATRIX[r][1]}|{MATRIX[r][2]}|{'data' if MATRIX[r][3] else 'empty'}]-{p}" for r, p in CASES],
)
def test_permission_matrix(request, client, school, policy, head, parent, row, persona):
    name, state, method, data, expected_by_persona = MATRIX[row]
    review = None
    if state != "no review":
        review = review_start(actor=head, policy=policy)
    if state in ("no changes confirmed", "submitted"):
        review_confirm_no_changes(actor=head, review=review)
    if state == "submitted":
        review_submit(actor=head, review=review)
    if persona != "anonymous":
        client.force_login(parent if persona == "parent" else request.getfixturevalue(persona))
    url = _start_url(policy) if review is None else _url(name, review)
    if isinstance(data, str):
        data = {"draft": _draft_data(), "approve": _approve_data()}[data]
    response = client.get(url) if method == "get" else client.post(url, data or {})
    expected = expected_by_persona[persona]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, response.content[:300]
