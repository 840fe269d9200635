from django.urls import path

from . import export_log_views, views

urlpatterns = [
    path("departments/", views.department_tree, name="department_tree"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:department_id>/", views.department_edit, name="department_edit"),
    path("departments/<int:department_id>/move/", views.department_move, name="department_move"),
    path("departments/<int:department_id>/archive/", views.department_archive, name="department_archive"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/new/", views.employee_create, name="employee_create"),
    path("employees/<int:employee_id>/", views.employee_detail, name="employee_detail"),
    path("employees/<int:employee_id>/edit/", views.employee_edit, name="employee_edit"),
    path("employees/<int:employee_id>/leave/", views.employee_leave, name="employee_leave"),
    path("employees/<int:employee_id>/password/", views.employee_reset_password, name="employee_reset_password"),
    path("organization/", views.organization_settings, name="organization_settings"),
    path("organization/exports/", export_log_views.export_log_page, name="export_log"),
    path("profile/", views.profile, name="profile"),
    path("profile/language/", views.language_switch, name="language_switch"),
    path("profile/password/", views.password_change, name="password_change"),
    path("profile/tokens/", views.api_token_create, name="api_token_create"),
    path("profile/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
