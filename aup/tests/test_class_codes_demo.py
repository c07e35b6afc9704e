"""The demo's secondary school lets its students sign for themselves with a class code (issue 13 item 8)."""

import pytest
from django.test import Client
from django.urls import reverse

from aup import demo_content, services, services_class_codes
from aup.models import Audience, PupilSelfSigning
from safeguard.directory.models import School, SchoolClass


def test_the_demo_high_school_has_self_signing_on_and_a_teacher_can_open_a_code(full_demo):
    # The district is loaded after this app's demo: its own line, or a second load_demo, turns the setting on.
    assert demo_content.pupils_sign_for_themselves()
    assert demo_content.pupils_sign_for_themselves()  # again: nothing changes
    school = School.objects.get(slug=demo_content.SELF_SIGNING_SCHOOL_SLUG)
    assert PupilSelfSigning.objects.get(school=school).from_age == 13
    assert PupilSelfSigning.objects.get(school=school).history.count() == 1
    homeroom = SchoolClass.objects.filter(school=school, teachers__isnull=False).order_by("name").first()
    teacher = homeroom.teachers.first()
    agreement = services.current_agreements(school, Audience.PUPIL).first()
    code = services_class_codes.class_code_open(
        actor=teacher, school=school, school_class=homeroom, agreement=agreement
    )
    listed = services_class_codes.listed_pupils(code)
    assert listed, "no student of the homeroom is listed"
    client = Client()
    client.force_login(teacher)
    home = client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
    assert reverse("aup:class_codes", args=[school.slug]) in home


pytestmark = pytest.mark.django_db
