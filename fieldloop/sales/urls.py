"""Sales pages."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("fieldloop.sales.product_urls")),
    path("", include("fieldloop.sales.payment_urls")),
    path("", include("fieldloop.sales.order_urls")),
]
