"""OneRoster students get accounts where the school wants them (issue 14 item 1): their users.csv ``email`` is
recorded, and the "invite students who are old enough" tick invites those the school's setting covers — once."""

import pytest

from interop.tests.test_imports import confirm, latest, oneroster_zip, upload
from safeguard.accounts.models import Invitation
from safeguard.directory.models import Pupil, PupilAccountSetting
from safeguard.directory.tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

AVA = "ava.brooks@students.example.org"
NOAH = "noah.brooks@students.example.org"


def _with_student_addresses(text):
    return text.replace("Ava,Brooks,,1001,,", f"Ava,Brooks,,1001,{AVA},").replace(
        "Noah,Brooks,James,1002,,", f"Noah,Brooks,James,1002,{NOAH},"
    )


def _ava_is_fourteen(text):
    return text.replace(
        "stu-1001,active,2026-08-21T09:00:00.000Z,2021-03-14", "stu-1001,active,2026-08-21T09:00:00.000Z,2012-03-14"
    )


def _zip():
    return oneroster_zip({"users.csv": _with_student_addresses, "demographics.csv": _ava_is_fourteen})


@pytest.fixture
def lincoln(school):
    school.district_code = "LES"
    school.country = "united_states"
    school.save()
    factories.AcademicYearFactory(school=school)
    return school


def test_the_tick_invites_only_students_old_enough_and_a_reimport_sends_nothing_twice(
    client, office, teacher, lincoln, mailoutbox
):
    PupilAccountSetting.objects.create(school=lincoln, from_age=13)

    page = upload(client, office, lincoln, "interop:oneroster_import", _zip()).content.decode()
    assert "Invite students who are old enough" in page
    confirm(client, lincoln, latest(lincoln), invite_students=True)

    ava, noah = Pupil.objects.get(mis_id="1001"), Pupil.objects.get(mis_id="1002")
    assert (ava.email, noah.email) == (AVA, NOAH)  # both recorded
    assert list(Invitation.objects.values_list("pupil__mis_id", "email")) == [("1001", AVA)]  # Noah is 7
    assert [m.to for m in mailoutbox if m.to == [AVA]] == [[AVA]]
    assert latest(lincoln).summary["applied"]["student_invitations_sent"] == 1

    upload(client, office, lincoln, "interop:oneroster_import", _zip())
    confirm(client, lincoln, latest(lincoln), invite_students=True)
    assert Invitation.objects.count() == 1
    assert latest(lincoln).summary["applied"]["student_invitations_sent"] == 0


def test_without_the_tick_or_with_accounts_off_no_student_is_invited(client, office, teacher, lincoln):
    page = upload(client, office, lincoln, "interop:oneroster_import", _zip()).content.decode()
    assert "Invite students who are old enough" not in page  # the school gives pupils no accounts
    confirm(client, lincoln, latest(lincoln), invite_students=True)
    assert Pupil.objects.get(mis_id="1001").email == AVA
    assert not Invitation.objects.exists()

    PupilAccountSetting.objects.create(school=lincoln, from_age=13)
    upload(client, office, lincoln, "interop:oneroster_import", _zip())
    confirm(client, lincoln, latest(lincoln))
    assert not Invitation.objects.exists()
