"""Photos as the company keeps them (issue 4): what is stored is the re-encoded, watermarked JPEG without the
original's metadata, with a thumbnail beside it; a replay returns the first attachment; a refused upload
leaves nothing behind; a record's photos are reached only through a record the viewer may see."""

import hashlib
import struct
import uuid
import zlib
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import cast as type_cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageChops

from fieldloop.activities.models import WorkRecord
from fieldloop.activities.tests.helpers import VISIT_VALUES, customer, template
from fieldloop.core.errors import ServiceError
from fieldloop.core.geo import Position
from fieldloop.core.photos import THUMBNAIL_SIDE, process_photo
from fieldloop.formtemplates import services
from fieldloop.formtemplates.models import Attachment, Purpose
from fieldloop.formtemplates.services import PhotoPosition, photo_watermark
from fieldloop.formtemplates.values_form import TemplateValuesForm

from .conftest import make_template, version_of
from .test_api import api

GPS_IFD = 0x8825
BLUE = (40, 120, 200)


def photo_bytes(size: tuple[int, int] = (800, 600), fmt: str = "JPEG", gps: bool = False) -> bytes:
    image = Image.new("RGB", size, BLUE)
    out = BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def huge_png_header(width: int = 10_000, height: int = 10_000) -> bytes:
    """A PNG that claims 100 megapixels in its header: refused before a single pixel is decoded."""
    small = BytesIO()
    Image.new("RGB", (1, 1)).save(small, "PNG")
    data = bytearray(small.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def send(actor, data: bytes, name: str = "shop.jpg", client_id=None, **position) -> Attachment:
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    where = services.photo_position(**position) if position else None
    return services.attachment_upload(
        actor=actor, client_id=client_id or uuid.uuid4(), upload=upload, kind="photo", position=where
    )


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def opened(field) -> Image.Image:
    with field.open("rb") as f:
        image = Image.open(BytesIO(f.read()))
        image.load()
    return image


def largest_difference(a: Image.Image, b: Image.Image) -> int:
    """The largest difference of one channel of one pixel between two images of the same size."""
    extrema = type_cast(tuple[tuple[int, int], ...], ImageChops.difference(a, b).getextrema())
    return max(high for _low, high in extrema)


def band_top(image: Image.Image) -> int:
    """The first row (from the top) of the dark watermark band, read at the right edge where no text is."""
    x = image.width - 3
    for y in range(image.height - 1, -1, -1):
        pixel = image.getpixel((x, y))
        assert isinstance(pixel, tuple)
        if pixel[2] > 150:  # the original blue again
            return y + 1
    return 0


# --- What is stored --------------------------------------------------------------------------------


def test_the_stored_photo_is_a_fresh_jpeg_without_the_originals_gps(cast):
    original = photo_bytes(fmt="PNG", gps=True)
    assert Image.open(BytesIO(original)).getexif().get_ifd(GPS_IFD), "the fixture carries a GPS position"
    attachment = send(cast.rep, original, name="IMG_0001.png")
    with attachment.file.open("rb") as f:
        stored = f.read()
    assert stored != original
    image = Image.open(BytesIO(stored))
    assert image.format == "JPEG"
    assert not image.getexif().get_ifd(GPS_IFD)
    assert 0x010F not in image.getexif()  # nor the device
    assert attachment.content_type == "image/jpeg"
    assert attachment.sha256 == hashlib.sha256(original).hexdigest()  # of what was sent: replays are recognised
    assert attachment.original_size == len(original)
    assert attachment.size == len(stored)
    assert attachment.original_name == "IMG_0001.png"


def test_the_stored_photo_carries_the_watermark_at_the_bottom(cast):
    original = photo_bytes()
    attachment = send(cast.rep, original)
    stored = opened(attachment.file)
    plain = Image.open(BytesIO(process_photo(original, watermark=[]).jpeg)).convert("RGB")
    width, height = stored.size
    bottom = (0, height - 60, width, height)
    top = (0, 0, width, 60)
    assert largest_difference(stored.crop(bottom), plain.crop(bottom)) > 60
    assert largest_difference(stored.crop(top), plain.crop(top)) < 16


def test_the_watermark_names_the_employee_the_time_in_the_orgs_zone_and_the_position(cast):
    cast.org.time_zone = "America/New_York"
    cast.org.save(update_fields=["time_zone"])
    cast.rep.refresh_from_db()
    taken = datetime(2026, 7, 1, 2, 30, tzinfo=UTC)
    where = PhotoPosition(Position(31.2304, 121.4737, 12.4), "上海市黄浦区南京东路 100 号")
    lines = photo_watermark(actor=cast.rep, taken_at=taken, position=where)
    assert lines[0] == f"{cast.rep.name} · {cast.org.name}"
    assert lines[1] == "2026-06-30 22:30 America/New_York"
    assert lines[2] == "上海市黄浦区南京东路 100 号"
    assert lines[3] == "31.230400, 121.473700 ±12 m"
    with translation.override("zh-hans"):
        assert photo_watermark(actor=cast.rep, taken_at=taken, position=None)[-1] == "无位置"
    with translation.override("en"):
        assert photo_watermark(actor=cast.rep, taken_at=taken, position=None)[-1] == "no position"


def test_a_thumbnail_is_stored_beside_the_photo_and_is_small(cast):
    attachment = send(cast.rep, photo_bytes(size=(3000, 2000)))
    assert attachment.thumbnail
    assert attachment.thumbnail.name != attachment.file.name
    assert str(attachment.thumbnail.name).startswith(f"attachments/{cast.org.pk}/")
    thumbnail = opened(attachment.thumbnail)
    assert max(thumbnail.size) == THUMBNAIL_SIDE
    assert attachment.thumbnail.size < 30_000
    assert max(opened(attachment.file).size) == 2048


def test_a_replayed_upload_returns_the_first_attachment_and_stores_nothing_more(cast, media_root):
    original = photo_bytes(gps=True)
    client_id = uuid.uuid4()
    first = send(cast.rep, original, client_id=client_id)
    files = stored_files(media_root)
    assert len(files) == 2  # the photo and its thumbnail
    again = send(cast.rep, original, client_id=client_id, latitude=31.2, longitude=121.4, accuracy=10)
    assert again.pk == first.pk
    assert stored_files(media_root) == files
    with pytest.raises(ServiceError) as e:
        send(cast.rep, photo_bytes(size=(640, 480)), client_id=client_id)
    assert e.value.code == "idempotency_mismatch"
    assert Attachment.objects.count() == 1
    assert stored_files(media_root) == files


def test_another_employee_cannot_take_over_an_upload_by_its_client_id(cast):
    original = photo_bytes()
    client_id = uuid.uuid4()
    send(cast.rep, original, client_id=client_id)
    with pytest.raises(ServiceError) as e:
        send(cast.rep2, original, client_id=client_id)
    assert e.value.code == "idempotency_mismatch"


# --- Refused uploads leave nothing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not a photo at all", "report.jpg", "This file is not a photo (JPEG, PNG or WebP)."),
        (photo_bytes(size=(8, 8), fmt="GIF"), "a.gif", "Photos must be JPEG, PNG or WebP (this is GIF)."),
        (huge_png_header(), "huge.png", "The photo has too many pixels (at most 50 megapixels)."),
        (huge_png_header(20_000, 20_000), "bomb.png", "The photo has too many pixels (at most 50 megapixels)."),
        (photo_bytes(fmt="PNG")[:-60], "cut.png", "The photo is damaged and cannot be read."),
    ],
    ids=["not-an-image", "wrong-type", "too-many-pixels", "decompression-bomb", "damaged"],
)
def test_a_refused_photo_gets_a_field_error_and_leaves_no_row_and_no_file(cast, media_root, content, name, message):
    with translation.override("en"), pytest.raises(ServiceError) as e:
        send(cast.rep, content, name=name)
    assert e.value.fields["file"] == [message]
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_photo_over_the_hard_cap_is_refused_in_the_users_language(cast, media_root):
    too_big = photo_bytes() + b"\0" * (20 * 1024 * 1024)
    with translation.override("zh-hans"), pytest.raises(ServiceError) as e:
        send(cast.rep, too_big)
    message = str(e.value.fields["file"][0])
    assert "20" in message and "MB" in message
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("position", "field"),
    [
        ({"latitude": 95.0, "longitude": 121.4, "accuracy": 10.0}, "latitude"),
        ({"latitude": 31.2, "longitude": 121.4}, "accuracy"),
        ({"latitude": 31.2, "accuracy": 10.0}, "longitude"),
    ],
)
def test_a_bad_position_with_a_photo_is_refused_on_its_field(cast, media_root, position, field):
    with pytest.raises(ServiceError) as e:
        send(cast.rep, photo_bytes(), **position)
    assert field in e.value.fields
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


