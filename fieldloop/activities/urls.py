from django.urls import path

from . import phone_views, views, visit_review_views, visit_views

urlpatterns = [
    path("work/", views.record_feed, name="record_feed"),
    path("work/new/", views.record_new, name="record_new"),
    path("work/new/<int:template_id>/", views.record_create, name="record_create"),
    path("work/settings/", views.settings_edit, name="activity_settings"),
    path("work/<int:record_id>/", views.record_detail, name="record_detail"),
    path("work/<int:record_id>/edit/", views.record_edit, name="record_edit"),
    path("work/<int:record_id>/comments/", views.record_comment, name="record_comment"),
    path("work/<int:record_id>/archive/", views.record_archive, name="record_archive"),
    path("work/<int:record_id>/attachments/<int:attachment_id>/", views.record_attachment, name="record_attachment"),
    path(
        "work/<int:record_id>/attachments/<int:attachment_id>/thumbnail/",
        views.record_attachment,
        {"thumbnail": True},
        name="record_attachment_thumbnail",
    ),
    path("visits/", visit_views.visit_list, name="visit_list"),
    path("visits/start/", visit_views.visit_start, name="visit_start"),
    path("visits/start/preview/", visit_views.visit_check_in_preview, name="visit_check_in_preview"),
    path("visits/review/", visit_review_views.review_queue, name="visit_review_queue"),
    path("visits/types/", visit_views.visit_type_list, name="visit_type_list"),
    path("visits/types/new/", visit_views.visit_type_edit, name="visit_type_new"),
    path("visits/types/<int:visit_type_id>/", visit_views.visit_type_edit, name="visit_type_edit"),
    path("visits/<int:visit_id>/", visit_views.visit_detail, name="visit_detail"),
    path("visits/<int:visit_id>/check-out/", visit_views.visit_check_out, name="visit_check_out"),
    path(
        "visits/<int:visit_id>/check-out/preview/", visit_views.visit_check_out_preview, name="visit_check_out_preview"
    ),
    path("visits/<int:visit_id>/review/", visit_review_views.visit_review, name="visit_review"),
    path("visits/<int:visit_id>/locate-customer/", visit_views.visit_locate_customer, name="visit_locate_customer"),
    path("today/", phone_views.phone_today, name="phone_today"),
    path("today/call/<int:customer_id>/", phone_views.phone_call, name="phone_call"),
    path("today/daily-report/", phone_views.phone_daily_report, name="phone_daily_report"),
]
