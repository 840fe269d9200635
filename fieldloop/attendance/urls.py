from django.urls import path

from . import views

urlpatterns = [
    path("attendance/", views.clock_page, name="attendance_clock"),
    path("attendance/month/", views.my_month, name="attendance_my_month"),
    path("attendance/team/", views.team_month, name="attendance_team"),
    path("attendance/person/", views.person_days, name="attendance_person"),
    path("attendance/requests/", views.request_list, name="attendance_requests"),
    path("attendance/requests/new/", views.request_new, name="attendance_request_new"),
    path("attendance/requests/<int:request_id>/", views.request_detail, name="attendance_request_detail"),
    path("attendance/requests/<int:request_id>/decide/", views.request_decide, name="attendance_request_decide"),
    path("attendance/settings/", views.settings_page, name="attendance_settings"),
    path("attendance/settings/group/", views.settings_post, {"what": "group"}, name="attendance_settings_group"),
    path("attendance/settings/shift/", views.settings_post, {"what": "shift"}, name="attendance_settings_shift"),
    path("attendance/settings/place/", views.settings_post, {"what": "place"}, name="attendance_settings_place"),
    path(
        "attendance/settings/calendar/", views.settings_post, {"what": "calendar"}, name="attendance_settings_calendar"
    ),
    path(
        "attendance/settings/exemption/",
        views.settings_post,
        {"what": "exemption"},
        name="attendance_settings_exemption",
    ),
    path(
        "attendance/settings/whitelist/<int:employee_id>/remove/",
        views.whitelist_remove,
        name="attendance_settings_whitelist_remove",
    ),
    path(
        "attendance/settings/calendar/<str:day>/delete/",
        views.calendar_day_delete,
        name="attendance_settings_calendar_delete",
    ),
]
