from django.urls import path

from . import achievement_views

urlpatterns = [
    path("targets/achievement/", achievement_views.achievement_page, name="target_achievement"),
]
