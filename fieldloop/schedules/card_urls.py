from django.urls import path

from . import card_views

urlpatterns = [
    path("close/", card_views.card_today, name="daily_card_today"),
    path("close/review/", card_views.review_queue, name="daily_card_review_queue"),
    path("close/not-filed/", card_views.not_filed, name="daily_card_not_filed"),
    path("close/settings/", card_views.close_settings, name="daily_close_settings"),
    path("close/cards/<int:card_id>/", card_views.card_detail, name="daily_card"),
    path("close/cards/<int:card_id>/copy/", card_views.card_copy, name="daily_card_copy"),
    path("close/cards/<int:card_id>/read/", card_views.card_read, name="daily_card_read"),
    path("close/cards/<int:card_id>/review/", card_views.card_review, name="daily_card_review"),
    path("close/<str:day>/", card_views.card_day, name="daily_card_day"),
]
