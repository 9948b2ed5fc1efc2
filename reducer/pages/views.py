"""The landing page: what reducer is, and a form that runs real compressions through the v1 API."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from reducer.v1.parsing import OUTPUTS


@ensure_csrf_cookie  # the keyless demo posts from script with the token of this cookie
def landing(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/landing.html",
        {
            "demo_allowance": settings.REDUCER_DEMO_PAGE_ALLOWANCE,
            "outputs": [name for name in OUTPUTS if name not in ("auto", "jpg")],
            "max_bytes": settings.REDUCER_MAX_BYTES,
            # the script appends a job id to this
            "jobs_prefix": reverse("v1:job", args=["-"]).removesuffix("-"),
        },
    )
