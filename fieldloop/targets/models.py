"""Targets (销售目标): what should be achieved, decomposed along the department tree and along time.

A plan names a metric and a fiscal year (which starts in the organization's chosen month) and has up to three
tiers: target, sprint, challenge. Its values are set per node (a department or an employee) and per period of the
fiscal year: the year, its quarters Q1-Q4 and its months M1-M12 (fiscal months: M1 is the first month of the
fiscal year). A draft plan is edited freely; a plan is locked once its children add up (a department may exceed
its members' sum only when the plan allows it), and a locked plan changes only through a revision that records
who, when, old → new and why.

Actuals are not stored here: achievement reads `sales.SalesDay` (and visits and calls for activity metrics).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldloop.core.models import OrgScopedModel


class Metric(models.TextChoices):
    SALES_AMOUNT = "sales_amount", _("Sales amount")
    ORDER_COUNT = "order_count", _("Orders")
    NEW_CUSTOMERS = "new_customers", _("New customers")
    NEW_CUSTOMER_AMOUNT = "new_customer_amount", _("New-customer sales amount")
    RENEWAL_AMOUNT = "renewal_amount", _("Renewal amount")
    PAYMENTS = "payments", _("Payments received")
    EFFECTIVE_VISITS = "effective_visits", _("Effective visits")
    CALLS = "calls", _("Calls")


class Tier(models.TextChoices):
    TARGET = "target", pgettext_lazy("target tier", "Target")
    SPRINT = "sprint", pgettext_lazy("target tier", "Sprint")
    CHALLENGE = "challenge", pgettext_lazy("target tier", "Challenge")


# The periods of a fiscal year: the year, its quarters and its (fiscal) months.
PERIODS = ["Y", "Q1", "Q2", "Q3", "Q4"] + [f"M{m}" for m in range(1, 13)]
PERIOD_CHOICES = [(p, p) for p in PERIODS]


class PlanStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("target plan status", "Draft")
    LOCKED = "locked", pgettext_lazy("target plan status", "Locked")


class TargetSettings(OrgScopedModel):
    org = models.OneToOneField(
        "org.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    reminder_weekdays = models.JSONField(
        _("remind managers on"),
        default=list,
        blank=True,
        help_text=_("Weekdays (0 = Monday) on which managers hear about subordinates at risk."),
    )

    class Meta:
        verbose_name = _("target settings")
        verbose_name_plural = _("target settings")


class TargetPlan(OrgScopedModel):
    name = models.CharField(_("name"), max_length=100)
    metric = models.CharField(_("metric"), max_length=24, choices=Metric.choices)
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), help_text=_("The calendar year in which the fiscal year starts.")
    )
    start_month = models.PositiveSmallIntegerField(
        _("starts in month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    tiers = models.PositiveSmallIntegerField(
        _("tiers"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("1: target; 2: and sprint; 3: and challenge."),
    )
    status = models.CharField(_("status"), max_length=6, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    allow_department_surplus = models.BooleanField(
        _("a department's target may exceed its members' sum"), default=False
    )
    created_by = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("locked by")
    )

    class Meta:
        verbose_name = _("target plan")
        verbose_name_plural = _("target plans")
        constraints = [
            models.UniqueConstraint(fields=["org", "metric", "fiscal_year", "name"], name="targets_plan_unique_name"),
            models.CheckConstraint(condition=Q(tiers__gte=1) & Q(tiers__lte=3), name="targets_plan_tiers_1_3"),
        ]

    def __str__(self) -> str:
        return self.name


class TargetValue(OrgScopedModel):
    """One node's values for one period: a department's or an employee's (exactly one of the two)."""

    plan = models.ForeignKey(TargetPlan, on_delete=models.CASCADE, related_name="values", verbose_name=_("plan"))
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    employee = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("employee")
    )
    period = models.CharField(_("period"), max_length=3, choices=PERIOD_CHOICES)
    target = models.DecimalField(pgettext_lazy("target tier", "Target"), max_digits=16, decimal_places=2)
    sprint = models.DecimalField(
        pgettext_lazy("target tier", "Sprint"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    challenge = models.DecimalField(
        pgettext_lazy("target tier", "Challenge"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    explanation = models.CharField(
        _("explanation"), max_length=300, blank=True, help_text=_("Where a suggested value came from.")
    )

    class Meta:
        verbose_name = _("target value")
        verbose_name_plural = _("target values")
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=True, employee__isnull=False)
                | Q(department__isnull=False, employee__isnull=True),
                name="targets_value_one_node",
            ),
            models.UniqueConstraint(
                fields=["plan", "department", "period"],
                condition=Q(department__isnull=False),
                name="targets_value_unique_department",
            ),
            models.UniqueConstraint(
                fields=["plan", "employee", "period"],
                condition=Q(employee__isnull=False),
                name="targets_value_unique_employee",
            ),
            models.CheckConstraint(
                condition=Q(target__gte=0)
                & (Q(sprint__isnull=True) | Q(sprint__gte=0))
                & (Q(challenge__isnull=True) | Q(challenge__gte=0)),
                name="targets_value_not_negative",
            ),
        ]


class TargetRevision(OrgScopedModel):
    """A change to a locked plan: one value of one node, period and tier, old → new, by whom and why."""

    plan = models.ForeignKey(TargetPlan, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("plan"))
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    employee = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("employee")
    )
    period = models.CharField(_("period"), max_length=3, choices=PERIOD_CHOICES)
    tier = models.CharField(_("tier"), max_length=9, choices=Tier.choices)
    old_value = models.DecimalField(_("old value"), max_digits=16, decimal_places=2, null=True, blank=True)
    new_value = models.DecimalField(_("new value"), max_digits=16, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("reason"))
    author = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))

    class Meta:
        verbose_name = _("target revision")
        verbose_name_plural = _("target revisions")
        ordering = ["plan", "created_at"]
