import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmgmt.settings")
application = get_asgi_application()

from salesmgmt.checks import refuse_to_serve_without_collected_static  # noqa: E402

refuse_to_serve_without_collected_static()
