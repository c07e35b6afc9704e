"""Scheduled roster syncs (issue 14 item 3): a file dropped in the school's folder or served over HTTP(S) is imported
by the beat sweep, an unchanged file is skipped, a file with errors imports nothing and is e-mailed to the office,
two sweeps at once run a sync once, and only the office and headteacher of the school see the pages."""

import datetime
import http.server
import io
import os
import threading
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from interop import services_sync
from interop.models import InteropImport, RosterSync, RosterSyncRun
from interop.tasks import sweep_roster_syncs
from safeguard.audit.models import AuditEvent
from safeguard.celery import app
from safeguard.directory.models import Pupil, RosterImport
from safeguard.directory.tests import factories

from .test_imports import DATA

pytestmark = pytest.mark.django_db

UPN_1, UPN_2 = factories.make_upn(701), factories.make_upn(702)
HEADER = "upn,legal_first_name,legal_last_name,date_of_birth,year_group,class\n"
GOOD = HEADER + f"{UPN_1},Amelia,Hartwell,2019-03-14,Y1,1 Oak\n{UPN_2},Oscar,Hartwell,2019-06-21,Y1,1 Oak\n"
BAD = HEADER + f"{UPN_1},Amelia,Hartwell,2019-03-14,Y1,1 Oak\n{UPN_2},Oscar,Hartwell,31/02/2019,Y1,1 Oak\n"


@pytest.fixture
def drop_dir(settings, tmp_path):
    settings.ROSTER_SYNC_DIR = tmp_path / "roster-drop"
    return settings.ROSTER_SYNC_DIR


@pytest.fixture
def roster_school(school):
    """The school with a current academic year and a Year 1, as the CSV import needs."""
    today = school.today()
    start = today.year if today.month >= 9 else today.year - 1
    factories.AcademicYearFactory(
        school=school,
        name=f"{start}/{str(start + 1)[-2:]}",
        starts_on=datetime.date(start, 9, 1),
        ends_on=datetime.date(start + 1, 8, 31),
    )
    factories.YearGroupFactory(school=school, code="Y1", name="Year 1", order=1)
    return school


def drop(drop_dir, school, text, name="roster.csv"):
    folder = drop_dir / school.slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def make_sync(actor, school, **data):
    values = {
        "name": "Nightly roster",
        "kind": RosterSync.Kind.CSV,
        "source": RosterSync.Source.FOLDER,
        "folder": "",
        "url": "",
        "auth": RosterSync.Auth.NONE,
        "username": "",
        "host_key": "",
        "schedule": RosterSync.Schedule.DAILY,
        "run_at": datetime.time(6, 0),
        "mark_leavers": False,
        "enabled": True,
        "secret": "",
        **data,
    }
    return services_sync.roster_sync_save(actor=actor, school=school, data=values)


def make_due(sync):
    RosterSync.objects.filter(pk=sync.pk).update(next_run_at=timezone.now() - datetime.timedelta(minutes=1))


def sweep(django_capture_on_commit_callbacks):
    """What beat does: the sweep task; then the e-mail tasks it queued (run in this thread)."""
    with django_capture_on_commit_callbacks(execute=True):
        count = sweep_roster_syncs()
    return count


# The sweep --------------------------------------------------------------------------------------------------------


def test_a_file_dropped_in_the_folder_is_applied_by_the_sweep(
    client, office, head, roster_school, drop_dir, celery_eager, django_capture_on_commit_callbacks
):
    sync = make_sync(office, roster_school)
    drop(drop_dir, roster_school, GOOD)
    assert sweep(django_capture_on_commit_callbacks) == 0  # not due yet: 06:00 tomorrow or today
    make_due(sync)

    assert sweep(django_capture_on_commit_callbacks) == 1

    run = RosterSyncRun.objects.get()
    assert run.status == RosterSyncRun.Status.OK and run.filename == "roster.csv"
    assert run.counts["pupils_created"] == 2
    assert set(Pupil.objects.filter(school=roster_school).values_list("upn", flat=True)) == {UPN_1, UPN_2}
    assert RosterImport.objects.get().status == RosterImport.Status.APPLIED
    assert AuditEvent.objects.filter(action="directory.roster.imported", actor=office).count() == 1
    sync.refresh_from_db()
    assert sync.running_since is None and sync.next_run_at > timezone.now()
    assert mail.outbox == []
    client.force_login(office)
    page = client.get(reverse("interop:sync_detail", args=[roster_school.slug, sync.public_id])).content.decode()
    assert "Applied" in page and "roster.csv" in page and "Pupils: 2 added" in page


