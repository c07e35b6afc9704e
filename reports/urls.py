from . import views_coverage, views_dashboard, views_governor

app_name = "reports"

urlpatterns = [
    # The SLT incident dashboard, its drill-downs and CSV; the trust's comparison (views_dashboard)
    *views_dashboard.urlpatterns,
    *views_governor.urlpatterns,
    *views_coverage.urlpatterns,
]
