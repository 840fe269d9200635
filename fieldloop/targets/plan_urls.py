from django.urls import path

from . import plan_views, revision_views

urlpatterns = [
    path("targets/settings/", plan_views.target_settings, name="target_settings"),
    path("targets/plans/", plan_views.plan_list, name="target_plan_list"),
    path("targets/plans/<int:plan_id>/", plan_views.plan_detail, name="target_plan_detail"),
    path("targets/plans/<int:plan_id>/revise/", revision_views.plan_revise, name="target_plan_revise"),
    path("targets/plans/<int:plan_id>/suggestions/", plan_views.plan_suggestions, name="target_plan_suggestions"),
]