def test_the_same_file_again_is_no_change_and_writes_nothing(
    office, roster_school, drop_dir, celery_eager, django_capture_on_commit_callbacks
):
    sync = make_sync(office, roster_school)
    drop(drop_dir, roster_school, GOOD)
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    before = (Pupil.history.count(), RosterImport.objects.count(), AuditEvent.objects.count())

    make_due(sync)
    sweep(django_capture_on_commit_callbacks)

    latest = RosterSyncRun.objects.order_by("-pk").first()
    assert latest.status == RosterSyncRun.Status.NO_CHANGE
    assert (Pupil.history.count(), RosterImport.objects.count(), AuditEvent.objects.count()) == before
    assert mail.outbox == []


def test_a_file_with_a_bad_row_applies_nothing_and_emails_the_office_once(
    office, head, teacher, roster_school, drop_dir, celery_eager, django_capture_on_commit_callbacks
):
    sync = make_sync(office, roster_school)
    drop(drop_dir, roster_school, BAD)
    make_due(sync)

    sweep(django_capture_on_commit_callbacks)

    run = RosterSyncRun.objects.get()
    assert run.status == RosterSyncRun.Status.FAILED
    assert Pupil.objects.filter(school=roster_school).count() == 0  # the good row is not applied either
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == [head.email, office.email]  # the office and the head, not the teacher
    assert "Nightly roster" in message.subject
    assert "roster.csv, line 3, date_of_birth:" in message.body
    assert reverse("interop:sync_detail", args=[roster_school.slug, sync.public_id]) in message.body
    html = message.alternatives[0][0]
    assert "date_of_birth" in html and "Line 3" in html

    make_due(sync)  # the same bad file at the next run: failed again, but not e-mailed again
    sweep(django_capture_on_commit_callbacks)
    assert RosterSyncRun.objects.filter(status=RosterSyncRun.Status.FAILED).count() == 2
    assert len(mail.outbox) == 1

    drop(drop_dir, roster_school, GOOD)  # corrected: applied at the next run
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    assert RosterSyncRun.objects.order_by("-pk").first().status == RosterSyncRun.Status.OK
    assert Pupil.objects.filter(school=roster_school).count() == 2


def test_a_missing_file_is_a_failed_run_emailed_to_the_office(
    office, roster_school, drop_dir, celery_eager, django_capture_on_commit_callbacks
):
    sync = make_sync(office, roster_school)
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    run = RosterSyncRun.objects.get()
    assert run.status == RosterSyncRun.Status.FAILED and "does not exist" in run.report["message"]
    assert len(mail.outbox) == 1 and "does not exist" in mail.outbox[0].body


