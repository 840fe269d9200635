"""Helpers for form template tests: uploads go to a temporary media directory."""

import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import Cast
from fieldloop.formtemplates import references, services
from fieldloop.formtemplates.models import Attachment, FormTemplate, FormTemplateVersion


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def reference_kinds() -> Any:
    """The registered reference kinds as the apps left them, restored after a test that replaces or removes one
    (the sales app registers products: a test of an unregistered kind removes it for itself only)."""
    saved = dict(references._REGISTRY)
    yield
    references._REGISTRY.clear()
    references._REGISTRY.update(saved)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def photo_upload(name: str = "shop.jpg", fmt: str = "JPEG") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(fmt), content_type="image/jpeg")


def upload(actor: Any, kind: str = "photo", content: bytes | None = None, name: str = "shop.jpg") -> Attachment:
    data = image_bytes() if content is None else content
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return services.attachment_upload(actor=actor, client_id=uuid.uuid4(), upload=file, kind=kind)


def make_template(cast: Cast, fields: list[dict[str, Any]], **kwargs: Any) -> FormTemplate:
    options = {"purpose": "visit", "name": "门店巡检", "name_en": "Store check", **kwargs}
    return services.template_create(actor=cast.admin, fields=fields, **options)


def version_of(template: FormTemplate) -> FormTemplateVersion:
    template.refresh_from_db()
    assert template.current_version is not None
    return template.current_version
