"""Cases: related incidents linked, and concerns about one child or family grouped into a case with its own status,
owner and chronology (issue 16 item 3)."""

from .views import cases, links

app_name = "cases"

urlpatterns = [
    # The DSL team's cases: list, opening, a case's page and its forms (views/cases.py)
    *cases.urlpatterns,
    # Links between incidents, made from an incident's record (views/links.py)
    *links.urlpatterns,
]
