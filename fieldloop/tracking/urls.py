from django.urls import path

from . import views

urlpatterns = [
    path("tracking/", views.team_map, name="tracking_team"),
    path("tracking/team.json", views.team_json, name="tracking_team_json"),
    path("tracking/me/", views.my_tracking, name="tracking_mine"),
    path("tracking/settings/", views.settings_edit, name="tracking_settings"),
    path("tracking/employees/<int:employee_id>/", views.employee_day, name="tracking_day"),
    path("tracking/employees/<int:employee_id>/switch/", views.employee_switch, name="tracking_switch"),
]
