"""Issue 13's acceptance test, in real Chromium (Playwright): from an empty database with only a superuser, a US
district and an English school each set themselves up through the product's pages alone — no ``/admin/`` URL is
visited and nothing is made in the shell.

The US district: three campuses (K–5, 6–8, 9–12), two semesters, a principal and a teacher per campus (each invited and
accepting through the e-mailed link), students and parents imported from a OneRoster zip, a district-wide acceptable
use policy with student, parent and staff agreements signed every academic year, an opt-out photo and web consent form,
one parent's written objection recorded by the office, and coverage per campus on the district's page. The English
school: three terms with their half-terms, and the same steps.

Every step reaches its page as a person does: by clicking links and buttons from the page before, starting from the
home page ("Safeguard" at the top of every page). The only addresses typed are the site's own (to sign in) and the
invitation links people receive by e-mail.

Each test starts from its own empty database (``transaction=True``); helpers come from ``test_browser_setup``.
Skipped with the reason when Chromium is missing. Uses Debian's Chromium, never a downloaded one.
"""

import io
import re
import zipfile
from pathlib import Path

import pytest

from aup.models import Agreement, Policy, PolicyVersion
from consent.models import ConsentPurpose, ConsentResponse
from onboarding.tests import test_browser_setup as set_up_pages
from safeguard.accounts.models import User
from safeguard.directory.models import (
    AcademicYear,
    Guardian,
    Organisation,
    Pupil,
    PupilGuardian,
    Role,
    School,
    StaffRole,
    YearGroup,
)

CHROMIUM, PASSWORD = set_up_pages.CHROMIUM, set_up_pages.PASSWORD
_accept, _person = set_up_pages._accept, set_up_pages._person
browser = set_up_pages.browser  # the fixture: a Chromium browser that keeps every URL requested in ``visited``
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]
ONEROSTER = Path(__file__).resolve().parents[2] / "interop" / "tests" / "data" / "oneroster_district"

# name, phase, grade preset, district code (LES and WMS are the sample OneRoster file's campuses), principal, teacher
CAMPUSES = [
    ("Lincoln Elementary", "primary", "us_k5", "LES", "Sam Ortiz", "Maria Rivera"),
    ("Washington Middle", "secondary", "us_6_8", "WMS", "Pat Lee", "Chris Wong"),
    ("Lakeview High", "secondary", "us_9_12", "LHS", "Robin Diaz", "Jamie Fox"),
]


def _address(name):
    return name.lower().replace(" ", ".") + "@lakeview.example"


def _oneroster_zip():
    """The sample district's OneRoster 1.2 CSV files (interop's test data) as the zip a SIS exports."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(ONEROSTER.iterdir()):
            archive.writestr(path.name, path.read_text())
    return {"name": "oneroster.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}


def _go_home(page):
    """Back to the person's home page by the link at the top of every page ("Safeguard")."""
    page.locator("a.navbar-brand").click()
    page.wait_for_load_state()


def _sign_in_superuser(chromium, live_server, email):
    from playwright.sync_api import expect

    page = _person(chromium)
    page.goto(live_server.url + "/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page.get_by_role("heading", name="Set up Safeguard")).to_be_visible()
    return page


def _add_school(admin, *, name, phase, country, time_zone, code="", urn=""):
    from playwright.sync_api import expect

    _go_home(admin)
    admin.get_by_role("link", name="Schools: add, edit, invite heads").click()
    admin.get_by_role("link", name="Add a school").click()
    admin.locator("#id_name").fill(name)
    admin.locator("#id_phase").select_option(phase)
    admin.locator("#id_country").select_option(country)
    admin.locator("#id_time_zone").select_option(time_zone)
    if code:
        admin.locator("#id_district_code").fill(code)
    if urn:
        admin.locator("#id_urn").fill(urn)
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("heading", name=re.compile(f"Invite the .* of {name}"))).to_be_visible()


def _invite_head(admin, *, name, email):
    from playwright.sync_api import expect

    admin.get_by_label("Full name").fill(name)
    admin.get_by_label("E-mail address").fill(email)
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_text(re.compile(f"{name} is now"))).to_be_visible()


