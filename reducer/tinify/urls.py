"""Routes of the Tinify-compatible face, mounted at the root as the clients expect."""

from django.urls import path

from . import views

app_name = "tinify"

urlpatterns = [
    path("shrink", views.shrink, name="shrink"),
    path("output/<str:output_id>", views.output, name="output"),
    path("keys/<str:key>", views.key_details, name="key"),
]
