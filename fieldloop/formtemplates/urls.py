from django.urls import path

from . import views

urlpatterns = [
    path("form-templates/", views.template_list, name="formtemplate_list"),
    path("form-templates/<int:template_id>/", views.template_designer, name="formtemplate_designer"),
    path("form-templates/<int:template_id>/preview/", views.template_preview, name="formtemplate_preview"),
    path("form-templates/<int:template_id>/archive/", views.template_archive, name="formtemplate_archive"),
]