def _set_up_school(head, *, year_link, preset, teacher, teacher_email, half_terms=()):
    """The head adds the current academic year from the country's preset (with its ``half_terms``, names shown on
    the set-up page and the year's own page), the year groups, and invites a teacher."""
    from playwright.sync_api import expect

    _go_home(head)
    head.get_by_role("link", name="School set-up").click()
    head.get_by_role("link", name=year_link).click()
    for name in half_terms:
        expect(head.get_by_label(f"{name}: first day off")).not_to_have_value("")
    head.get_by_role("button", name="Add the year").click()
    expect(head.get_by_text("has been added.")).to_be_visible()
    for name in half_terms:
        expect(head.get_by_text(re.compile(f"^{name}: "))).to_be_visible()
    if half_terms:
        head.locator("main h3").first.get_by_role("link", name="Edit").click()
        breaks = head.locator(".card", has=head.get_by_role("heading", name="Half-terms and other breaks"))
        for name in half_terms:
            expect(breaks.get_by_role("link", name=name)).to_be_visible()
        head.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Set-up").click()
    head.locator("#id_preset").select_option(preset)
    head.locator("form[action$='/year-groups/add/'] button[type=submit]").click()
    expect(head.get_by_text(re.compile("added: "))).to_be_visible()
    head.get_by_role("link", name="Staff", exact=True).click()
    head.get_by_role("link", name="Invite a member of staff").click()
    head.get_by_label("Full name").fill(teacher)
    head.get_by_label("E-mail address").fill(teacher_email)
    head.get_by_label("Teacher", exact=True).check()
    head.get_by_role("button", name="Send invitation").click()
    expect(head.get_by_text("has not chosen a password yet")).to_be_visible()


def _write_aup(page, *, trust_wide, approving_body, approved_by, pupils_word):
    """Write the acceptable use policy with a pupil, a parent and a staff agreement, signed every academic year, and
    record its approval: in the trust's or district's library (``trust_wide``) or the school's."""
    from playwright.sync_api import expect

    _go_home(page)
    if trust_wide:
        page.get_by_role("link", name=re.compile("(Trust|District)-wide policies")).click()
        page.get_by_role("link", name=re.compile("Add a (trust|district)-wide policy")).click()
    else:
        page.get_by_role("link", name="Add a policy", exact=True).first.click()
    page.locator("#id_title").fill("Acceptable use policy")
    page.locator("#id_category").select_option("online_safety")
    page.locator("#id_approving_body").select_option(approving_body)
    page.locator("#id_signing_frequency").select_option("every_academic_year")
    page.get_by_role("button", name="Add the policy").click()
    expect(page.get_by_text("Policy added. Now add its first version.")).to_be_visible()
    page.locator("#id_number").fill("1")
    page.locator("#id_author").fill("Online safety team")
    page.locator("#id_body_markdown").fill("# Acceptable use\n\nSchool devices and accounts are for learning.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Version 1 saved as a draft.")).to_be_visible()
    agreements = [
        ("pupil", f"{pupils_word} acceptable use agreement", "I will only use the internet when a teacher is present."),
        ("parent", "Parent acceptable use agreement", "I give permission for my child to use the internet at school."),
        ("staff", "Staff acceptable use agreement", "I will not share my password.\nI will not use personal devices."),
    ]
    for audience, title, statements in agreements:
        page.get_by_role("link", name="Add an agreement").click()
        page.locator("#id_audience").select_option(audience)
        page.locator("#id_title").fill(title)
        page.locator("#id_statements").fill(statements)
        page.get_by_role("button", name="Save the agreement").click()
        expect(page.get_by_text("Agreement saved.")).to_be_visible()
    page.locator("#id_approved_by").fill(approved_by)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(re.compile("Version 1 is approved"))).to_be_visible()


def _consent_form(head, *, opt_out):
    """The head creates the standard photo and video form; with ``opt_out`` its first question (images on the
    website) becomes "yes unless a parent objects"; then it is published."""
    from playwright.sync_api import expect

    _go_home(head)
    head.get_by_role("link", name="Consent form").click()
    head.get_by_role("button", name="Create the consent form").click()
    expect(head.get_by_role("button", name="Publish this version")).to_be_visible()  # the draft's own page
    if opt_out:
        head.get_by_role("link", name="Edit").first.click()
        head.locator("input[name=if_unanswered][value=opt_out]").check()
        head.locator("form button[type=submit]").last.click()
        expect(head.get_by_text("The question is saved.")).to_be_visible()
    head.get_by_role("button", name="Publish this version").click()
    expect(head.get_by_role("heading", name=re.compile("consent", re.I))).to_be_visible()


