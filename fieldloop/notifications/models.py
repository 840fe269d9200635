"""In-app notifications: a row per recipient, its text rendered at display time in the reader's language."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fieldloop.core.models import OrgScopedModel


class Notification(OrgScopedModel):
    """Something an employee should know. `kind` names a registered message (see `kinds.py`) that
    `params` fills in; `link` is the path of the thing it is about. A non-empty `dedupe_key` is unique
    per recipient, so a job that runs twice notifies once."""

    recipient = models.ForeignKey(
        "org.Employee", on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True, default="")
    dedupe_key = models.CharField(_("deduplication key"), max_length=120, blank=True, default="")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_unique_dedupe_key"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "created_at", "id"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"
