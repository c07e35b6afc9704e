"""Permission-matrix rows for files prepared by the worker (issue 18 item 2, issue 17 item 8): a prepared file's page
and download (only the person who asked), asking for a child protection file or blank forms (POST), and a class's
signed agreements as one zip (``EXPORT_SIGNATURES``). Imported by ``test_permissions_matrix.py``."""

EXPORTERS = ["office", "slt", "head"]  # EXPORT_SIGNATURES, and MANAGE_AGREEMENTS for blank forms
DSL_OTP = {"dsl": 302, "deputy_dsl": 302, "head": 302}  # to the second factor first


def build_world(world):
    """A ready file of blank forms asked for by the office (stored under its SHA-256), and a child protection file
    asked for by the DSL."""
    from safeguard.directory.tests import factories
    from safeguard.jobs import prepared
    from safeguard.jobs.models import PreparedFile

    world.other_class = factories.SchoolClassFactory(school=world.other_school, name="3 Oak")

    storage = PreparedFile._meta.get_field("file").storage
    name, sha256 = prepared.store(b"%PDF-1.4 matrix blank forms", extension="pdf", storage=storage)
    world.prepared_forms = PreparedFile.objects.create(
        kind="aup.blank_forms",
        school=world.school,
        requested_by=world.users["office"],
        params={"agreement": str(world.agreement_pending.public_id)},
        title="Blank forms",
        input_key="0" * 64,
        status=PreparedFile.Status.READY,
        file=name,
        sha256=sha256,
        size=27,
        content_type="application/pdf",
    )
    world.prepared_cp_file = PreparedFile.objects.create(
        kind="incidents.cp_file",
        school=world.school,
        requested_by=world.users["dsl"],
        params={"pupil": str(world.pupil.public_id)},
        title="Child protection file",
        input_key="1" * 64,
    )


def _file(attribute):
    return lambda f: {"slug": f.school.slug, "public_id": getattr(f, attribute).public_id}


def _class_zip(f):
    return {"slug": f.school.slug, "agreement_id": f.agreement_done.public_id, "class_id": f.pupil.school_class_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        # Only the person who asked sees a prepared file and downloads it; everyone else: 404, as for no file.
        ("jobs:prepared_file", ""): ("get", _file("prepared_forms"), allow(["office"])),
        ("jobs:prepared_file", "child protection file"): ("get", _file("prepared_cp_file"), only({"dsl": 302}, 404)),
        ("jobs:prepared_file", "under another school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "public_id": f.prepared_forms.public_id},
            allow([]),
        ),
        ("jobs:prepared_file_download", ""): ("get", _file("prepared_forms"), allow(["office"])),
        ("jobs:prepared_file_download", "not ready"): ("get", _file("prepared_cp_file"), allow([])),
        # Asking for a file (POST) goes to its page; the DSL team passes the second factor first.
        ("incidents:cp_file", "post"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.pupil.public_id},
            only(DSL_OTP, 404),
        ),
        ("aup:blank_forms", "post"): (
            "post",
            lambda f: {"slug": f.school.slug, "agreement_id": f.agreement_pending.public_id},
            allow(EXPORTERS, status=302),
        ),
        # A class's signed agreements as one zip (issue 17 item 8).
        ("aup:class_zip", ""): ("get", _class_zip, allow(EXPORTERS)),
        ("aup:class_zip", "post"): ("post", _class_zip, allow(EXPORTERS, status=302)),
        ("aup:class_zip", "class of another school"): (
            "get",
            lambda f: {
                "slug": f.school.slug,
                "agreement_id": f.agreement_done.public_id,
                "class_id": f.other_class.pk,
            },
            allow([]),
        ),
        ("aup:class_zip", "other school"): (
            "get",
            lambda f: {
                "slug": f.other_school.slug,
                "agreement_id": f.agreement_done.public_id,
                "class_id": f.pupil.school_class_id,
            },
            allow([]),
        ),
    }
