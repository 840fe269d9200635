"""Factories for org rows. An organization gets its defaults and a department its tree path the same way
services give them."""

from typing import Any

import factory
from django.utils import timezone

from fieldloop.org.defaults import organization_defaults_create
from fieldloop.org.models import Department, Employee, Organization, Role, User
from fieldloop.org.services import _save_department_path

TEST_PASSWORD = "correct-horse-battery-9"


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    """An organization with every app's defaults, as `organization_sign_up` creates it."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试公司{n}")

    @classmethod
    def _create(cls, model_class: type[Organization], *args: Any, **kwargs: Any) -> Organization:
        org = super()._create(model_class, *args, **kwargs)
        organization_defaults_create(org=org)
        return org


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    org = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"部门{n}")
    parent = None

    @classmethod
    def _create(cls, model_class: type[Department], **kwargs: Any) -> Department:  # type: ignore[override]
        department = model_class(**kwargs)
        _save_department_path(department)
        return department


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class EmployeeFactory(factory.django.DjangoModelFactory[Employee]):
    class Meta:
        model = Employee

    org = factory.LazyAttribute(lambda o: o.department.org)
    department = factory.SubFactory(DepartmentFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"员工{n}")
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    role = Role.REP
    joined_on = factory.LazyFunction(timezone.localdate)
