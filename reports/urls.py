from . import views_coverage, views_dashboard, views_governor, views_thresholds

app_name = "reports"

urlpatterns = [
    # The SLT incident dashboard, its drill-downs and CSV; the trust's comparison (views_dashboard)
    *views_dashboard.urlpatterns,
    *views_governor.urlpatterns,
    *views_coverage.urlpatterns,
    # Behaviour thresholds that raise an action (views_thresholds)
    *views_thresholds.urlpatterns,
]
