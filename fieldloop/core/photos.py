"""Photos as the company keeps them: re-encoded, stripped of their metadata, watermarked, thumbnailed.

A phone's photo arrives with EXIF (the device, often its GPS position, sometimes the owner's name) and
in any size. What is stored is a fresh JPEG drawn from the pixels alone, turned upright first (EXIF
orientation), at most `MAX_SIDE` pixels on its longer side, with a visible watermark of who took it,
when and where, so a photo cannot be passed off as another visit's. The watermark uses a CJK font
(WenQuanYi Micro Hei, installed by `make install`), so Chinese addresses draw as text, not boxes.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from io import BytesIO
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from .errors import invalid

MAX_SIDE = 2048
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 85
MAX_PIXELS = 50_000_000  # a decoded 50-megapixel image is ~150 MB; larger is refused before decoding
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: the multi-picture JPEG some phones write
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)


@dataclass(frozen=True)
class ProcessedPhoto:
    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    exif_taken_at: datetime | None = None  # the original's EXIF DateTimeOriginal, read before it is dropped


EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867
OFFSET_TIME_ORIGINAL = 36881


def exif_taken_at(image: Image.Image, zone: tzinfo) -> datetime | None:
    """When the camera says the photo was taken (EXIF DateTimeOriginal, with its OffsetTimeOriginal when given,
    else in `zone`, the photographer's organization's); None when absent or unreadable."""
    try:
        ifd = image.getexif().get_ifd(EXIF_IFD)
        raw = ifd.get(DATETIME_ORIGINAL)
        if not isinstance(raw, str):
            return None
        text = raw.strip("\x00 ")[:19]  # "YYYY:MM:DD HH:MM:SS"
        parts = [int(p) for p in text.replace(" ", ":").split(":")]
        if len(parts) != 6:
            return None
        zone_of_photo: tzinfo = zone
        offset = ifd.get(OFFSET_TIME_ORIGINAL)
        if isinstance(offset, str) and len(offset.strip()) >= 6 and offset.strip()[0] in "+-":
            sign = -1 if offset.strip()[0] == "-" else 1
            hours, minutes = offset.strip()[1:6].split(":")
            zone_of_photo = timezone(timedelta(hours=int(hours), minutes=int(minutes)) * sign)
        year, month, day, hour, minute, second = parts
        return datetime(year, month, day, hour, minute, second, tzinfo=zone_of_photo)
    except (ValueError, TypeError, KeyError, OSError, SyntaxError):
        return None


def watermark_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The CJK font at `size` pixels; Pillow's built-in font (Latin only) if none is installed."""
    for path in FONT_PATHS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _open(data: bytes) -> Image.Image:
    too_many_pixels = _("The photo has too many pixels (at most %(n)d megapixels).") % {"n": MAX_PIXELS // 10**6}
    try:
        with Image.open(BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
    except Image.DecompressionBombError as e:  # Pillow's own cap, for a header claiming even more pixels
        raise invalid("file", too_many_pixels) from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise invalid("file", _("This file is not a photo (JPEG, PNG or WebP).")) from e
    if image_format not in ACCEPTED_FORMATS:
        raise invalid("file", _("Photos must be JPEG, PNG or WebP (this is %(format)s).") % {"format": image_format})
    if width * height > MAX_PIXELS:
        raise invalid("file", too_many_pixels)
    try:
        image = Image.open(BytesIO(data))
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise invalid("file", _("The photo is damaged and cannot be read.")) from e
    return image


def _draw_watermark(image: Image.Image, lines: list[str]) -> None:
    """White text on a translucent dark band along the bottom edge, scaled to the photo's width."""
    lines = [line for line in lines if line]
    if not lines:
        return
    size = max(14, image.width // 36)
    font = watermark_font(size)
    padding = size // 2
    line_height = int(size * 1.35)
    band_height = padding * 2 + line_height * len(lines)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    top = image.height - band_height
    draw.rectangle((0, top, image.width, image.height), fill=(0, 0, 0, 140))
    for number, line in enumerate(lines):
        draw.text((padding, top + padding + number * line_height), line, font=font, fill=(255, 255, 255, 235))
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))


def _jpeg(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif=: nothing of the original's metadata
    return out.getvalue()


def process_photo(data: bytes, *, watermark: list[str], zone: tzinfo = UTC) -> ProcessedPhoto:
    """The stored form of an uploaded photo: upright, at most MAX_SIDE, metadata gone, watermark drawn;
    or a field error on `file` when it is not a photo we accept. Its EXIF capture time (`exif_taken_at`, a
    naive one read in `zone`) is taken first: it is the only metadata kept, as a value, never in the file."""
    image = _open(data)
    taken_at = exif_taken_at(image, zone)
    upright = ImageOps.exif_transpose(image)
    image.close()
    if upright.mode != "RGB":
        background = Image.new("RGB", upright.size, (255, 255, 255))  # transparent PNG areas become white
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    _draw_watermark(upright, watermark)
    thumbnail = upright.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        jpeg=_jpeg(upright),
        thumbnail=_jpeg(thumbnail),
        width=upright.width,
        height=upright.height,
        exif_taken_at=taken_at,
    )
