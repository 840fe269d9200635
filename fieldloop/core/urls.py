from django.urls import path

from . import offline

urlpatterns = [
    path("sw.js", offline.service_worker, name="service_worker"),
    path("outbox/", offline.outbox, name="outbox"),
]