def _import(head, link, upload):
    """From the home page, through the roster import page, to the OneRoster or CTF import (``link``), and import."""
    from playwright.sync_api import expect

    _go_home(head)
    head.get_by_role("link", name="Import roster (CSV)").click()
    head.get_by_role("link", name=link).click()
    head.locator("input[type=file]").set_input_files(upload)
    head.get_by_role("button", name="Check the file").click()
    head.get_by_role("button", name="Import").click()
    expect(head.get_by_text("Applied")).to_be_visible()


def _choose(page, selector):
    """Choose a radio as a person does: by its label (Bootstrap draws button radios as their labels)."""
    radio = page.locator(selector)
    page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    assert radio.is_checked()


def _record_written_objection(head, pupil, guardian):
    """The office records a parent's written objection: every question answered no on a dated paper note. The pupil
    is found in the list of pupils; their consent answers are linked from their details."""
    from playwright.sync_api import expect

    _go_home(head)
    head.get_by_role("link", name=re.compile("^(Pupils|Students) and parents$")).click()
    head.get_by_role("link", name=pupil.display_name).click()
    head.get_by_role("link", name="Edit details, contacts, leaving").click()
    head.get_by_role("link", name="Photo and video consent answers").click()
    head.get_by_role("link", name="Record a paper or phone answer").click()
    head.locator("#id_respondent").select_option(str(guardian.public_id))
    _choose(head, "input[name=method][value=paper]")
    head.locator("#id_paper_date").fill(str(pupil.school.today()))
    for index in range(head.locator("input[type=radio][value=no]").count()):
        _choose(head, f"input[type=radio][value=no] >> nth={index}")
    head.locator("#id_typed_name").fill(guardian.full_name)
    head.get_by_role("button", name="Record the answers").click()
    expect(head.locator(".alert-success")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_a_us_district_with_three_campuses_sets_itself_up(live_server, browser, celery_eager, mailoutbox, settings):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    User.objects.create_superuser("it@lakeview.example", PASSWORD, full_name="Technology Director")

    # First run: the superuser creates the district and invites its administrator.
    page = _sign_in_superuser(browser, live_server, "it@lakeview.example")
    page.get_by_label("A school district with several campuses").check()
    page.get_by_label("Name of the trust or district").fill("Lakeview Unified School District")
    page.get_by_label("Administrator's full name").fill("Jordan Reyes")
    page.get_by_label("Administrator's e-mail address").fill("jordan@lakeview.example")
    page.get_by_role("button", name="Set up", exact=True).click()
    expect(page.get_by_text("Lakeview Unified School District is set up.")).to_be_visible()
    page.context.close()
    district = Organisation.objects.get()

    # The district administrator adds three campuses and invites each principal.
    admin = _accept(browser, live_server, "jordan@lakeview.example", "Jordan Reyes")
    for name, phase, _preset, code, principal, _teacher in CAMPUSES:
        _add_school(
            admin,
            name=name,
            phase=phase,
            country="united_states",
            time_zone="America/Chicago",
            code=code,
        )
        _invite_head(admin, name=principal, email=_address(principal))

    # Each principal accepts, adds the school year (two semesters) and the grades, and invites a teacher who accepts.
    principals = {}
    for name, _phase, preset, _code, principal, teacher in CAMPUSES:
        head = principals[name] = _accept(browser, live_server, _address(principal), principal)
        _set_up_school(
            head,
            year_link="Add a year — United States: two semesters",
            preset=preset,
            teacher=teacher,
            teacher_email=_address(teacher),
        )
        _accept(browser, live_server, _address(teacher), teacher).context.close()

    # The elementary principal imports students and parents from the district's OneRoster export.
    lincoln = School.objects.get(name="Lincoln Elementary")
    head = principals["Lincoln Elementary"]
    _import(head, "Import OneRoster", _oneroster_zip())

    # An opt-out photo and web consent form, and one parent's written objection recorded by the office.
    _consent_form(head, opt_out=True)
    ava = Pupil.objects.get(school=lincoln, legal_first_name="Ava")
    dana = Guardian.objects.get(school=lincoln, first_name="Dana")
    _record_written_objection(head, ava, dana)
    # "May I?" follows the opt-out rule: Ava's mother objected in writing (no); her brother's family is silent (yes).
    _go_home(head)
    head.get_by_role("link", name="May I photograph?").click()
    head.locator("#id_name").fill("Brooks")
    head.locator("#id_purpose").select_option("images_website")
    head.locator("main form button[type=submit]").first.click()
    expect(head.locator("li.list-group-item-danger", has_text="Ava")).to_contain_text("No —")
    expect(head.locator("li.list-group-item-success")).to_have_count(1)
    expect(head.locator("li.list-group-item-success")).to_contain_text("Yes —")

    # The middle school's principal imports the same export: only the middle school's student is theirs.
    washington = School.objects.get(name="Washington Middle")
    middle = principals["Washington Middle"]
    _import(middle, "Import OneRoster", _oneroster_zip())

    # The district-wide acceptable use policy, then coverage per campus on the district's page.
    _write_aup(
        admin,
        trust_wide=True,
        approving_body="trust_board",
        approved_by="Board of Education",
        pupils_word="Student",
    )
    _go_home(admin)
    admin.get_by_role("link", name="Consent and agreements").click()
    # The staff agreement, asked yearly of the principal and the teacher — at Lincoln also of the two teachers the
    # OneRoster file brought (its staff are imported too).
    for name, staff in (("Lincoln Elementary", 4), ("Washington Middle", 2), ("Lakeview High", 2)):
        row = admin.locator("tr", has=admin.get_by_role("rowheader", name=name))
        expect(row.locator("td").nth(3)).to_have_text(f"0% (0 of {staff})")
    expect(admin.get_by_role("columnheader", name="Students on roll")).to_be_visible()  # the district's own words
    lincoln_row = admin.locator("tr", has=admin.get_by_role("rowheader", name="Lincoln Elementary"))
    expect(lincoln_row.locator("td").first).to_have_text("4")  # students on roll, from the OneRoster import
    expect(lincoln_row).to_contain_text("0% (0 of 4)")  # student and parent agreements asked of the four
    expect(lincoln_row).to_contain_text("25%")  # one family of four answered the consent form: the objection

    campuses = School.objects.filter(organisation=district)
    assert sorted(campuses.values_list("name", flat=True)) == sorted(c[0] for c in CAMPUSES)
    for campus in campuses:
        year = AcademicYear.objects.get(school=campus)
        assert list(year.terms.values_list("kind", flat=True)) == ["semester_1", "semester_2"]
        roles = set(StaffRole.objects.filter(school=campus).values_list("role", flat=True))
        assert {Role.HEADTEACHER, Role.TEACHER} <= roles
    assert YearGroup.objects.filter(school__organisation=district).count() == 6 + 3 + 4
    assert set(Pupil.objects.filter(school=lincoln).values_list("mis_id", flat=True)) == {
        "1001",
        "1002",
        "1003",
        "1004",
    }
    assert PupilGuardian.objects.filter(pupil__school=lincoln).count() == 4
    assert list(Pupil.objects.filter(school=washington).values_list("mis_id", "year_group__name")) == [
        ("1101", "Grade 6")
    ]
    policy = Policy.objects.get(organisation=district)
    assert policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR
    version = PolicyVersion.objects.get(policy=policy, status=PolicyVersion.Status.APPROVED)
    assert set(Agreement.objects.filter(version=version).values_list("audience", flat=True)) == {
        "pupil",
        "parent",
        "staff",
    }
    assert ConsentPurpose.objects.filter(if_unanswered=ConsentPurpose.IfUnanswered.OPT_OUT).exists()
    assert ConsentResponse.objects.filter(pupil=ava, guardian=dana).exists()
    assert all(User.objects.filter(is_superuser=False).values_list("password", flat=True))
    assert not [url for url in browser.visited if url.split("//", 1)[-1].split("/", 1)[-1].startswith("admin/")]


@pytest.mark.django_db(transaction=True)
def test_an_english_school_with_three_terms_sets_itself_up(live_server, browser, celery_eager, mailoutbox, settings):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    User.objects.create_superuser("it@oakfield.example", PASSWORD, full_name="Network Manager")

    # First run: a stand-alone school (LAESTAB 999 2002: the sample CTF's destination) and its headteacher.
    page = _sign_in_superuser(browser, live_server, "it@oakfield.example")
    page.get_by_label("One stand-alone school").check()
    page.get_by_label("School name").fill("Oakfield Primary School")
    page.get_by_label("Phase").select_option("primary")
    page.get_by_label("Country").select_option("england")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_label("URN").fill("999002")
    page.get_by_label("LAESTAB").fill("9992002")
    page.get_by_label("Administrator's full name").fill("Helen Carter")
    page.get_by_label("Administrator's e-mail address").fill("head@oakfield.example")
    page.get_by_role("button", name="Set up", exact=True).click()
    expect(page.get_by_text("Oakfield Primary School is set up.")).to_be_visible()
    page.context.close()
    school = School.objects.get()

    # The headteacher accepts, adds the year (three terms) and Reception–Year 6, and invites a teacher who accepts.
    head = _accept(browser, live_server, "head@oakfield.example", "Helen Carter")
    _set_up_school(
        head,
        year_link="Add a year — England: three terms",
        preset="england_primary",
        teacher="Tom Baker",
        teacher_email="tom@oakfield.example",
        half_terms=["Autumn half-term", "Spring half-term", "Summer half-term"],
    )
    _accept(browser, live_server, "tom@oakfield.example", "Tom Baker").context.close()

    # Pupils and their contacts from a Common Transfer File.
    _import(head, "Import a CTF", str(ONEROSTER.parent / "ctf_sample.xml"))

    # The English default consent form (no answer means no), and one parent's written refusal.
    _consent_form(head, opt_out=False)
    amelia = Pupil.objects.get(school=school, legal_first_name="Amelia")
    sarah = Guardian.objects.get(school=school, first_name="Sarah")
    _record_written_objection(head, amelia, sarah)

    # The school's acceptable use policy, approved by the headteacher; the teacher, signing in next, is asked to sign
    # the staff agreement before anything else.
    _write_aup(
        head,
        trust_wide=False,
        approving_body="headteacher",
        approved_by="Headteacher H. Carter",
        pupils_word="Pupil",
    )
    teacher = _person(browser)
    teacher.goto(live_server.url + "/")
    teacher.get_by_label("E-mail address").fill("tom@oakfield.example")
    teacher.get_by_label("Password").fill(PASSWORD)
    teacher.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    teacher.get_by_role("link", name=re.compile("Staff acceptable use agreement")).click()
    for index in range(teacher.locator("input[name=statements]").count()):
        teacher.locator("input[name=statements]").nth(index).check()
    teacher.locator("#id_typed_name").fill("Tom Baker")
    teacher.get_by_role("button", name="Sign", exact=True).click()
    teacher.wait_for_url(re.compile("/signed/"))

    # Coverage: the staff agreement signed by one of two, the consent form answered for one pupil of two.
    _go_home(head)
    head.get_by_role("link", name="Open reports").click()
    head.get_by_role("link", name="Consent and agreements").click()
    glance = head.locator("table").first
    expect(glance.locator("tr", has_text="Staff acceptable use agreement")).to_contain_text("50%")
    expect(glance.locator("tr", has_text="Pupil acceptable use agreement")).to_contain_text("0%")
    expect(glance.locator("tr", has_text="Photo and video consent")).to_contain_text("50%")

    year = AcademicYear.objects.get(school=school)
    assert list(year.terms.values_list("kind", flat=True)) == ["autumn", "spring", "summer"]
    assert [(b.name, b.starts_on.weekday(), (b.ends_on - b.starts_on).days) for b in year.breaks.all()] == [
        ("Autumn half-term", 0, 4),
        ("Spring half-term", 0, 4),
        ("Summer half-term", 0, 4),
    ], "three half-term weeks, Monday to Friday"
    assert YearGroup.objects.filter(school=school).count() == 7
    roles = set(StaffRole.objects.filter(school=school).values_list("role", flat=True))
    assert {Role.HEADTEACHER, Role.TEACHER} <= roles
    assert Pupil.objects.filter(school=school).count() == 2
    assert PupilGuardian.objects.filter(pupil__school=school, has_parental_responsibility=True).exists()
    policy = Policy.objects.get(school=school)
    version = PolicyVersion.objects.get(policy=policy, status=PolicyVersion.Status.APPROVED)
    assert set(Agreement.objects.filter(version=version).values_list("audience", flat=True)) == {
        "pupil",
        "parent",
        "staff",
    }
    assert not ConsentPurpose.objects.filter(if_unanswered=ConsentPurpose.IfUnanswered.OPT_OUT).exists()
    assert ConsentResponse.objects.filter(pupil=amelia, guardian=sarah).exists()
    assert not [url for url in browser.visited if url.split("//", 1)[-1].split("/", 1)[-1].startswith("admin/")]
