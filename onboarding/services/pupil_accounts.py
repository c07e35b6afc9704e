"""Pupils' own accounts, turned on or off by the headteacher or office on the set-up pages (issue 14 item 1).

The setting (``directory.PupilAccountSetting``: from an age, or from a year group; off by default) and the sources of
the age rule — UK GDPR Art. 8 with the Data Protection Act 2018 s.9 (13 for online services), Gillick competence,
and COPPA's under-13 line in the United States — are described on the model. Accounts themselves are made by
invitation (``safeguard.accounts.services.pupil_invitation_create``).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import PupilAccountSetting
from safeguard.directory.pupil_accounts import PUPIL_ACCOUNT_AGES


def pupil_accounts_set(*, actor, school, from_age=None, from_year_group=None, ip_address=None):
    """Give ``school``'s pupils their own accounts from ``from_age`` (int in ``PUPIL_ACCOUNT_AGES``) or from
    ``from_year_group`` (a ``YearGroup`` of the school), or turn them off (both None); return ``(setting, changed)``
    (``setting`` None when a school that never turned them on is told "off").

    Turning it off, or raising the age, ends the access of the pupils no longer covered at once
    (``permissions.pupil_of_user``); their accounts stay and work again if the setting covers them again. A repeat
    with the same values changes nothing and writes no audit event. The row keeps its history (who, when).
    Raises ``PermissionError`` unless ``permissions.may_set_pupil_accounts``; ``DomainError`` (code "age",
    "year_group" or "both") for an age outside the range, another school's year group, or both given.
    """
    if not permissions.may_set_pupil_accounts(actor, school):
        raise PermissionError("actor may not set pupils' accounts for this school")
    if from_age is not None and from_year_group is not None:
        raise DomainError(_("Choose an age or a year group, not both."), code="both")
    if from_age is not None and from_age not in PUPIL_ACCOUNT_AGES:
        raise DomainError(
            _("Choose an age from %(low)s to %(high)s.")
            % {"low": PUPIL_ACCOUNT_AGES[0], "high": PUPIL_ACCOUNT_AGES[-1]},
            code="age",
        )
    if from_year_group is not None and (from_year_group.school_id != school.pk or from_year_group.removed_at):
        raise DomainError(_("Choose one of the school's year groups."), code="year_group")
    year_group_id = from_year_group.pk if from_year_group is not None else None
    with transaction.atomic():
        setting = PupilAccountSetting.objects.select_for_update().filter(school=school).first()
        previous = {"from_age": None, "from_year_group": None}
        if setting is not None:
            previous = {"from_age": setting.from_age, "from_year_group": setting.from_year_group_id}
        if previous == {"from_age": from_age, "from_year_group": year_group_id}:
            return setting, False  # the same again (or "off" for a school never set: still off)
        setting = setting or PupilAccountSetting(school=school)
        setting.from_age, setting.from_year_group, setting.changed_by = from_age, from_year_group, actor
        setting._history_user = actor
        setting.save()
        audit_log(
            actor=actor,
            action="onboarding.pupil_accounts.changed",
            school=school,
            subject=setting,
            data={"from_age": from_age, "from_year_group": year_group_id, "previous": previous},
            ip_address=ip_address,
        )
    return setting, True
