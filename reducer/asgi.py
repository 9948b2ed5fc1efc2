"""ASGI entry point: uvicorn serves this, so long `wait` polls cost no worker thread pool."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reducer.settings")

application = get_asgi_application()
