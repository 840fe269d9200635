from django.urls import path

from . import views

urlpatterns = [
    path("work/", views.record_feed, name="record_feed"),
    path("work/new/", views.record_new, name="record_new"),
    path("work/new/<int:template_id>/", views.record_create, name="record_create"),
    path("work/settings/", views.settings_edit, name="activity_settings"),
    path("work/<int:record_id>/", views.record_detail, name="record_detail"),
    path("work/<int:record_id>/edit/", views.record_edit, name="record_edit"),
    path("work/<int:record_id>/comments/", views.record_comment, name="record_comment"),
    path("work/<int:record_id>/archive/", views.record_archive, name="record_archive"),
]
