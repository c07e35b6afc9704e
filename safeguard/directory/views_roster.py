"""Roster import pages (upload → preview with every row's errors → confirm). Filled in with the roster import."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from safeguard import permissions


@login_required
def roster_import(request, slug):
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    return render(request, "directory/roster_import.html", {"school": school})


@login_required
@require_POST
def roster_import_confirm(request, slug):
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    return render(request, "directory/roster_import.html", {"school": school})