def test_leavers_wait_for_a_person_unless_the_sync_marks_them(
    client, office, head, roster_school, drop_dir, celery_eager, django_capture_on_commit_callbacks
):
    sync = make_sync(office, roster_school)
    drop(drop_dir, roster_school, GOOD)
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    drop(drop_dir, roster_school, HEADER + f"{UPN_1},Amelia,Hartwell,2019-03-14,Y1,1 Oak\n")
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    run = RosterSyncRun.objects.order_by("-pk").first()
    assert run.status == RosterSyncRun.Status.OK and run.counts["pupils_absent"] == 1
    assert Pupil.objects.get(upn=UPN_2).left_on is None  # default: not marked

    # The head sees who is missing and confirms: marked as left once, audited, named in the history.
    client.force_login(head)
    url = reverse("interop:sync_detail", args=[roster_school.slug, sync.public_id])
    page = client.get(url).content.decode()
    assert "Leavers waiting for you" in page and "Oscar Hartwell" in page and "Amelia Hartwell" not in page
    confirm = reverse("interop:sync_confirm_leavers", args=[roster_school.slug, sync.public_id, run.public_id])
    assert client.post(confirm).status_code == 302
    oscar = Pupil.objects.get(upn=UPN_2)
    assert oscar.left_on == roster_school.today() and oscar.history.first().history_user == head
    assert Pupil.objects.get(upn=UPN_1).left_on is None
    assert AuditEvent.objects.filter(action="interop.roster_sync.leavers_confirmed", actor=head).count() == 1
    page = client.get(url).content.decode()
    assert "Leavers waiting for you" not in page and "Leavers confirmed by" in page
    response = client.post(confirm, follow=True)  # again: nothing more
    assert "These leavers have already been confirmed." in response.content.decode()
    assert AuditEvent.objects.filter(action="interop.roster_sync.leavers_confirmed").count() == 1
    Pupil.objects.filter(upn=UPN_2).update(left_on=None)  # back on roll, for the automatic case below

    data = {name: getattr(sync, name) for name in services_sync.CONFIG_FIELDS}
    services_sync.roster_sync_save(actor=office, school=roster_school, sync=sync, data={**data, "mark_leavers": True})
    drop(drop_dir, roster_school, HEADER + f"{UPN_1},Amelia,Hartwell,2019-03-14,Y1,1 Oak\n\n")  # a new file
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    assert Pupil.objects.get(upn=UPN_2).left_on == roster_school.today()


def test_the_newest_file_of_the_format_in_the_folder_is_taken(office, roster_school, drop_dir, lincoln_zip_bytes):
    older = drop(drop_dir, roster_school, BAD, name="old.csv")
    os.utime(older, (1_700_000_000, 1_700_000_000))
    drop(drop_dir, roster_school, GOOD, name="new.csv")
    (drop_dir / roster_school.slug / "notes.zip").write_bytes(lincoln_zip_bytes)
    sync = make_sync(office, roster_school)
    assert services_sync.fetch(sync)[0] == "new.csv"


@pytest.fixture
def lincoln_zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((DATA / "oneroster_district").iterdir()):
            archive.writestr(path.name, path.read_text())
    return buffer.getvalue()


def test_a_oneroster_zip_dropped_in_a_subfolder_is_imported(
    office, school, drop_dir, lincoln_zip_bytes, celery_eager, django_capture_on_commit_callbacks
):
    school.district_code, school.country = "LES", "us"
    school.save()
    factories.AcademicYearFactory(school=school)
    folder = drop_dir / school.slug / "district"
    folder.mkdir(parents=True)
    (folder / "oneroster.zip").write_bytes(lincoln_zip_bytes)
    sync = make_sync(office, school, kind=RosterSync.Kind.ONEROSTER, folder="district")
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    run = RosterSyncRun.objects.get()
    assert run.status == RosterSyncRun.Status.OK, run.report
    assert InteropImport.objects.get().status == InteropImport.Status.APPLIED
    assert Pupil.objects.filter(school=school).count() == run.counts["pupils_created"] > 0


def test_a_file_larger_than_the_upload_limit_is_refused(office, roster_school, drop_dir, monkeypatch):
    from safeguard.directory import roster

    monkeypatch.setattr(roster, "MAX_UPLOAD_BYTES", 100)
    drop(drop_dir, roster_school, GOOD + "x" * 200)
    sync = make_sync(office, roster_school)
    with pytest.raises(services_sync.FetchError, match="larger than"):
        services_sync.fetch(sync)


# Two sweeps at once -----------------------------------------------------------------------------------------------


