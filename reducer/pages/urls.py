"""Routes of the public pages, mounted at /."""

from django.urls import path

from . import dashboard, demo, views

app_name = "pages"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("demo/compress", demo.compress, name="demo-compress"),
    path("demo/jobs/<uuid:job_id>", demo.job, name="demo-job"),
    path("account/", dashboard.dashboard, name="dashboard"),
    path("account/sign-in", dashboard.sign_in, name="sign-in"),
    path("account/sign-out", dashboard.sign_out, name="sign-out"),
    path("account/keys/new", dashboard.create_key, name="create-key"),
    path("account/keys/<int:key_id>/revoke", dashboard.revoke_key, name="revoke-key"),
]
