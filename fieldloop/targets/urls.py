"""Targets pages."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("fieldloop.targets.plan_urls")),
    path("", include("fieldloop.targets.achievement_urls")),
]
