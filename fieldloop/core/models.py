"""Base models every business table builds on."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OrgScopedModel(TimeStampedModel):
    """A business row: it belongs to exactly one organization (the tenant)."""

    org = models.ForeignKey(
        "org.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )

    class Meta:
        abstract = True
