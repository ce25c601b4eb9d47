import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmgmt.settings")
application = get_wsgi_application()

from salesmgmt.checks import refuse_to_serve_without_collected_static  # noqa: E402

refuse_to_serve_without_collected_static()
