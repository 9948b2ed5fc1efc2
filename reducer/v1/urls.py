"""Routes of the native API, mounted at /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import schema, views

app_name = "v1"
_ = schema  # registers the key schemes with the schema generator

urlpatterns = [
    path("compress", views.CompressView.as_view(), name="compress"),
    path("jobs/<str:job_id>", views.JobView.as_view(), name="job"),
    path("jobs/<str:job_id>/download", views.JobDownloadView.as_view(), name="job-download"),
    path("files/<str:token>", views.FileView.as_view(), name="file"),
    path("info", views.InfoView.as_view(), name="info"),
    path(
        "schema",
        SpectacularAPIView.as_view(
            custom_settings={
                "PREPROCESSING_HOOKS": ["reducer.v1.schema.only_v1"],
                "POSTPROCESSING_HOOKS": [
                    "drf_spectacular.hooks.postprocess_schema_enums",
                    "reducer.v1.schema.blank_optional_form_fields",
                ],
            },
            authentication_classes=[],
        ),
        name="schema",
    ),
    path("docs", SpectacularSwaggerView.as_view(url_name="v1:schema", authentication_classes=[]), name="docs"),
]
