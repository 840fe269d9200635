"""Customers, their contacts, lifecycle stages and their history."""

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from fieldloop.core.jobs import JobProgress
from fieldloop.core.models import OrgScopedModel

from .names import NAME_KEY_LENGTH, PHONE_KEY_LENGTH, normalise_name, normalise_phone


class CustomerLevel(models.TextChoices):
    A = "A", _("A (key account)")
    B = "B", _("B")
    C = "C", _("C")
    D = "D", _("D")


class CustomerSource(models.TextChoices):
    FIELD_VISIT = "field_visit", _("Field visit")
    REFERRAL = "referral", _("Referral")
    EXHIBITION = "exhibition", _("Exhibition")
    WEBSITE = "website", _("Website")
    CALL = "call", _("Phone call")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class CustomerStage(OrgScopedModel):
    """A lifecycle stage, configurable per organization (e.g. lead -> prospect -> won -> lost)."""

    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=40, blank=True, default="")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_won = models.BooleanField(_("counts as won"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lifecycle stage")
        verbose_name_plural = _("lifecycle stages")
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="customer_stage_unique_name_per_org")]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class CustomerPool(OrgScopedModel):
    """A public pool (公海): customers without an owner wait here for a member to claim them.

    Protection: a claim or assignment protects the customer for `protection_days`; each qualifying
    follow-up moves the expiry to follow-up + `extension_days` (only if later), never beyond
    `max_protection_days` after the claim. Expired customers return here, unless their stage is one
    of `keep_stages` (e.g. won)."""

    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    protection_days = models.PositiveSmallIntegerField(_("protection days after claim"), default=30)
    extension_days = models.PositiveSmallIntegerField(_("extension days after a follow-up"), default=7)
    max_protection_days = models.PositiveSmallIntegerField(_("maximum protection days"), default=90)
    notify_days_before = models.PositiveSmallIntegerField(_("warn the owner days before return"), default=3)
    daily_claim_limit = models.PositiveSmallIntegerField(_("claims per rep per day"), default=10)
    holding_cap = models.PositiveIntegerField(_("customers a rep may hold"), default=300)
    reclaim_cooldown_days = models.PositiveSmallIntegerField(_("days before a previous owner may re-claim"), default=7)
    keep_stages = models.ManyToManyField(
        CustomerStage, blank=True, related_name="+", verbose_name=_("stages never returned to the pool")
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer pool")
        verbose_name_plural = _("customer pools")
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="customer_pool_unique_name_per_org"),
            models.CheckConstraint(
                condition=Q(max_protection_days__gte=models.F("protection_days")),
                name="customer_pool_max_covers_protection",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PoolMembership(OrgScopedModel):
    pool = models.ForeignKey(CustomerPool, on_delete=models.CASCADE, related_name="memberships")
    employee = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="pool_memberships")
    is_pool_admin = models.BooleanField(_("pool administrator"), default=False)

    class Meta:
        ordering = ["pool", "employee"]
        constraints = [models.UniqueConstraint(fields=["pool", "employee"], name="pool_membership_unique")]


class TagColour(models.TextChoices):
    """The small fixed palette a tag is drawn in (Tabler's light badge colours)."""

    BLUE = "blue", _("Blue")
    AZURE = "azure", _("Azure")
    GREEN = "green", _("Green")
    LIME = "lime", _("Lime")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")
    PINK = "pink", _("Pink")
    PURPLE = "purple", _("Purple")
    GRAY = "gray", _("Grey")


# The badge class of each colour, spelled out whole so the CSS build keeps them (scripts/purgecss.config.cjs).
TAG_BADGE_CLASSES: dict[str, str] = {
    TagColour.BLUE: "bg-blue-lt",
    TagColour.AZURE: "bg-azure-lt",
    TagColour.GREEN: "bg-green-lt",
    TagColour.LIME: "bg-lime-lt",
    TagColour.YELLOW: "bg-yellow-lt",
    TagColour.ORANGE: "bg-orange-lt",
    TagColour.RED: "bg-red-lt",
    TagColour.PINK: "bg-pink-lt",
    TagColour.PURPLE: "bg-purple-lt",
    TagColour.GRAY: "bg-secondary-lt",
}
TAG_NAME_LIMIT = 20
TAG_GROUP_LIMIT = 20


