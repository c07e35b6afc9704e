"""The user menu shows "Notification settings" to members of staff only (``notifications_tags``)."""

from django.template import Context, Template

MENU = Template(
    "{% load notifications_tags %}{% may_choose_notifications user as allowed %}"
    "{% if allowed %}yes{% else %}no{% endif %}"
)


def test_staff_get_the_link_others_do_not(teacher, office, governor, parent, trust_admin):
    people = {"teacher": teacher, "office": office, "governor": governor, "parent": parent, "trust": trust_admin}
    shown = {name: MENU.render(Context({"user": user})) for name, user in people.items()}
    assert shown == {"teacher": "yes", "office": "yes", "governor": "no", "parent": "no", "trust": "no"}
