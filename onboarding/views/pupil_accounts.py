"""Set-up page: whether pupils have their own accounts, from which age or year group (issue 14 item 1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.base import DomainError
from safeguard.directory.models import PupilAccountSetting, School
from safeguard.directory.pupil_accounts import SUGGESTED_AGE

from ..forms_pupil_accounts import PupilAccountsForm
from ..services.pupil_accounts import pupil_accounts_set


def _initial(setting):
    if setting is None or not setting.is_on:
        return {"basis": PupilAccountsForm.OFF, "from_age": SUGGESTED_AGE}
    if setting.from_age is not None:
        return {"basis": PupilAccountsForm.AGE, "from_age": setting.from_age}
    return {"basis": PupilAccountsForm.YEAR_GROUP, "from_year_group": setting.from_year_group}


def _self_signing_age(school):
    """The age from which pupils sign with a class code (``aup.PupilSelfSigning``), shown beside the setting."""
    from aup.services_class_codes import self_signing_age

    return self_signing_age(school)


@login_required
def pupil_accounts(request, slug):
    """GET: the setting, what it means, and its history. POST: change it (headteacher or office)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.SETUP_SCHOOL)
    if not permissions.may_set_pupil_accounts(request.user, school):
        raise Http404
    setting = PupilAccountSetting.objects.select_related("from_year_group").filter(school=school).first()
    form = PupilAccountsForm(request.POST or None, initial=_initial(setting), school=school)
    if request.method == "POST" and form.is_valid():
        try:
            _setting, changed = pupil_accounts_set(
                actor=request.user, school=school, ip_address=client_ip(request), **form.values()
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if changed:
                messages.success(request, _("The setting for pupils' own accounts has been saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("onboarding:pupil_accounts", school.slug)
    history = []
    if setting is not None:
        history = list(setting.history.select_related("history_user", "from_year_group").order_by("-history_date")[:20])
    return render(
        request,
        "onboarding/pupil_accounts.html",
        {
            "school": school,
            "form": form,
            "setting": setting,
            "history": history,
            "self_signing_age": _self_signing_age(school),
            "is_united_states": school.country == School.Country.UNITED_STATES,
        },
    )
