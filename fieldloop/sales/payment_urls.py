"""Pages of payments, payment plans, receivables and the sales settings."""

from django.urls import path

from . import payment_views

urlpatterns = [
    path("orders/<int:order_id>/payments/", payment_views.order_payments, name="order_payments"),
    path("orders/<int:order_id>/payment-plan/", payment_views.order_payment_plan, name="order_payment_plan"),
    path("payments/<int:payment_id>/", payment_views.payment_change, name="payment_change"),
    path("receivables/", payment_views.receivables, name="receivables"),
    path("sales/settings/", payment_views.sales_settings, name="sales_settings"),
]
