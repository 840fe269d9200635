"""The WSGI application production serves (README: granian): Django's handler, with the phones' batches of
positions answered before its request cycle (`tracking.ingest_route`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldloop.settings")
django_application = get_wsgi_application()

from fieldloop.tracking.ingest_route import PointsRoute  # noqa: E402 - Django is set up by the line above

application = PointsRoute(django_application)