# --- The API ---------------------------------------------------------------------------------------


def test_the_api_uploads_a_photo_with_its_position_drawn_on_it(cast):
    client = api(cast.rep, language="en")
    original = photo_bytes(gps=True)
    body = {
        "kind": "photo",
        "file": SimpleUploadedFile("shop.jpg", original, content_type="image/jpeg"),
        "latitude": "31.2304",
        "longitude": "121.4737",
        "accuracy": "8",
        "address": "上海市黄浦区南京东路 100 号",
    }
    response = client.post("/api/v1/attachments", body, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 201, response.content
    data = response.json()
    attachment = Attachment.objects.get(pk=data["id"])
    assert data["content_type"] == "image/jpeg"
    assert data["original_size"] == len(original)
    assert data["size"] == attachment.file.size
    assert data["sha256"] == hashlib.sha256(original).hexdigest()
    with_position = opened(attachment.file)
    without = opened(send(cast.rep, original).file)
    # four lines (who, when, address, coordinates) against three (who, when, "no position")
    line_height = int(max(14, with_position.width // 36) * 1.35)
    assert abs((band_top(without) - band_top(with_position)) - line_height) <= 3
    assert not with_position.getexif().get_ifd(GPS_IFD)


def test_the_api_refuses_a_position_without_accuracy_on_its_field(cast):
    client = api(cast.rep, language="en")
    body = {
        "kind": "photo",
        "file": SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg"),
        "latitude": "31.2304",
        "longitude": "121.4737",
    }
    response = client.post("/api/v1/attachments", body, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 400
    assert response.json()["fields"]["accuracy"] == ["The position has no accuracy; the device must report one."]
    assert not Attachment.objects.exists()


# --- The web form ------------------------------------------------------------------------------------

PHOTO_FIELD = {"key": "shop", "type": "photo", "label": "门头照片", "label_en": "Storefront"}


def test_a_camera_only_photo_field_asks_phones_for_the_camera(cast):
    camera = make_template(cast, [{**PHOTO_FIELD, "options": {"camera_only": True}}])
    html = str(TemplateValuesForm(version=version_of(camera), actor=cast.rep)["shop"])
    assert 'accept="image/*"' in html
    assert 'capture="environment"' in html
    assert 'data-testid="camera-only-shop"' in html


def test_a_photo_field_without_the_option_allows_the_gallery(cast):
    gallery = make_template(cast, [PHOTO_FIELD])
    html = str(TemplateValuesForm(version=version_of(gallery), actor=cast.rep)["shop"])
    assert 'accept="image/*"' in html
    assert "capture=" not in html
    assert 'name="shop-latitude"' in html  # filled by photo_input.js from the browser's position


def visit_url(cast, shop) -> str:
    return f"/work/new/{template(cast.rep, Purpose.VISIT).pk}/?customer={shop.pk}"


def visit_post(shop, photo: bytes, name: str = "shop.jpg", **extra) -> dict:
    data = {
        "client_id": str(uuid.uuid4()),
        "customer_id": shop.pk,
        **{f"v-{k}": v for k, v in VISIT_VALUES.items()},
        "v-storefront_photo": SimpleUploadedFile(name, photo, content_type="image/jpeg"),
    }
    return {**data, **extra}


def test_a_photo_sent_with_a_record_form_is_stored_watermarked_with_the_browsers_position(cast, media_root):
    shop = customer(cast.rep)
    client = cast.client_for(cast.rep)
    position = {"v-storefront_photo-latitude": "31.23", "v-storefront_photo-longitude": "121.47"}
    response = client.post(
        visit_url(cast, shop),
        visit_post(shop, photo_bytes(gps=True), **position, **{"v-storefront_photo-accuracy": "9.5"}),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = WorkRecord.objects.get()
    [photo_id] = record.values["storefront_photo"]
    attachment = Attachment.objects.get(pk=photo_id)
    assert attachment.thumbnail
    stored = opened(attachment.file)
    assert not stored.getexif().get_ifd(GPS_IFD)
    line_height = int(max(14, stored.width // 36) * 1.35)
    padding = max(14, stored.width // 36) // 2
    assert abs(stored.height - band_top(stored) - (padding * 2 + line_height * 3)) <= 3  # who, when, where


def test_a_record_form_sent_twice_stores_its_photo_once(cast, media_root):
    shop = customer(cast.rep)
    client = cast.client_for(cast.rep)
    data = visit_post(shop, photo_bytes())
    first = client.post(visit_url(cast, shop), data)
    data["v-storefront_photo"].seek(0)
    again = client.post(visit_url(cast, shop), data)  # the offline outbox may send it more than once
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert WorkRecord.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert len(stored_files(media_root)) == 2


def test_a_record_form_with_a_file_that_is_not_a_photo_says_so_on_the_field_and_stores_nothing(cast, media_root):
    shop = customer(cast.rep)
    client = cast.client_for(cast.rep)
    response = client.post(visit_url(cast, shop), visit_post(shop, b"MZ\x90\x00 an executable", name="shop.jpg"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-storefront_photo"' in html
    assert "该文件不是照片（JPEG、PNG 或 WebP）。" in html
    assert not WorkRecord.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


# --- Seeing the photos ---------------------------------------------------------------------------------


def filed_visit_with_photo(cast) -> tuple[WorkRecord, Attachment]:
    shop = customer(cast.rep)
    cast.client_for(cast.rep).post(visit_url(cast, shop), visit_post(shop, photo_bytes()))
    record = WorkRecord.objects.get(customer=shop)
    return record, Attachment.objects.get(pk=record.values["storefront_photo"][0])


def test_the_record_page_the_feed_and_the_timeline_show_thumbnails_linking_to_the_photo(cast):
    record, photo = filed_visit_with_photo(cast)
    full = f"/work/{record.pk}/attachments/{photo.pk}/"
    thumbnail = f"/work/{record.pk}/attachments/{photo.pk}/thumbnail/"
    manager = cast.client_for(cast.manager)
    for page in (f"/work/{record.pk}/", "/work/", f"/customers/{record.customer_id}/"):
        html = manager.get(page).content.decode()
        assert f'href="{full}"' in html, page
        assert f'src="{thumbnail}"' in html, page
    served = manager.get(thumbnail)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, max-age=86400"
    assert max(Image.open(BytesIO(b"".join(served.streaming_content))).size) == THUMBNAIL_SIDE
    full_photo = manager.get(full)
    assert full_photo.status_code == 200
    assert "inline" in full_photo["Content-Disposition"]


def test_the_edit_page_shows_the_stored_photos(cast):
    record, photo = filed_visit_with_photo(cast)
    html = cast.client_for(cast.rep).get(f"/work/{record.pk}/edit/").content.decode()
    assert f'data-testid="stored-photo-{photo.pk}"' in html
    assert f'src="/work/{record.pk}/attachments/{photo.pk}/thumbnail/"' in html


def test_a_photo_is_not_found_for_whoever_may_not_see_its_record(cast):
    record, photo = filed_visit_with_photo(cast)
    for who in (cast.rep2, cast.other_branch_rep, cast.outsider):  # a colleague, another branch, another company
        client = cast.client_for(who)
        assert client.get(f"/work/{record.pk}/attachments/{photo.pk}/").status_code == 404
        assert client.get(f"/work/{record.pk}/attachments/{photo.pk}/thumbnail/").status_code == 404
    assert cast.client_for(cast.admin).get(f"/work/{record.pk}/attachments/{photo.pk}/").status_code == 200


def test_a_photo_is_reached_only_through_a_record_that_holds_it(cast):
    record, _photo = filed_visit_with_photo(cast)
    other = send(cast.rep, photo_bytes())  # the rep's own, but not on this record
    client = cast.client_for(cast.rep)
    assert client.get(f"/work/{record.pk}/attachments/{other.pk}/").status_code == 404
    assert client.get(f"/media/{other.file.name}").status_code == 404  # MEDIA_URL is not served


# --- A customer's photo fields ---------------------------------------------------------------------------


def customer_with_photo(cast) -> tuple[int, Attachment]:
    from fieldloop.customers import services as customer_services
    from fieldloop.formtemplates.selectors import customer_template
    from fieldloop.formtemplates.services import template_publish

    template = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=template.pk, fields=[{**PHOTO_FIELD, "key": "storefront"}])
    photo = send(cast.rep, photo_bytes())
    shop, _created = customer_services.customer_create(
        actor=cast.rep, client_id=uuid.uuid4(), name="杭州湖滨五金店", custom_values={"storefront": [photo.pk]}
    )
    return shop.pk, photo


def test_a_customers_photo_shows_as_a_thumbnail_for_whoever_sees_the_customer_only(cast):
    shop_id, photo = customer_with_photo(cast)
    full = f"/customers/{shop_id}/attachments/{photo.pk}/"
    manager = cast.client_for(cast.manager)
    html = manager.get(f"/customers/{shop_id}/").content.decode()
    assert f'href="{full}"' in html
    assert f'src="{full}thumbnail/"' in html
    assert manager.get(f"{full}thumbnail/").status_code == 200
    edit = cast.client_for(cast.rep).get(f"/customers/{shop_id}/edit/").content.decode()
    assert f'data-testid="stored-photo-{photo.pk}"' in edit
    for who in (cast.rep2, cast.other_branch_rep, cast.outsider):
        assert cast.client_for(who).get(full).status_code == 404
    other = send(cast.rep, photo_bytes(size=(640, 480)))
    assert cast.client_for(cast.rep).get(f"/customers/{shop_id}/attachments/{other.pk}/").status_code == 404


def test_the_watermark_shows_when_the_photo_was_taken_not_when_it_arrived(cast):
    def stored(taken_at):
        upload = SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg")
        attachment = services.attachment_upload(
            actor=cast.rep, client_id=uuid.uuid4(), upload=upload, kind="photo", taken_at=taken_at
        )
        return opened(attachment.file).convert("RGB")

    morning = datetime(2026, 11, 28, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai, sent hours later
    first, again, later = stored(morning), stored(morning), stored(datetime(2026, 11, 28, 5, 0, tzinfo=UTC))

    assert ImageChops.difference(first, again).getbbox() is None  # the same moment draws the same mark
    changed = ImageChops.difference(first, later).getbbox()
    assert changed is not None and changed[1] > first.height * 0.7  # only the watermark band differs
