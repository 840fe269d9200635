from io import BytesIO

import pytest
from django.utils import translation
from PIL import Image, ImageChops

from fieldloop.core.errors import ServiceError
from fieldloop.core.photos import FONT_PATHS, MAX_SIDE, THUMBNAIL_SIDE, process_photo, watermark_font

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo(size=(800, 600), color=(40, 120, 200), fmt="JPEG", mode="RGB", exif=None) -> bytes:
    image = Image.new(mode, size, color)
    out = BytesIO()
    if exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    return exif


def opened(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def test_stored_photo_keeps_no_metadata_of_the_original():
    original = photo(exif=gps_exif())
    assert opened(original).getexif().get_ifd(GPS_IFD), "the fixture carries a GPS position"

    stored = opened(process_photo(original, watermark=["Rex"]).jpeg)

    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info


def test_photo_is_turned_upright_from_its_exif_orientation():
    sideways = photo(size=(800, 600), exif=gps_exif(orientation=6))  # 6: rotate 90° clockwise to view

    result = process_photo(sideways, watermark=[])

    assert (result.width, result.height) == (600, 800)


def test_large_photo_is_scaled_down_and_thumbnailed():
    result = process_photo(photo(size=(4000, 3000)), watermark=[])

    assert max(result.width, result.height) == MAX_SIDE
    assert opened(result.jpeg).size == (result.width, result.height)
    assert max(opened(result.thumbnail).size) == THUMBNAIL_SIDE


def test_watermark_is_drawn_at_the_bottom_and_leaves_the_top_alone():
    original = photo(size=(900, 600), color=(40, 120, 200))
    plain = opened(process_photo(original, watermark=[]).jpeg).convert("RGB")
    lines = ["瑞克 Rex", "2026-11-28 10:15", "上海市浦东新区 31.2304, 121.4737"]
    marked = opened(process_photo(original, watermark=lines).jpeg)

    difference = ImageChops.difference(plain, marked.convert("RGB")).convert("L")
    assert brightest(difference.crop((0, 0, 900, 300))) < 12  # JPEG noise only
    assert brightest(difference.crop((0, 450, 900, 600))) > 100


def brightest(image: Image.Image) -> float:
    _, high = image.getextrema()
    assert isinstance(high, (int, float)), "a single-band image has one (min, max) pair"
    return high


def test_chinese_watermark_draws_glyphs_not_boxes():
    assert any(p.exists() for p in FONT_PATHS), "make install installs fonts-wqy-microhei"
    font = watermark_font(32)
    glyphs = {font.getmask(char).getbbox() for char in "拜访客户"}
    missing = font.getmask("\ufffe").getbbox()  # a code point no font has: the "tofu" box, if any
    assert len(glyphs) > 1, "different characters must draw differently"
    assert missing not in glyphs


def test_transparent_png_is_accepted_and_flattened_to_white():
    png = photo(size=(200, 100), color=(0, 0, 0, 0), fmt="PNG", mode="RGBA")

    stored = opened(process_photo(png, watermark=[]).jpeg)

    assert stored.mode == "RGB"
    pixel = stored.getpixel((100, 20))
    assert isinstance(pixel, tuple)
    assert min(pixel) > 240


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a photo", "not a photo"),
        (photo(fmt="GIF", mode="P", color=1), "GIF"),
        (photo(size=(800, 600))[:1500], "damaged"),
    ],
)
def test_what_is_not_an_acceptable_photo_is_a_field_error(data, message):
    with translation.override("en"), pytest.raises(ServiceError) as refused:
        process_photo(data, watermark=[])

    assert list(refused.value.fields) == ["file"]
    assert message in str(refused.value.fields["file"][0])
