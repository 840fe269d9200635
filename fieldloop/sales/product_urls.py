from django.urls import path

from . import product_views

urlpatterns = [
    path("products/", product_views.product_list, name="product_list"),
    path("products/new/", product_views.product_create, name="product_create"),
    path("products/<int:product_id>/", product_views.product_edit, name="product_edit"),
    path("products/<int:product_id>/active/", product_views.product_active, name="product_active"),
    path("products/categories/", product_views.category_list, name="product_categories"),
    path("products/categories/<int:category_id>/", product_views.category_edit, name="product_category_edit"),
    path("products/import/", product_views.product_import, name="product_import"),
    path("products/import/commit/", product_views.product_import_commit, name="product_import_commit"),
    path("products/import/template/", product_views.product_import_template, name="product_import_template"),
    path("products/pick/", product_views.product_pick, name="product_pick"),
]
