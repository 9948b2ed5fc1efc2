from django.urls import path

from . import views

urlpatterns = [
    path("v2/reducer.php", views.reducer),
    path("v2/post-reducer.php", views.post_reducer),
    path("v2/api-status.php", views.api_status),
    path("v2/cleanup.php", views.cleanup),
    path("v2/image-status.php", views.image_status),
    path("img/connection-test-image.png", views.connection_test_image),
]
