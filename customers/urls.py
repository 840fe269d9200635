from django.urls import path

from . import transfer_views, views

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/import/", transfer_views.customer_import, name="customer_import"),
    path("customers/import/commit/", transfer_views.customer_import_commit, name="customer_import_commit"),
    path("customers/import/template/", transfer_views.customer_import_template, name="customer_import_template"),
    path("customers/export/", transfer_views.customer_export, name="customer_export"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:customer_id>/archive/", views.customer_archive, name="customer_archive"),
    path("customers/<int:customer_id>/contacts/", views.contact_create, name="contact_create"),
]
