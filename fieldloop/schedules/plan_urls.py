from django.urls import path

from . import plan_views

urlpatterns = [
    path("plans/due/", plan_views.due_list, name="visit_plan_due"),
    path("plans/due/schedule/", plan_views.due_schedule, name="visit_plan_schedule"),
    path("plans/route/", plan_views.route, name="visit_plan_route"),
    path("plans/route/apply/", plan_views.route_apply, name="visit_plan_route_apply"),
    path("plans/frequencies/", plan_views.frequencies, name="visit_frequencies"),
]
