from django.urls import include, path

from . import enrichment_views, map_views, pool_views, stage_views, transfer_views, views

urlpatterns = [
    path("customers/pools/", pool_views.pool_list, name="pool_list"),
    path("customers/handover/<int:employee_id>/", pool_views.customer_handover, name="customer_handover"),
    path("customers/pools/new/", pool_views.pool_edit, name="pool_create"),
    path("customers/pools/<int:pool_id>/", pool_views.pool_edit, name="pool_edit"),
    path("customers/<int:customer_id>/claim/", pool_views.customer_claim, name="customer_claim"),
    path("customers/<int:customer_id>/release/", pool_views.customer_release, name="customer_release"),
    path("customers/<int:customer_id>/assign/", pool_views.customer_assign, name="customer_assign"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/bulk/", pool_views.customer_bulk, name="customer_bulk"),
    path("customers/stages/", stage_views.stage_list, name="stage_list"),
    path("customers/stages/<int:stage_id>/", stage_views.stage_edit, name="stage_edit"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/map/", include(map_views.urlpatterns)),
    path("customers/check/", views.customer_existence, name="customer_existence"),
    path("customers/duplicate-rules/", views.duplicate_rules, name="duplicate_rules"),
    path("customers/import/", transfer_views.customer_import, name="customer_import"),
    path("customers/import/commit/", transfer_views.customer_import_commit, name="customer_import_commit"),
    path("customers/import/jobs/", transfer_views.customer_import_jobs, name="customer_import_jobs"),
    path("customers/import/jobs/<int:job_id>/", transfer_views.customer_import_job, name="customer_import_job"),
    path("customers/import/template/", transfer_views.customer_import_template, name="customer_import_template"),
    path("customers/export/", transfer_views.customer_export, name="customer_export"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:customer_id>/archive/", views.customer_archive, name="customer_archive"),
    path("customers/<int:customer_id>/merge/", views.customer_merge, name="customer_merge"),
    path("customers/<int:customer_id>/contacts/", views.contact_create, name="contact_create"),
    path("customers/<int:customer_id>/enrichment/", enrichment_views.customer_enrichment, name="customer_enrichment"),
    path("customers/registry/import/", enrichment_views.registry_import, name="registry_import"),
]