def test_two_sweeps_at_once_run_a_sync_once(office, roster_school, drop_dir, monkeypatch):
    sync = make_sync(office, roster_school)
    drop(drop_dir, roster_school, GOOD)
    make_due(sync)
    real_fetch, inner = services_sync.fetch, []

    def fetch_while_another_sweep_runs(claimed):
        inner.append(services_sync.roster_sync_sweep())  # a second worker's sweep, while the first is fetching
        return real_fetch(claimed)

    monkeypatch.setattr(services_sync, "fetch", fetch_while_another_sweep_runs)
    runs = services_sync.roster_sync_sweep()

    assert len(runs) == 1 and inner == [[]]
    assert RosterSyncRun.objects.count() == 1 and Pupil.objects.filter(school=roster_school).count() == 2
    # The claim itself: of two workers that both saw the sync due, one wins.
    make_due(sync)
    now = timezone.now()
    assert [services_sync._claim(sync, now), services_sync._claim(sync, now)] == [True, False]


def test_a_run_left_by_a_dead_worker_is_taken_again_after_30_minutes(office, roster_school, drop_dir):
    sync = make_sync(office, roster_school)
    drop(drop_dir, roster_school, GOOD)
    now = timezone.now()
    RosterSync.objects.filter(pk=sync.pk).update(next_run_at=now, running_since=now - datetime.timedelta(minutes=5))
    assert services_sync.roster_sync_sweep(now=now) == []
    RosterSync.objects.filter(pk=sync.pk).update(running_since=now - datetime.timedelta(minutes=31))
    assert len(services_sync.roster_sync_sweep(now=now)) == 1


def test_the_sweep_is_registered_with_beat():
    app.loader.import_default_modules()
    task = PeriodicTask.objects.select_related("interval").get(name="interop: roster syncs")
    assert task.enabled and task.task == "interop.tasks.sweep_roster_syncs" and task.task in app.tasks
    assert (task.interval.every, task.interval.period) == (5, "minutes")


def test_a_disabled_sync_or_a_person_no_longer_office_does_not_import(
    office, roster_school, drop_dir, celery_eager, django_capture_on_commit_callbacks
):
    sync = make_sync(office, roster_school)
    drop(drop_dir, roster_school, GOOD)
    RosterSync.objects.filter(pk=sync.pk).update(enabled=False)
    make_due(sync)
    assert sweep(django_capture_on_commit_callbacks) == 0
    RosterSync.objects.filter(pk=sync.pk).update(enabled=True)
    office.staff_roles.update(ended_on=datetime.date(2026, 1, 1))
    sweep(django_capture_on_commit_callbacks)
    run = RosterSyncRun.objects.get()
    assert run.status == RosterSyncRun.Status.FAILED and "no longer manages the roster" in run.report["message"]
    assert Pupil.objects.filter(school=roster_school).count() == 0


# Schedule ---------------------------------------------------------------------------------------------------------


def test_daily_runs_follow_the_schools_time_zone_and_hourly_the_minute(office, roster_school, drop_dir):
    sync = make_sync(office, roster_school)  # Europe/London, 06:00
    summer = datetime.datetime(2026, 7, 1, 4, 0, tzinfo=datetime.UTC)
    assert services_sync.next_run(sync, summer) == datetime.datetime(2026, 7, 1, 5, 0, tzinfo=datetime.UTC)
    winter = datetime.datetime(2026, 12, 4, 7, 0, tzinfo=datetime.UTC)
    assert services_sync.next_run(sync, winter) == datetime.datetime(2026, 12, 5, 6, 0, tzinfo=datetime.UTC)
    sync.schedule, sync.run_at = RosterSync.Schedule.HOURLY, datetime.time(0, 15)
    assert services_sync.next_run(sync, winter) == datetime.datetime(2026, 12, 4, 7, 15, tzinfo=datetime.UTC)


# HTTPS source (plain http to 127.0.0.1, allowed by a test-only setting) ----------------------------------------------


