"""The product catalogue's writes (administrators): categories (a tree: create, rename, move, delete when
unused) and products (create, edit, deactivate, reactivate, and many at once for imports and the demo).

Every write checks `MANAGE_ORGANIZATION` (the catalogue is the organization's configuration), runs in one
transaction and goes to the audit history. A product's SKU is unique per organization: checked first for a
field-level error, and by the database constraint for two admins racing. A category in use (products or
sub-categories) is not deleted: the error says what still uses it. Products are never deleted, only
deactivated: orders point at them.
"""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.core import bulk
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.core.input_guard import is_unsafe_text
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from .models import Product, ProductCategory

CATEGORY_NAME_LIMIT = 100
CATEGORY_DEPTH_LIMIT = 5  # levels of the tree, the top one included
SKU_LIMIT = 64
NAME_LIMIT = 200
UNIT_LIMIT = 20
DESCRIPTION_LIMIT = 2000
PRICE_LIMIT = Decimal("999999999999.99")  # max_digits=14, decimal_places=2
PRODUCT_FIELDS = ("sku", "name", "unit", "list_price", "category_id", "description", "is_active")
UNSET: Any = object()


def _correct_below(errors: Mapping[str, list[Any]], code: ErrorCode = ErrorCode.INVALID) -> ServiceError:
    return ServiceError(code, _("Please correct the errors below."), dict(errors))


# --- Categories ------------------------------------------------------------------------------------------


def _categories(actor: Employee, *, lock: bool = False) -> dict[int, ProductCategory]:
    """The organization's categories by id (a catalogue has tens of them: read whole, one query); locked in id
    order when asked, so two admins moving categories cannot make a cycle between them."""
    qs = ProductCategory.objects.filter(org_id=actor.org_id).order_by("pk")
    if lock:
        qs = qs.select_for_update()
    return {c.pk: c for c in qs}


def _depth(categories: dict[int, ProductCategory], category_id: int | None) -> int:
    """Levels from the top down to `category_id` (a top category is 1; None, the root, is 0)."""
    depth = 0
    seen: set[int] = set()
    while category_id is not None and category_id not in seen:
        seen.add(category_id)
        depth += 1
        category_id = categories[category_id].parent_id if category_id in categories else None
    return depth


def _subtree_height(categories: dict[int, ProductCategory], category_id: int) -> int:
    """Levels of the subtree under `category_id`, itself included."""
    children = [c.pk for c in categories.values() if c.parent_id == category_id]
    return 1 + max((_subtree_height(categories, child) for child in children), default=0)


