"""A plan's values as a tree (departments → sub-departments and direct employees) and its checks, in Python.

Built from three lists loaded once (departments, employees, values), whatever the size of the organization. The
checks say where a plan does not add up: along the tree (a department's value against the sum of its children,
or at least that sum when the plan allows a department surplus) and along time (the year against its quarters, a
quarter against its months), for each tier the plan has.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from .models import PERIODS, Tier
from .periods import children_periods

ZERO = Decimal(0)
TIERS = [Tier.TARGET, Tier.SPRINT, Tier.CHALLENGE]

Key = tuple[str, int]  # ("d", department id) or ("e", employee id)


def tiers_of(count: int) -> list[str]:
    return [str(t) for t in TIERS[:count]]


@dataclass
class TreeNode:
    kind: str  # "d" or "e"
    id: int
    name: str
    depth: int
    parent: "TreeNode | None" = None
    children: list["TreeNode"] = field(default_factory=list)
    values: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (period, tier) -> value
    role: str = ""
    active: bool = True

    @property
    def key(self) -> Key:
        return (self.kind, self.id)

    @property
    def field_name(self) -> str:
        return f"{self.kind}{self.id}"

    def value(self, period: str, tier: str) -> Decimal | None:
        return self.values.get((period, tier))

    def children_sum(self, period: str, tier: str) -> Decimal | None:
        if not self.children:
            return None
        return sum((c.values.get((period, tier), ZERO) for c in self.children), ZERO)

    def gap(self, period: str, tier: str) -> Decimal | None:
        """The node's value minus the sum of its children (None for a node without children)."""
        total = self.children_sum(period, tier)
        if total is None:
            return None
        return self.values.get((period, tier), ZERO) - total

    def time_sum(self, period: str, tier: str) -> Decimal | None:
        """The sum of the period's parts along time (a year's quarters, a quarter's months)."""
        parts = children_periods(period)
        if not parts:
            return None
        return sum((self.values.get((p, tier), ZERO) for p in parts), ZERO)

    def months_sum(self, tier: str) -> Decimal:
        return sum((self.values.get((f"M{m}", tier), ZERO) for m in range(1, 13)), ZERO)

    def walk(self) -> Iterator["TreeNode"]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class PlanTree:
    roots: list[TreeNode]
    nodes: dict[Key, TreeNode]

    def walk(self) -> Iterator[TreeNode]:
        for r in self.roots:
            yield from r.walk()


def build_tree(
    *,
    departments: Iterable[tuple[int, int | None, str]],  # (id, parent id, name), parents before children
    employees: Iterable[tuple[int, int, str, str, bool]],  # (id, department id, name, role, active)
    values: Iterable[tuple[Key, str, Decimal | None, Decimal | None, Decimal | None]],  # node, period, tiers
) -> PlanTree:
    nodes: dict[Key, TreeNode] = {}
    roots: list[TreeNode] = []
    for d, parent_id, name in departments:
        parent = nodes.get(("d", parent_id)) if parent_id is not None else None
        node = TreeNode("d", d, name, depth=parent.depth + 1 if parent else 0, parent=parent)
        nodes[node.key] = node
        (parent.children if parent else roots).append(node)
    for e, d, name, role, active in employees:
        dept = nodes.get(("d", d))
        if dept is None:
            continue
        node = TreeNode("e", e, name, depth=dept.depth + 1, parent=dept, role=role, active=active)
        nodes[node.key] = node
        dept.children.append(node)
    for key, period, target, sprint, challenge in values:
        holder = nodes.get(key)
        if holder is None:
            continue
        for tier, v in ((Tier.TARGET, target), (Tier.SPRINT, sprint), (Tier.CHALLENGE, challenge)):
            if v is not None:
                holder.values[(period, str(tier))] = v
    return PlanTree(roots=roots, nodes=nodes)


@dataclass(frozen=True)
class Problem:
    """Where a plan does not add up: a node, a period, a tier, what it holds and what its parts add up to."""

    node: Key
    name: str
    period: str
    tier: str
    kind: str  # "tree": children vs the department; "time": parts vs the period
    value: Decimal
    parts: Decimal


def problems(tree: PlanTree, *, tiers: int, allow_department_surplus: bool) -> list[Problem]:
    """Every place where the plan does not add up, in tree order (department before its members, Y before M12)."""
    found: list[Problem] = []
    tier_names = tiers_of(tiers)
    for node in tree.walk():
        for tier in tier_names:
            for period in PERIODS:
                value = node.values.get((period, tier), ZERO)
                children = node.children_sum(period, tier)
                if children is not None and node.kind == "d":
                    surplus_ok = allow_department_surplus and value >= children
                    if value != children and not surplus_ok:
                        found.append(Problem(node.key, node.name, period, tier, "tree", value, children))
                parts = node.time_sum(period, tier)
                if parts is not None and parts != value:
                    found.append(Problem(node.key, node.name, period, tier, "time", value, parts))
    return found
