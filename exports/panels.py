"""The school home panel linking to the exports page (registered in ``apps.py``)."""

from safeguard import permissions

from .services import LIST_CAPABILITIES

# Reading the policy register alone is no reason for the panel: its CSV is on the register's own page.
_PANEL_CAPABILITIES = {capability for kind, capability in LIST_CAPABILITIES.items() if kind != "policies"}


def school_exports(*, user, school):
    """``(template, context)`` for people who may download at least one list of ``school``, else None."""
    capabilities = _PANEL_CAPABILITIES | {permissions.EXPORT_SCHOOL}
    if not any(permissions.can(user, capability, school) for capability in capabilities):
        return None
    return "exports/panels/exports.html", {
        "school": school,
        "can_export_school": permissions.can(user, permissions.EXPORT_SCHOOL, school),
    }
