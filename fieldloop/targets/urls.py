"""Targets pages."""

from django.urls import include, path

urlpatterns = [
    path("", include("fieldloop.targets.achievement_urls")),
]
