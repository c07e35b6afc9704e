from django.urls import path

from . import (
    views_bulk_download,
    views_chase,
    views_class_codes,
    views_coverage,
    views_documents,
    views_front_desk,
    views_library,
    views_register,
    views_reviews,
    views_signing,
    views_trust_policies,
)

app_name = "aup"

urlpatterns = [
    # Policy library (views_library)
    *views_library.urlpatterns,
    # Signing by every route (views_signing)
    *views_signing.urlpatterns,
    # PDFs, blank forms, verification (views_documents)
    *views_documents.urlpatterns,
    # Coverage, requests, paper returns, revoking (views_coverage)
    *views_coverage.urlpatterns,
    # Remind now: one person, a selection, a class or everyone unsigned (views_chase)
    *views_chase.urlpatterns,
    *views_reviews.urlpatterns,
    *views_register.urlpatterns,
    # Visitors and volunteers at the front desk (views_front_desk)
    *views_front_desk.urlpatterns,
    # Pupils who sign for themselves with a class code (views_class_codes)
    *views_class_codes.urlpatterns,
    # A trust's own policies, written once for every school (views_trust_policies)
    *views_trust_policies.urlpatterns,
    # Signed PDFs of a class as one zip, made by the worker (views_bulk_download)
    *views_bulk_download.urlpatterns,
]

__all__ = ["path", "urlpatterns"]
