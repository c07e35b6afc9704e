"""Which pupils may have their own account: the school's ``PupilAccountSetting`` read against a pupil's age or year
group. Reads only; the setting is changed by ``onboarding.services.pupil_accounts`` and accounts are made by
invitation (``safeguard.accounts.services.pupil_invitation_create``). Who may use an account once made is decided in
``safeguard.permissions.pupil_of_user``.

The sources of the rule (UK GDPR Art. 8 and the Data Protection Act 2018 s.9, Gillick competence, COPPA) are on
``PupilAccountSetting``'s docstring.
"""

from .models import PupilAccountSetting

# Ages a school may choose. 13 is the age of UK GDPR Art. 8 / DPA 2018 s.9 and COPPA's line; a school providing
# accounts for its public task may choose younger (a Year 4 pupil is 8), never younger than 8: below that, pupils
# sign in class with a teacher present. 18: an adult pupil (sixth form, US 12th grade) always may.
PUPIL_ACCOUNT_AGES = range(8, 19)
SUGGESTED_AGE = 13  # UK GDPR Art. 8 with DPA 2018 s.9; COPPA's under-13 line in the United States


def age_on(date_of_birth, day):
    """Whole years of age (int) on ``day`` (a date) for someone born on ``date_of_birth`` (a date). A child born on
    29 February is a year older on 1 March in a year without one."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def setting_for(school):
    """``school``'s ``PupilAccountSetting``, or None when it was never set (off)."""
    return PupilAccountSetting.objects.select_related("from_year_group").filter(school=school).first()


def is_on(school):
    """True when ``school`` gives (some of) its pupils their own accounts."""
    setting = setting_for(school)
    return setting is not None and setting.is_on


def pupil_is_eligible(pupil, *, setting=None, day=None):
    """Whether ``pupil`` may have their own account under their school's setting on ``day`` (the school's today by
    default): the setting is on, and the pupil is at least ``from_age`` on that day, or in ``from_year_group`` or a
    later one (by ``YearGroup.order``). Being on roll is checked separately (``Pupil.is_on_roll``).

    ``setting``: the school's ``PupilAccountSetting`` if the caller has it (saves a query); read otherwise.
    """
    if setting is None:
        setting = setting_for(pupil.school)
    if setting is None or not setting.is_on:
        return False
    day = day or pupil.school.today()
    if setting.from_age is not None:
        return age_on(pupil.date_of_birth, day) >= setting.from_age
    year_group = pupil.year_group
    return year_group is not None and year_group.order >= setting.from_year_group.order
