"""Routes of the S3 write-back face, mounted at /s3/."""

from django.urls import path

from . import views

app_name = "s3"

urlpatterns = [
    path("<str:bucket>/<path:key>", views.PutObjectView.as_view(), name="put-object"),
]
