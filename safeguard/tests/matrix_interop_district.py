"""Permission-matrix rows and world objects for the district-wide OneRoster import (issue 14 item 1): the trust or
district administrator only (``MANAGE_SCHOOLS`` on the organisation); every school role, and another organisation's
administrator, gets 404. Imported by ``test_permissions_matrix.py``, which owns the rules."""

DISTRICT = ["trust_admin"]


def build_world(world):
    """Add a stored district import of the world's trust and one of another organisation."""
    from interop.models import DistrictImport
    from safeguard.directory.tests import factories

    def stored(organisation, user):
        return DistrictImport.objects.create(
            organisation=organisation,
            uploaded_by=user,
            original_filename="district.zip",
            payload=b"PK",
            sha256="0" * 64,
        )

    world.district_import = stored(world.trust, world.users["trust_admin"])
    world.elsewhere_district = factories.OrganisationFactory(name="Elsewhere District", slug="elsewhere-district")
    world.elsewhere_district_import = stored(world.elsewhere_district, world.users["trust_admin"])


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        ("interop:district_import", ""): ("get", lambda f: {"slug": f.trust.slug}, allow(DISTRICT)),
        ("interop:district_import", "post without a file"): (
            "post",
            lambda f: {"slug": f.trust.slug},
            allow(DISTRICT),  # the form again, with the error beside the file field
        ),
        ("interop:district_import", "another organisation"): (
            "get",
            lambda f: {"slug": f.elsewhere_district.slug},
            allow([]),
        ),
        ("interop:district_import", "missing organisation"): ("get", lambda f: {"slug": "no-such-trust"}, allow([])),
        ("interop:district_import_detail", ""): (
            "get",
            lambda f: {"slug": f.trust.slug, "public_id": f.district_import.public_id},
            allow(DISTRICT),
        ),
        ("interop:district_import_detail", "import of another organisation"): (
            "get",
            lambda f: {"slug": f.trust.slug, "public_id": f.elsewhere_district_import.public_id},
            allow([]),
        ),
        ("interop:district_import_confirm", ""): (
            "post",
            lambda f: {"slug": f.trust.slug, "public_id": f.district_import.public_id},
            allow(DISTRICT, status=302),  # queued for the task (or refused if already queued): to the report page
        ),
        ("interop:district_import_confirm", "import of another organisation"): (
            "post",
            lambda f: {"slug": f.trust.slug, "public_id": f.elsewhere_district_import.public_id},
            allow([]),
        ),
    }
