"""A parent's own history (issue 17 item 7): every answer and signature they gave, with dates and copies, and for
photo consent whether their child's other parent or carer has answered (never what they answered).

Thin views: look-up helper (404 for a child or record that is not the parent's) → selector or service → render or
file. What a parent may see is set out in ``selectors_parent_history`` and ``permissions.may_download_consent_copy``.
"""

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from safeguard import permissions
from safeguard.audit.services import client_ip

from .selectors_parent_history import consent_response_for_parent, parent_history
from .services_parent_history import consent_copy_download


@login_required
@require_GET
def parent_history_page(request):
    """Everything the parent gave, for each of their children: agreements signed or declined, consent answers."""
    histories = parent_history(request.user)
    if not histories:
        raise Http404  # not a parent: the same answer as the parent's home
    return render(request, "directory/parent_history.html", {"histories": histories, "pupil": None})


@login_required
@require_GET
def parent_child_history(request, public_id):
    """The same for one child, reached from the child's page."""
    pupil = permissions.get_child_for_parent(request.user, public_id)
    histories = parent_history(request.user, pupil=pupil)
    return render(request, "directory/parent_history.html", {"histories": histories, "pupil": pupil})


@login_required
@require_GET
def parent_consent_copy(request, public_id):
    """The PDF copy of one of the parent's own consent responses, as an attachment; 404 for anyone else's."""
    response = consent_response_for_parent(request.user, public_id)
    if response is None:
        raise Http404
    try:
        pdf = consent_copy_download(actor=request.user, response=response, ip_address=client_ip(request))
    except PermissionError:
        raise Http404 from None
    name = slugify(f"consent {response.pupil.display_name} {response.submitted_at:%Y-%m-%d}", allow_unicode=True)
    return FileResponse(
        io.BytesIO(pdf), as_attachment=True, filename=f"{name or 'consent'}.pdf", content_type="application/pdf"
    )


urlpatterns = [
    path("parent/history/", parent_history_page, name="parent_history"),
    path("parent/children/<uuid:public_id>/history/", parent_child_history, name="parent_child_history"),
    path("parent/history/consent/<uuid:public_id>/copy/", parent_consent_copy, name="parent_consent_copy"),
]
