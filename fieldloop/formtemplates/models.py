"""Form templates: versioned, typed field definitions, and the attachments their photo/file fields hold.

A template's definition is never edited in place: publishing creates a new
FormTemplateVersion, so every stored record keeps the version it was entered with.
Imports only `fields` (plain definitions) from this app.
"""

import uuid
from pathlib import PurePosixPath

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldloop.core.models import OrgScopedModel

from .fields import FieldDefinition, load_definitions


class Purpose(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    VISIT = "visit", _("Customer visit")
    COMPETITOR = "competitor", _("Competitor information")
    CALL = "call", _("Call log")
    DAILY_REPORT = "daily_report", _("Daily report")
    CUSTOM = "custom", _("Custom")


class FormTemplate(OrgScopedModel):
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.CUSTOM)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "FormTemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )

    class Meta:
        ordering = ["purpose", "name", "id"]
        verbose_name = _("form template")
        verbose_name_plural = _("form templates")
        indexes = [models.Index(fields=["org", "purpose", "name", "id"], name="formtemplate_org_purpose")]
        constraints = [
            models.UniqueConstraint(
                fields=["org"],
                condition=Q(purpose="customer", is_active=True),
                name="formtemplate_one_active_customer_template_per_org",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class FormTemplateVersion(OrgScopedModel):
    """One published definition of a template: an ordered list of field definitions. Never changed."""

    template = models.ForeignKey(
        FormTemplate, on_delete=models.PROTECT, related_name="versions", verbose_name=_("form template")
    )
    number = models.PositiveIntegerField(_("version"))
    fields = models.JSONField(_("fields"), default=list)
    created_by = models.ForeignKey(
        "org.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["template", "-number"]
        verbose_name = _("form template version")
        verbose_name_plural = _("form template versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="formtemplateversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="formtemplateversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"

    @property
    def definitions(self) -> list[FieldDefinition]:
        """The field definitions, parsed (cached on the instance)."""
        cached: list[FieldDefinition] | None = getattr(self, "_definitions", None)
        if cached is None:
            cached = load_definitions(self.fields)
            self._definitions = cached
        return cached


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    FILE = "file", _("File")


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    """<org id>/<yyyy>/<mm>/<uuid><ext>: the client's file name is kept in the row, not the path."""
    now = timezone.now()
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"attachments/{instance.org_id}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(OrgScopedModel):
    uploaded_by = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    # A photo's file is the re-encoded, watermarked JPEG (never the bytes the client sent), its thumbnail
    # beside it; a file is stored as sent and has no thumbnail.
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=attachment_upload_to, max_length=255, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"), help_text=_("Bytes stored."))
    original_size = models.PositiveBigIntegerField(_("original size"), default=0, help_text=_("Bytes uploaded."))
    sha256 = models.CharField(max_length=64, help_text=_("Of the uploaded bytes: a replay is recognised by it."))
    kind = models.CharField(_("kind"), max_length=8, choices=AttachmentKind.choices)
    client_id = models.UUIDField(_("client id"))
    # Set once, in the transaction that saves the first record or customer holding the attachment, after all of
    # the save's checks (services.attachments_claim_held), and never cleared: a claimed attachment is kept for good
    # (a record revision may still hold it), an unclaimed one a day old is an orphan `attachments_cleanup` deletes.
    claimed_at = models.DateTimeField(
        _("first held at"), null=True, blank=True, help_text=_("When a saved record or customer first held it.")
    )
    # What holds it, set with claimed_at: "<app>.<model>:<id>" (`holder_of`). Only its uploader's values claim an
    # attachment, only once, and a download goes through the holder it names: an id is never borrowed.
    holder = models.CharField(max_length=64, blank=True, default="", help_text="The record or customer holding it.")
    # A photo's capture time as its EXIF said (DateTimeOriginal), read before the metadata is stripped; None when
    # the photo had none (a screenshot, an edited or forwarded picture): a visit's photo review reads it.
    exif_taken_at = models.DateTimeField(_("taken at (photo metadata)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(fields=["org", "client_id"], name="attachment_unique_client_id_per_org"),
        ]
        indexes = [  # the cleanup's candidates: unclaimed, oldest first (a small partial index)
            models.Index(fields=["created_at"], condition=Q(claimed_at__isnull=True), name="attachment_unclaimed"),
        ]

    def __str__(self) -> str:
        return self.original_name


def holder_of(row: models.Model) -> str:
    """How an attachment names the row holding it: "activities.workrecord:12"."""
    return f"{row._meta.label_lower}:{row.pk}"
