from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards for senior leaders, governor termly reports and the trust roll-up."""

    name = "reports"
    verbose_name = _("Reports")