def category_descendants(categories: Iterable[ProductCategory], category_id: int) -> set[int]:
    """`category_id` and every category below it."""
    by_parent: dict[int | None, list[int]] = {}
    for c in categories:
        by_parent.setdefault(c.parent_id, []).append(c.pk)
    found, todo = set(), [category_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(by_parent.get(current, []))
    return found


def _clean_category(
    categories: dict[int, ProductCategory], *, name: Any, parent_id: int | None, exclude_id: int | None = None
) -> str:
    errors: dict[str, list[Any]] = {}
    text = str(name or "").strip()
    if not text:
        errors["name"] = [_("This field is required.")]
    elif len(text) > CATEGORY_NAME_LIMIT:
        errors["name"] = [_("Enter at most %(limit)d characters.") % {"limit": CATEGORY_NAME_LIMIT}]
    elif is_unsafe_text(text):
        errors["name"] = [_("Remove the invisible control characters.")]
    elif any(
        c.parent_id == parent_id and c.name.casefold() == text.casefold() and c.pk != exclude_id
        for c in categories.values()
    ):
        errors["name"] = [_("A category with this name already exists here.")]
    if parent_id is not None:
        if parent_id not in categories:
            errors["parent_id"] = [_("Choose a category of this catalogue.")]
        elif exclude_id is not None and parent_id in category_descendants(categories.values(), exclude_id):
            errors["parent_id"] = [_("A category cannot move under itself or one of its sub-categories.")]
        else:
            height = _subtree_height(categories, exclude_id) if exclude_id is not None else 1
            if _depth(categories, parent_id) + height > CATEGORY_DEPTH_LIMIT:
                errors["parent_id"] = [
                    _("Categories go at most %(limit)d levels deep.") % {"limit": CATEGORY_DEPTH_LIMIT}
                ]
    if errors:
        duplicate = "name" in errors and errors["name"][0] == _("A category with this name already exists here.")
        raise _correct_below(errors, ErrorCode.DUPLICATE if duplicate else ErrorCode.INVALID)
    return text


@transaction.atomic
def category_create(
    *, actor: Employee, name: str, parent_id: int | None = None, sort_order: int = 0
) -> ProductCategory:
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    categories = _categories(actor, lock=True)
    clean = _clean_category(categories, name=name, parent_id=parent_id)
    category = ProductCategory.objects.create(
        org_id=actor.org_id, name=clean, parent_id=parent_id, sort_order=max(int(sort_order or 0), 0)
    )
    audit(actor=actor, org=actor.org, action="sales.category_create", obj=category, changes={"name": clean})
    return category


@transaction.atomic
def category_update(
    *, actor: Employee, category_id: int, name: str | None = None, parent_id: Any = UNSET, sort_order: int | None = None
) -> ProductCategory:
    """Rename, move (under another category, or to the top with `parent_id=None`) or reorder a category."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    categories = _categories(actor, lock=True)
    category = categories.get(category_id)
    if category is None:
        raise not_found()
    new_parent = category.parent_id if parent_id is UNSET else parent_id
    clean = _clean_category(
        categories, name=category.name if name is None else name, parent_id=new_parent, exclude_id=category.pk
    )
    before = {"name": category.name, "parent_id": category.parent_id, "sort_order": category.sort_order}
    category.name, category.parent_id = clean, new_parent
    if sort_order is not None:
        category.sort_order = max(int(sort_order), 0)
    category.save(update_fields=["name", "parent", "sort_order", "updated_at"])
    after = {"name": category.name, "parent_id": category.parent_id, "sort_order": category.sort_order}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit(actor=actor, org=actor.org, action="sales.category_update", obj=category, changes=changes)
    return category


@transaction.atomic
def category_delete(*, actor: Employee, category_id: int) -> None:
    """Delete a category nothing uses; one with products or sub-categories is refused, saying which."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    categories = _categories(actor, lock=True)
    category = categories.get(category_id)
    if category is None:
        raise not_found()
    children = sum(1 for c in categories.values() if c.parent_id == category.pk)
    products = Product.objects.filter(org_id=actor.org_id, category_id=category.pk).count()
    if children or products:
        parts = []
        if products:
            parts.append(ngettext("%(count)d product", "%(count)d products", products) % {"count": products})
        if children:
            parts.append(ngettext("%(count)d sub-category", "%(count)d sub-categories", children) % {"count": children})
        message = _("“%(name)s” is still used by %(what)s: move them first.") % {
            "name": category.name,
            "what": _(", ").join(parts),
        }
        raise ServiceError(ErrorCode.CONFLICT, message, {"category": [message]})
    audit(actor=actor, org=actor.org, action="sales.category_delete", obj=category, changes={"name": category.name})
    category.delete()


# --- Products --------------------------------------------------------------------------------------------


def _text(errors: dict[str, list[Any]], values: Mapping[str, Any], name: str, limit: int, *, required: bool) -> str:
    text = str(values.get(name) or "").strip()
    if required and not text:
        errors[name] = [_("This field is required.")]
    elif len(text) > limit:
        errors[name] = [_("Enter at most %(limit)d characters.") % {"limit": limit}]
    elif is_unsafe_text(text):
        errors[name] = [_("Remove the invisible control characters.")]
    return text


def price_from(value: Any) -> Decimal:
    """A list price from a number or text ("1,200.50", "¥ 80"), or ValueError with the reason."""
    if isinstance(value, bool):
        raise ValueError(_("Enter a number."))
    text = str(value).strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not price.is_finite():
        raise ValueError(_("Enter a number."))
    if price < 0:
        raise ValueError(_("A list price cannot be negative."))
    if price > PRICE_LIMIT:
        raise ValueError(_("Enter a price below one trillion."))
    if price != price.quantize(Decimal("0.01")):
        raise ValueError(_("Enter at most two decimal places."))
    return price.quantize(Decimal("0.01"))


def product_validate(
    *, actor: Employee, values: Mapping[str, Any], categories: Mapping[int, Any] | None = None
) -> dict[str, Any]:
    """The product's fields from `values` (the keys given; `sku`, `name` and `list_price` required), or a
    ServiceError with every field's message. `categories`: the organization's category ids, when the caller
    has them (an import); else looked up. Says nothing of SKU uniqueness (the caller checks it in bulk)."""
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {
        "sku": _text(errors, values, "sku", SKU_LIMIT, required=True),
        "name": _text(errors, values, "name", NAME_LIMIT, required=True),
        "unit": _text(errors, values, "unit", UNIT_LIMIT, required=False),
        "description": _text(errors, values, "description", DESCRIPTION_LIMIT, required=False),
    }
    if clean["sku"] and any(ch.isspace() for ch in clean["sku"]):
        errors["sku"] = [_("A SKU code has no spaces.")]
    price = values.get("list_price")
    if price is None or str(price).strip() == "":
        errors["list_price"] = [_("This field is required.")]
    else:
        try:
            clean["list_price"] = price_from(price)
        except ValueError as e:
            errors["list_price"] = [str(e)]
    category_id = values.get("category_id")
    if category_id in ("", None):
        clean["category_id"] = None
    else:
        try:
            category_id = int(category_id)
        except (TypeError, ValueError):
            category_id = -1
        known = (
            category_id in categories
            if categories is not None
            else ProductCategory.objects.filter(org_id=actor.org_id, pk=category_id).exists()
        )
        if not known:
            errors["category_id"] = [_("Choose a category of this catalogue.")]
        clean["category_id"] = category_id
    if "is_active" in values:
        clean["is_active"] = bool(values["is_active"])
    if errors:
        raise _correct_below(errors)
    return clean


def sku_taken_error() -> ServiceError:
    return invalid("sku", _("Another product already has this SKU code."), ErrorCode.DUPLICATE)


def _sku_taken(actor: Employee, sku: str, exclude_id: int | None = None) -> bool:
    qs = Product.objects.filter(org_id=actor.org_id, sku=sku)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def _save_refusing_duplicate(product: Product, **kwargs: Any) -> None:
    """Save; a concurrent product with the same SKU (the database's constraint) is the same field error."""
    try:
        with transaction.atomic():
            product.save(**kwargs)
    except IntegrityError:
        raise sku_taken_error() from None


@transaction.atomic
def product_create(
    *,
    actor: Employee,
    sku: str,
    name: str,
    list_price: Any,
    unit: str = "",
    category_id: int | None = None,
    description: str = "",
) -> Product:
    """A new active product of the catalogue."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    values = {"sku": sku, "name": name, "list_price": list_price, "unit": unit, "category_id": category_id}
    clean = product_validate(actor=actor, values=values | {"description": description})
    if _sku_taken(actor, clean["sku"]):
        raise sku_taken_error()
    product = Product(org_id=actor.org_id, **clean)
    _save_refusing_duplicate(product)
    audit(actor=actor, org=actor.org, action="sales.product_create", obj=product, changes={"sku": product.sku})
    return product


def _locked_product(actor: Employee, product_id: int) -> Product:
    product = Product.objects.select_for_update().filter(org_id=actor.org_id, pk=product_id).first()
    if product is None:
        raise not_found()
    return product


@transaction.atomic
def product_update(*, actor: Employee, product_id: int, values: Mapping[str, Any]) -> Product:
    """Change the fields given in `values` (sku, name, unit, list_price, category_id, description)."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    product = _locked_product(actor, product_id)
    unknown = set(values) - set(PRODUCT_FIELDS) - {"is_active"}
    if unknown:
        raise invalid(sorted(unknown)[0], _("This field cannot be changed here."))
    current = {name: getattr(product, name) for name in PRODUCT_FIELDS}
    clean = product_validate(actor=actor, values=current | dict(values))
    if clean["sku"] != product.sku and _sku_taken(actor, clean["sku"], exclude_id=product.pk):
        raise sku_taken_error()
    changes = {k: [str(current[k]), str(v)] for k, v in clean.items() if current.get(k) != v}
    if not changes:
        return product
    for name, value in clean.items():
        setattr(product, name, value)
    _save_refusing_duplicate(product)
    audit(actor=actor, org=actor.org, action="sales.product_update", obj=product, changes=changes)
    return product


@transaction.atomic
def product_set_active(*, actor: Employee, product_id: int, active: bool) -> Product:
    """Deactivate a product (no longer offered for new orders and forms; those that have it keep it) or
    reactivate it. Setting what it already is changes nothing."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    product = _locked_product(actor, product_id)
    if product.is_active != active:
        product.is_active = active
        product.save(update_fields=["is_active", "updated_at"])
        action = "sales.product_reactivate" if active else "sales.product_deactivate"
        audit(actor=actor, org=actor.org, action=action, obj=product, changes={"is_active": [not active, active]})
    return product


def product_rows_write(*, actor: Employee, rows: list[dict[str, Any]]) -> int:
    """Insert checked products (`product_validate`'s fields, SKUs not taken) in one statement per table (COPY
    on PostgreSQL, one executemany on SQLite), in the caller's transaction; returns how many."""
    now = timezone.now()
    columns = ("org_id", "created_at", "updated_at", *PRODUCT_FIELDS)
    defaults = {"unit": "", "description": "", "category_id": None, "is_active": True}
    return bulk.insert_rows(
        Product,
        columns,
        ((actor.org_id, now, now, *((defaults | r)[name] for name in PRODUCT_FIELDS)) for r in rows),
    )


@transaction.atomic
def products_bulk_create(*, actor: Employee, products: Sequence[Mapping[str, Any]]) -> int:
    """Many products at once (the demo's catalogue, a script): each checked as `product_create` checks it, the
    SKUs against the catalogue and each other with one query; all or nothing, written in bulk. A refusal
    names the first broken entry (`products[<index>].<field>`)."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    categories = set(ProductCategory.objects.filter(org_id=actor.org_id).values_list("pk", flat=True))
    cleaned: list[tuple[int, dict[str, Any]]] = []
    errors: dict[str, list[Any]] = {}
    seen: set[str] = set()
    for index, values in enumerate(products):
        try:
            clean = product_validate(actor=actor, values=values, categories=dict.fromkeys(categories))
        except ServiceError as e:
            errors |= {f"products[{index}].{name}": messages for name, messages in e.fields.items()}
            continue
        if clean["sku"] in seen:
            errors[f"products[{index}].sku"] = [_("This SKU code is given twice.")]
        seen.add(clean["sku"])
        cleaned.append((index, clean))
    taken = set(Product.objects.filter(org_id=actor.org_id, sku__in=seen).values_list("sku", flat=True))
    for index, clean in cleaned:
        if clean["sku"] in taken:
            errors[f"products[{index}].sku"] = [_("Another product already has this SKU code.")]
    if errors:
        raise _correct_below(errors)
    written = product_rows_write(actor=actor, rows=[clean for _index, clean in cleaned])
    audit(actor=actor, org=actor.org, action="sales.products_bulk_create", obj=actor.org, changes={"count": written})
    return written