@pytest.fixture
def http_server():
    """A local HTTP server in a thread serving ``served["body"]`` at /exports/roster.csv to a bearer token."""
    served = {"body": GOOD.encode(), "auth": [], "token": "tok-123"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — http.server's name
            served["auth"].append(self.headers.get("Authorization"))
            if self.headers.get("Authorization") != f"Bearer {served['token']}":
                self.send_response(401)
                self.end_headers()
                return
            if self.path != "/exports/roster.csv":
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(served["body"])))
            self.end_headers()
            self.wfile.write(served["body"])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served["url"] = f"http://127.0.0.1:{server.server_address[1]}/exports/roster.csv"
    yield served
    server.shutdown()
    server.server_close()


def test_an_https_source_is_fetched_with_its_token_and_applied(
    settings, office, roster_school, http_server, celery_eager, django_capture_on_commit_callbacks
):
    settings.ROSTER_SYNC_ALLOW_LOCAL_HTTP = True
    sync = make_sync(
        office,
        roster_school,
        source=RosterSync.Source.HTTPS,
        url=http_server["url"],
        auth=RosterSync.Auth.BEARER,
        secret=http_server["token"],
    )
    assert http_server["token"] not in sync.secret  # stored encrypted
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    run = RosterSyncRun.objects.get()
    assert run.status == RosterSyncRun.Status.OK, run.report
    assert run.filename == "roster.csv" and http_server["auth"] == ["Bearer tok-123"]
    assert Pupil.objects.filter(school=roster_school).count() == 2

    http_server["token"] = "rotated"  # the school's server no longer accepts it: a failed run, e-mailed
    make_due(sync)
    sweep(django_capture_on_commit_callbacks)
    failed = RosterSyncRun.objects.order_by("-pk").first()
    assert failed.status == RosterSyncRun.Status.FAILED and "401" in failed.report["message"]
    assert len(mail.outbox) == 1 and "401" in mail.outbox[0].body


def test_plain_http_is_refused_without_the_test_setting(client, office, roster_school):
    client.force_login(office)
    response = client.post(
        reverse("interop:sync_create", args=[roster_school.slug]),
        {**FORM, "source": "https", "url": "http://127.0.0.1:9/roster.csv"},
    )
    assert response.status_code == 200 and "Give an address starting with https://." in response.content.decode()
    assert not RosterSync.objects.exists()


# The pages --------------------------------------------------------------------------------------------------------

FORM = {
    "name": "MIS export",
    "kind": "csv",
    "source": "folder",
    "folder": "",
    "url": "",
    "auth": "none",
    "username": "",
    "host_key": "",
    "schedule": "daily",
    "run_at": "06:30",
    "enabled": "on",
    "secret": "",
}


@pytest.mark.parametrize("folder", ["../../etc/passwd", "/etc/passwd", "sub/../../other-school", "~/x"])
def test_a_folder_outside_the_drop_folder_is_refused_by_the_form(client, office, roster_school, drop_dir, folder):
    client.force_login(office)
    response = client.post(reverse("interop:sync_create", args=[roster_school.slug]), {**FORM, "folder": folder})
    assert response.status_code == 200
    assert "Give a path inside the school" in response.content.decode()
    assert not RosterSync.objects.exists()


def test_a_link_out_of_the_drop_folder_is_refused(client, office, roster_school, drop_dir, tmp_path):
    (drop_dir / roster_school.slug).mkdir(parents=True)
    os.symlink(tmp_path, drop_dir / roster_school.slug / "escape")
    client.force_login(office)
    response = client.post(reverse("interop:sync_create", args=[roster_school.slug]), {**FORM, "folder": "escape"})
    assert "Give a path inside the school" in response.content.decode()
    assert not RosterSync.objects.exists()