class Tag(OrgScopedModel):
    """A tag (标签) an organization manages: customers are filtered by it. Its name is unique per organization
    ignoring case; an archived tag stays on the customers that have it and is no new choice."""

    name = models.CharField(_("name"), max_length=TAG_NAME_LIMIT)
    colour = models.CharField(_("colour"), max_length=8, choices=TagColour.choices, default=TagColour.BLUE)
    group = models.CharField(_("group"), max_length=TAG_GROUP_LIMIT, blank=True, default="")
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        ordering = ["group", "name", "id"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(F("org"), Lower("name"), name="customer_tag_unique_name_per_org")]

    def __str__(self) -> str:
        return self.name

    @property
    def badge_class(self) -> str:
        return TAG_BADGE_CLASSES.get(self.colour, "bg-blue-lt")


class Customer(OrgScopedModel):
    client_id = models.UUIDField(_("client id"), help_text=_("Generated by the client; a replay creates nothing."))
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True, default="")
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=60, blank=True, default="")
    level = models.CharField(_("level"), max_length=1, choices=CustomerLevel.choices, default=CustomerLevel.C)
    stage = models.ForeignKey(
        CustomerStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("stage")
    )
    source = models.CharField(_("source"), max_length=16, choices=CustomerSource.choices, default=CustomerSource.OTHER)
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    website = models.URLField(_("website"), max_length=200, blank=True, default="")
    province = models.CharField(_("province"), max_length=20, blank=True, default="")
    city = models.CharField(_("city"), max_length=20, blank=True, default="")
    district = models.CharField(_("district"), max_length=20, blank=True, default="")
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    tags = models.ManyToManyField(
        Tag, through="CustomerTag", blank=True, related_name="customers", verbose_name=_("tags")
    )
    owner = models.ForeignKey(
        "org.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("owner"),
    )
    collaborators = models.ManyToManyField(
        "org.Employee", blank=True, related_name="collaborating_customers", verbose_name=_("collaborators")
    )
    pool = models.ForeignKey(
        CustomerPool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("pool"),
        help_text=_("The pool the customer returns to; it sits in it while it has no owner."),
    )
    protected_until = models.DateTimeField(_("protected until"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_owner = models.ForeignKey("org.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    custom_values = models.JSONField(_("custom fields"), default=dict, blank=True)
    template_version = models.ForeignKey(
        "formtemplates.FormTemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The version of the customer template the custom fields were entered with."),
    )
    created_by = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="+")
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    name_key = models.CharField(
        max_length=NAME_KEY_LENGTH, blank=True, default="", editable=False,
        help_text="The name normalised for duplicate matching (customers.names.normalise_name).",
    )  # fmt: skip
    phone_key = models.CharField(
        max_length=PHONE_KEY_LENGTH, blank=True, default="", editable=False,
        help_text="The phone's digits for duplicate matching (customers.names.normalise_phone).",
    )  # fmt: skip
    last_visited_at = models.DateTimeField(
        _("last visited at"), null=True, blank=True, help_text=_("Kept by the visit check-in.")
    )
    last_followed_up_at = models.DateTimeField(
        _("last followed up at"),
        null=True,
        blank=True,
        help_text=_("The latest visit or work record about the customer (activities.follow_ups)."),
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["org", "owner", "updated_at", "id"], name="customer_owner_recent"),
            models.Index(fields=["org", "updated_at", "id"], name="customer_org_recent"),
            models.Index(fields=["org", "name"], name="customer_org_name"),
            models.Index(fields=["org", "last_visited_at"], name="customer_org_last_visit"),
            models.Index(fields=["org", "last_followed_up_at"], name="customer_org_last_follow_up"),
            models.Index(fields=["org", "name_key"], name="customer_org_name_key"),
            models.Index(fields=["org", "phone_key"], name="customer_org_phone_key", condition=~Q(phone_key="")),
            models.Index(fields=["org", "latitude", "longitude"], name="customer_org_position"),
            models.Index(
                fields=["pool", "updated_at", "id"], name="customer_pool_recent", condition=Q(owner__isnull=True)
            ),
            models.Index(
                fields=["protected_until"], name="customer_protection_expiry", condition=Q(owner__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "client_id"], name="customer_unique_client_id_per_org"),
            models.UniqueConstraint(
                fields=["org", "credit_code"], condition=~Q(credit_code=""), name="customer_unique_credit_code_per_org"
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(pool__isnull=False), name="customer_has_owner_or_pool"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def refresh_match_keys(self) -> None:
        """Derive name_key and phone_key from name and phone; bulk writers call it, save() does."""
        self.name_key = normalise_name(self.name)[:NAME_KEY_LENGTH]
        self.phone_key = normalise_phone(self.phone)[:PHONE_KEY_LENGTH]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_match_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "phone"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key", "phone_key"}
        super().save(*args, **kwargs)


class CustomerTag(models.Model):
    """A customer's tag. It carries the organization, so a filter by tags reads the (org, tag, customer)
    index alone, whatever the organization's size."""

    org = models.ForeignKey("org.Organization", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["customer", "tag"]
        indexes = [models.Index(fields=["org", "tag", "customer"], name="customer_tag_filter")]
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="customer_tag_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.tag_id}"


class Contact(OrgScopedModel):
    client_id = models.UUIDField(_("client id"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("title"), max_length=60, blank=True, default="")
    mobile = models.CharField(_("mobile"), max_length=32, blank=True, default="")
    phone = models.CharField(_("office phone"), max_length=32, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True, default="")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    is_primary = models.BooleanField(_("primary contact"), default=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["org", "client_id"], name="contact_unique_client_id_per_org"),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_primary=True, archived_at__isnull=True),
                name="contact_one_primary_per_customer",
            ),
        ]
        # the contacts list across an organization's customers, by name (keyset-paged)
        indexes = [models.Index(fields=["org", "name", "id"], name="contact_org_name")]

    def __str__(self) -> str:
        return self.name


class CustomerEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    OWNER_CHANGED = "owner_changed", _("Owner changed")
    CONTACT_ADDED = "contact_added", _("Contact added")
    CONTACT_UPDATED = "contact_updated", _("Contact updated")
    CONTACT_ARCHIVED = "contact_archived", _("Contact archived")
    CLAIMED = "claimed", _("Claimed from the pool")
    RELEASED = "released", _("Released to the pool")
    ASSIGNED = "assigned", _("Assigned")
    RECYCLED = "recycled", _("Returned to the pool (protection expired)")
    PROTECTION_EXTENDED = "protection_extended", _("Protection extended")
    HANDED_OVER = "handed_over", _("Handed over")
    MERGED = "merged", _("Merged")
    ARCHIVED = "archived", _("Archived")
    RESTORED = "restored", _("Restored")


class CustomerEvent(OrgScopedModel):
    """One entry of a customer's timeline (相关工作) and field history: who, when, what, old -> new."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey("org.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=CustomerEventKind.choices)
    changes = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at", "id"], name="customer_event_timeline")]


class DuplicateAction(models.TextChoices):
    OFF = "off", _("Do not check")
    WARN = "warn", _("Warn, allow saving anyway")
    BLOCK = "block", _("Refuse")


class CustomerSettings(OrgScopedModel):
    """Per-organization rules of the customers app (one row per organization)."""

    duplicate_name = models.CharField(
        _("same company name"), max_length=8, choices=DuplicateAction.choices, default=DuplicateAction.WARN
    )
    duplicate_phone = models.CharField(
        _("same phone"), max_length=8, choices=DuplicateAction.choices, default=DuplicateAction.WARN
    )

    class Meta:
        ordering = ["org"]
        verbose_name = _("customer settings")
        constraints = [models.UniqueConstraint(fields=["org"], name="customer_settings_one_per_org")]


# --- Enrichment (更多资讯) -----------------------------------------------------------------------------


class EnrichmentProvider(models.TextChoices):
    WEBSITE = "website", _("Company website")
    REGISTRY = "registry", _("Business registry")


class EnrichmentStatus(models.TextChoices):
    OK = "ok", _("Found")
    FAILED = "failed", _("Failed")
    NOT_FOUND = "not_found", _("Nothing found")
    PENDING = "pending", _("Pending")


class EnrichmentResult(OrgScopedModel):
    """What one provider found about a customer, when and where; the newest per (customer, provider) is shown.
    A failure is stored as failed with its error, never as empty data."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="enrichment_results")
    provider = models.CharField(_("provider"), max_length=16, choices=EnrichmentProvider.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=EnrichmentStatus.choices, default=EnrichmentStatus.PENDING
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enrichment result")
        verbose_name_plural = _("enrichment results")
        indexes = [
            models.Index(fields=["customer", "provider", "created_at", "id"], name="enrichment_latest"),
        ]


class RegistryCompany(OrgScopedModel):
    """A registered company from a business-registry file an admin imported; matched to customers by
    credit code, else by exact name."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True, default="")
    registered_capital = models.CharField(_("registered capital"), max_length=60, blank=True, default="")
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    business_scope = models.TextField(_("business scope"), blank=True, default="")
    imported_from = models.CharField(_("imported from"), max_length=200, blank=True, default="")
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("registered company")
        verbose_name_plural = _("registered companies")
        indexes = [
            models.Index(fields=["org", "name"], name="registry_company_name"),
        ]
        # the unique constraint is the (org, credit_code) index the match by credit code uses
        constraints = [
            models.UniqueConstraint(fields=["org", "credit_code"], name="registry_company_unique_credit_code"),
        ]


# --- Import jobs -------------------------------------------------------------------------------------


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CustomerImportJob(JobProgress, OrgScopedModel):
    """The commit of an import file, run as a background task. The file waits in the default storage at
    `file_path` until the task has run; `client_id` makes submitting the same job twice create one job. Its
    progress (`core.jobs`): when no dry run's verdict fits, the file read, its rows checked, duplicates looked
    for and the customers prepared; then the customers written."""

    PROGRESS_STEPS = {
        "read": _("Reading the file"),
        "check": _("Checking the rows"),
        "duplicates": _("Looking for duplicates"),
        "prepare": _("Preparing the customers"),
        "write": _("Writing the customers"),
    }

    client_id = models.UUIDField(_("client id"))
    created_by = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    file_path = models.CharField(max_length=300)
    include_duplicates = models.BooleanField(_("import duplicates too"), default=False)
    # Import the rows without errors and leave the others out (else: all or nothing).
    skip_errors = models.BooleanField(_("skip rows with errors"), default=False)
    # The file's columns as the submitter confirmed them: a column key or "" (ignored) per header column;
    # null: as the import proposes them (customers.imports.propose_mapping).
    mapping = models.JSONField(null=True, blank=True, default=None)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped duplicates"), default=0)
    error = models.TextField(_("error"), blank=True, default="")
    row_errors = models.JSONField(default=list, blank=True)
    # The rows refused (left out, or failing the job), as in the file, for the download of the refused rows:
    # {"header": [...], "rows": [{"number": n, "cells": [...], "errors": "label: message ..."}]}.
    refused = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        indexes = [models.Index(fields=["org", "created_at", "id"], name="customer_import_job_recent")]
        constraints = [
            models.UniqueConstraint(fields=["org", "client_id"], name="customer_import_job_unique_client_id"),
        ]


SAVED_FILTER_NAME_LIMIT = 60
SAVED_FILTERS_PER_EMPLOYEE = 50


class SavedFilter(OrgScopedModel):
    """A filter of the customer list and the map that one employee saved under a name, private to them (no
    one else reads, renames or deletes it, an administrator neither). `query` is the filters' canonical query
    string, as `customers.selectors.parse_customer_filters` reads it (the list's and the map's URL names):
    saving normalises it through that parser, so a saved filter applies as a link. Its name is unique per
    owner ignoring case; an owner keeps at most SAVED_FILTERS_PER_EMPLOYEE."""

    owner = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=SAVED_FILTER_NAME_LIMIT)
    query = models.TextField(_("filters"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        indexes = [models.Index(fields=["owner", "name", "id"], name="saved_filter_owner_name")]
        constraints = [
            models.UniqueConstraint(F("owner"), Lower("name"), name="saved_filter_unique_name_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name
