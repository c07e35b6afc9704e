"""URLs for the second-factor tests: the whole site, plus one page guarded by ``second_factor_required``."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path

from safeguard.accounts.otp import second_factor_required


@login_required
@second_factor_required
def protected(request):
    return HttpResponse("The safeguarding record")


urlpatterns = [
    path("otp-test/record/", protected, name="otp_test_record"),
    path("", include("safeguard.urls")),
]