def test_office_sets_up_a_sync_and_its_secret_is_never_shown_again(client, office, roster_school, drop_dir):
    client.force_login(office)
    token = "very-secret-token-42"
    data = {**FORM, "source": "https", "url": "https://mis.example.test/roster.csv", "auth": "bearer", "secret": token}
    response = client.post(reverse("interop:sync_create", args=[roster_school.slug]), data)
    sync = RosterSync.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/roster/syncs/{sync.public_id}/")
    assert sync.configured_by == office and sync.next_run_at is not None
    assert services_sync.unseal(sync.secret) == token and token not in sync.secret
    event = AuditEvent.objects.get(action="interop.roster_sync.created")
    assert token not in str(event.data)
    for name in ("interop:sync_detail", "interop:sync_edit"):
        page = client.get(reverse(name, args=[roster_school.slug, sync.public_id])).content.decode()
        assert token not in page and "MIS export" in page
    assert token not in str(list(sync.history.values()))

    # Saved again with the box empty: the token is kept.
    response = client.post(
        reverse("interop:sync_edit", args=[roster_school.slug, sync.public_id]),
        {**data, "secret": "", "run_at": "07:00"},
    )
    sync.refresh_from_db()
    assert response.status_code == 302 and services_sync.unseal(sync.secret) == token
    assert sync.run_at == datetime.time(7, 0)
    assert AuditEvent.objects.filter(action="interop.roster_sync.updated").count() == 1
    list_page = client.get(reverse("interop:sync_list", args=[roster_school.slug])).content.decode()
    assert "MIS export" in list_page and "Not run yet" in list_page


def test_run_now_runs_the_sync(
    client, office, roster_school, drop_dir, celery_eager, django_capture_on_commit_callbacks
):
    sync = make_sync(office, roster_school)
    drop(drop_dir, roster_school, GOOD)
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("interop:sync_run", args=[roster_school.slug, sync.public_id]))
    assert response.status_code == 302
    run = RosterSyncRun.objects.get()
    assert run.status == RosterSyncRun.Status.OK and run.trigger == RosterSyncRun.Trigger.MANUAL
    assert AuditEvent.objects.filter(action="interop.roster_sync.run_requested", actor=office).count() == 1
    page = client.get(reverse("interop:sync_detail", args=[roster_school.slug, sync.public_id])).content.decode()
    assert "Run now" in page and "Applied" in page


def test_teacher_and_other_school_get_not_found(client, office, teacher, other_school, roster_school, drop_dir):
    sync = make_sync(office, roster_school)
    other_office = factories.UserFactory(email="office@elsewhere.test")
    factories.StaffRoleFactory(user=other_office, school=other_school, role="office")
    for user in (teacher, other_office):
        client.force_login(user)
        assert client.get(reverse("interop:sync_list", args=[roster_school.slug])).status_code == 404
        assert client.get(reverse("interop:sync_detail", args=[roster_school.slug, sync.public_id])).status_code == 404
        assert client.post(reverse("interop:sync_run", args=[roster_school.slug, sync.public_id])).status_code == 404
    # The other school's office, on its own school's URL, does not find this school's sync either.
    assert client.get(reverse("interop:sync_detail", args=[other_school.slug, sync.public_id])).status_code == 404
    assert not RosterSyncRun.objects.exists()


# SFTP source: an in-process paramiko SFTP server -------------------------------------------------------------------


