"""Organizations (tenants), their department tree, employees and API tokens."""

import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldloop.core.models import OrgScopedModel, TimeStampedModel


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DIRECTOR = "director", _("Sales director")
    MANAGER = "manager", _("Manager")
    REP = "rep", _("Sales rep")


class DataScope(models.TextChoices):
    SELF = "self", _("Own data only")
    SUBORDINATES = "subordinates", _("Own and subordinates' data")
    DEPARTMENT = "department", _("Own department")
    DEPARTMENT_TREE = "department_tree", _("Own department and sub-departments")
    ORG = "org", _("Whole organization")


DEFAULT_DATA_SCOPES: dict[str, str] = {
    Role.ADMIN: DataScope.ORG,
    Role.DIRECTOR: DataScope.DEPARTMENT_TREE,
    Role.MANAGER: DataScope.DEPARTMENT_TREE,
    Role.REP: DataScope.SELF,
}


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value}, code="invalid")


def default_data_scopes() -> dict[str, str]:
    return {str(role): str(scope) for role, scope in DEFAULT_DATA_SCOPES.items()}


def default_export_roles() -> list[str]:
    return [str(Role.ADMIN), str(Role.DIRECTOR)]


class Organization(TimeStampedModel):
    """The tenant: every business row belongs to one."""

    name = models.CharField(_("name"), max_length=120)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    language = models.CharField(
        _("default language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    data_scopes = models.JSONField(_("data scope per role"), default=default_data_scopes)
    export_roles = models.JSONField(_("roles that may export customers"), default=default_export_roles)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    def data_scope_for(self, role: str) -> DataScope:
        value = (self.data_scopes or {}).get(role) or DEFAULT_DATA_SCOPES[Role(role)]
        return DataScope(value)


class User(AbstractUser):
    """The login. Everything about the person at work lives on Employee."""

    class Meta(AbstractUser.Meta):
        ordering = ["username"]
        swappable = "AUTH_USER_MODEL"


class DepartmentQuerySet(models.QuerySet["Department"]):
    def active(self) -> "DepartmentQuerySet":
        return self.filter(archived_at__isnull=True)

    def subtree_of(self, department: "Department") -> "DepartmentQuerySet":
        return self.filter(org_id=department.org_id, path__startswith=department.path)


class Department(OrgScopedModel):
    """A node of the organization's tree; `path` is the materialised chain of ids ("12/40/").

    The path makes a subtree one indexed prefix query on both databases.
    """

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    manager = models.ForeignKey(
        "Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_departments",
        verbose_name=_("manager"),
    )
    path = models.CharField(max_length=1000, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        indexes = [models.Index(fields=["org", "path"], name="department_org_path")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "parent", "name"],
                condition=Q(archived_at__isnull=True),
                name="department_unique_active_name_per_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class EmployeeStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("employee status", "Active")
    LEFT = "left", _("Left")


class EmployeeQuerySet(models.QuerySet["Employee"]):
    def active(self) -> "EmployeeQuerySet":
        return self.filter(status=EmployeeStatus.ACTIVE)


class Employee(OrgScopedModel):
    """A person at work in one organization: the profile of a User."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="employee", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=80)
    phone = models.CharField(_("phone"), max_length=32)
    employee_number = models.CharField(_("employee number"), max_length=32, blank=True, default="")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="members", verbose_name=_("department")
    )
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("reports to"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    status = models.CharField(_("status"), max_length=8, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        indexes = [
            models.Index(fields=["org", "department"], name="employee_org_department"),
            models.Index(fields=["org", "name", "id"], name="employee_org_name"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "phone"], name="employee_unique_phone_per_org"),
            models.UniqueConstraint(
                fields=["org", "employee_number"],
                condition=~Q(employee_number=""),
                name="employee_unique_number_per_org",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == EmployeeStatus.ACTIVE


class ApiToken(OrgScopedModel):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("employee")
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(OrgScopedModel):
    """The first result of a create, kept under the client's UUID so a replay writes nothing."""

    key = models.UUIDField()
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    fingerprint = models.CharField(
        max_length=64, blank=True, default="", help_text="SHA-256 of the request that was applied (empty: not kept)."
    )

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "key"], name="idempotency_unique_key_per_org")]


class AuditEntry(OrgScopedModel):
    """History of a change: who, when, what, old -> new."""

    actor = models.ForeignKey(Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "object_type", "object_id", "created_at"], name="audit_object"),
            # The newest-first list (keyset-paged on created_at, id): walked from the top, no sort of every row.
            models.Index(fields=["org", "created_at", "id"], name="audit_org_created"),
            # The export log (org/export_log.py): one action's entries, newest first, keyset-paged.
            models.Index(fields=["org", "action", "created_at", "id"], name="audit_action_created"),
        ]
