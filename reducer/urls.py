from django.contrib import admin
from django.urls import include, path

from optimizer import downloads
from reducer import health, metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("results/<path:name>", downloads.serve_result, name="result"),
    path("api/v1/", include("reducer.v1.urls")),
    path("s3/", include("reducer.s3.urls")),
    path("", include("reducer.tinify.urls")),
    path("", include("reducer.shortpixel.urls")),
    path("", include("reducer.pages.urls")),
]
