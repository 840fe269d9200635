from django.urls import path

from . import views

urlpatterns = [
    path("schedule/", views.schedule_day, name="schedule_day"),
    path("schedule/week/", views.schedule_week, name="schedule_week"),
    path("schedule/team/", views.schedule_team, name="schedule_team"),
    path("schedule/items/new/", views.item_add, name="schedule_item_add"),
    path("schedule/items/<int:item_id>/", views.item_detail, name="schedule_item_detail"),
    path("schedule/items/<int:item_id>/move/", views.item_move, name="schedule_item_move"),
    path("schedule/items/<int:item_id>/cancel/", views.item_cancel, name="schedule_item_cancel"),
    path("schedule/items/<int:item_id>/done/", views.item_done, name="schedule_item_done"),
]