@pytest.fixture
def sftp_server(tmp_path):
    """An SFTP server (paramiko, in a thread) serving ``tmp_path/sftp-root`` to user ``mis`` with password ``pw``
    or the client key it generates. Yields a dict with the URL base, the host key line and the client key text."""
    import socket

    import paramiko

    root = tmp_path / "sftp-root"
    root.mkdir()
    host_key = paramiko.ECDSAKey.generate()
    client_key = paramiko.ECDSAKey.generate()
    key_text = io.StringIO()
    client_key.write_private_key(key_text)

    class Server(paramiko.ServerInterface):
        def check_auth_password(self, username, password):
            ok = (username, password) == ("mis", "pw")
            return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

        def check_auth_publickey(self, username, key):
            ok = username == "mis" and key.get_base64() == client_key.get_base64()
            return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

        def get_allowed_auths(self, username):
            return "password,publickey"

        def check_channel_request(self, kind, chanid):
            ok = kind == "session"
            return paramiko.OPEN_SUCCEEDED if ok else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    class Files(paramiko.SFTPServerInterface):
        def _local(self, path):
            return str(root / path.lstrip("/"))

        def stat(self, path):
            try:
                return paramiko.SFTPAttributes.from_stat(os.stat(self._local(path)))
            except OSError as error:
                return paramiko.SFTPServer.convert_errno(error.errno)

        lstat = stat

        def open(self, path, flags, attr):
            try:
                handle = paramiko.SFTPHandle(flags)
                handle.readfile = open(self._local(path), "rb")  # noqa: SIM115 — closed by paramiko's handle
                return handle
            except OSError as error:
                return paramiko.SFTPServer.convert_errno(error.errno)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    stop = threading.Event()
    transports = []

    def serve():
        while not stop.is_set():
            try:
                conn, _address = listener.accept()
            except OSError:
                continue
            transport = paramiko.Transport(conn)
            transport.add_server_key(host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, Files)
            transport.start_server(server=Server())
            transports.append(transport)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield {
        "root": root,
        "url": f"sftp://mis@127.0.0.1:{listener.getsockname()[1]}/exports/roster.csv",
        "host_key": f"{host_key.get_name()} {host_key.get_base64()}",
        "client_key": key_text.getvalue(),
    }
    stop.set()
    thread.join(2)
    for transport in transports:
        transport.close()
    listener.close()


@pytest.mark.parametrize("auth", ["password", "private_key"])
def test_an_sftp_source_is_fetched_with_a_password_or_a_key_and_its_host_key_checked(
    office, roster_school, sftp_server, auth
):
    (sftp_server["root"] / "exports").mkdir()
    (sftp_server["root"] / "exports" / "roster.csv").write_text(GOOD)
    secret = "pw" if auth == "password" else sftp_server["client_key"]
    sync = make_sync(
        office,
        roster_school,
        source=RosterSync.Source.SFTP,
        url=sftp_server["url"],
        auth=auth,
        secret=secret,
        host_key=sftp_server["host_key"],
    )
    make_due(sync)
    services_sync.roster_sync_sweep()
    run = RosterSyncRun.objects.get()
    assert run.status == RosterSyncRun.Status.OK, run.report
    assert run.filename == "roster.csv" and Pupil.objects.filter(school=roster_school).count() == 2

    # Another server's key (a server pretending to be the school's) is refused before any password is sent.
    import paramiko

    other = paramiko.ECDSAKey.generate()
    RosterSync.objects.filter(pk=sync.pk).update(host_key=f"{other.get_name()} {other.get_base64()}")
    sync.refresh_from_db()
    with pytest.raises(services_sync.FetchError, match="host key is not the one configured"):
        services_sync.fetch(sync)


def test_a_link_in_the_folder_leading_out_of_it_is_not_read(office, roster_school, drop_dir, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text(HEADER + f"{UPN_1},Not,Ours,2019-03-14,Y1,1 Oak\n")
    (drop_dir / roster_school.slug).mkdir(parents=True)
    os.symlink(secret, drop_dir / roster_school.slug / "roster.csv")
    sync = make_sync(office, roster_school)
    with pytest.raises(services_sync.FetchError, match="No .csv"):
        services_sync.fetch(sync)
    sync.folder = "roster.csv"  # named directly: refused too
    with pytest.raises(services_sync.FetchError, match="inside the school"):
        services_sync.fetch(sync)


@pytest.mark.parametrize("page", ["interop:sync_list", "interop:sync_detail"])
def test_the_pages_make_as_many_queries_for_3_as_for_30(client, office, roster_school, drop_dir, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count):
        for _n in range(count):
            sync = make_sync(office, roster_school)
            for status in (RosterSyncRun.Status.OK, RosterSyncRun.Status.FAILED):
                RosterSyncRun.objects.create(sync=sync, started_at=timezone.now(), status=status)
        return sync

    client.force_login(office)
    counts = []
    for count in (3, 27):
        sync = add(count)
        args = [roster_school.slug] + ([sync.public_id] if page == "interop:sync_detail" else [])
        client.get(reverse(page, args=args))  # the first request of a session fills caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(page, args=args)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
