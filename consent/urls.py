from . import views_answering, views_forms, views_measures, views_naming, views_staff

app_name = "consent"

urlpatterns = [
    *views_answering.urlpatterns,  # parents and pupils answer, change, withdraw; office paper and phone answers
    *views_staff.urlpatterns,  # class grid, "may I photograph?", do-not-photograph lists, events
    *views_measures.urlpatterns,  # the DSL team's photo measures
    *views_naming.urlpatterns,  # naming and image rules per band of year groups; a parent's stricter choice
    *views_forms.urlpatterns,  # the consent form and its versions, requests, coverage, the new academic year
]
