"""What a member may attach to a report, decided by the file's content, never by its name or the browser's word.

- Photos (JPEG, PNG, WebP, GIF) are opened with Pillow, checked, decoded whole and encoded again: the stored file
  holds the picture's pixels and nothing else (no EXIF, so no GPS location or camera serial; no comments, text
  chunks or trailing bytes, so a JPEG+HTML or GIF+JS polyglot loses its second half). JPEGs stay JPEGs (turned
  upright first, since the orientation flag goes with the EXIF), PNGs stay PNGs; a WebP becomes a JPEG (a PNG if
  it has transparency) and a GIF its first frame as a PNG, so that only three content types are ever served.
- PDFs are recognised by their header (``%PDF-`` at the very start) and their end (``%%EOF`` near the end);
  they are stored as sent, so one carrying plain-text JavaScript or a launch action is refused. (Compressed
  objects can still hide scripts: the file is only ever downloaded, never shown on the portal's origin.)
- Everything else (SVG, HTML, scripts, executables, office documents, HEIC photos) is refused, with a message
  naming the file.

The name the member gave is kept for display only (``clean_name``): base name, no path, no control or
direction characters, length capped, its extension made to match what is stored. Files are stored under a random name
(``models.attachment_path``).
"""

import contextlib
import hashlib
import io
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from messaging.police_reports.models import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Attachment

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
# The only content types ever stored, and so ever served.
CONTENT_TYPES = (JPEG, PNG, PDF)
EXTENSIONS = {JPEG: (".jpg", ".jpeg"), PNG: (".png",), PDF: (".pdf",)}
# A photo larger than this (width x height) is refused before it is decoded: a small file can claim an enormous
# picture (a "decompression bomb") and take the server's memory. 50 megapixels holds any phone's photo.
MAX_PIXELS = 50_000_000
# Pillow's own guard (Image.MAX_IMAGE_PIXELS, about 89 megapixels) stays as it is: past it Pillow warns, which
# is refused here like the error it raises past twice that.
# How far from the end of a PDF its ``%%EOF`` may be (some writers add a little after it).
PDF_TAIL = 1024
# Plain-text markers of a PDF that runs something when opened.
PDF_ACTIVE_CONTENT = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
NAME_LENGTH = 120  # Attachment.original_name
JPEG_QUALITY = 90
ACCEPTED = "photos (JPEG, PNG, WebP or GIF) and PDF documents"


class AttachmentRefused(Exception):
    """A file that may not be attached; the message says which and why, for the member to read."""


@dataclass(frozen=True)
class CleanFile:
    """An upload that passed: the bytes to store (re-encoded for photos) and what to record about them."""

    name: str
    content: bytes
    content_type: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def max_bytes() -> int:
    """The largest file accepted (settings.POLICE_REPORT_ATTACHMENT_MAX_BYTES overrides the 10 MB)."""
    return getattr(settings, "POLICE_REPORT_ATTACHMENT_MAX_BYTES", MAX_ATTACHMENT_BYTES)


def max_files() -> int:
    return MAX_ATTACHMENTS


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


# Names ---------------------------------------------------------------------------------------------------------


def clean_name(name: str, content_type: str | None = None) -> str:
    """The name shown for a file: its last path part only (``../../x.jpg`` is ``x.jpg``, ``C:\\x.jpg`` too), no
    control, format or direction characters (a right-to-left override would show ``evil‮gpj.exe`` as ``evilexe.jpg``),
    white space folded, no leading dots, at most NAME_LENGTH characters, and with ``content_type`` the extension
    of what is stored (``photo.webp`` stored as a JPEG is ``photo.jpg``)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(" " if char.isspace() else char for char in text
                   if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn") or char.isspace())
    text = " ".join(text.split()).lstrip(". ").rstrip(". ")
    stem, extension = os.path.splitext(text)
    if content_type and extension.lower() not in EXTENSIONS[content_type]:
        if extension.lower() not in _KNOWN_EXTENSIONS:
            stem = text  # "notes.v2" stored as a PDF is "notes.v2.pdf"
        extension = EXTENSIONS[content_type][0]
    if not stem:
        stem = "attachment"
    extension = extension[:10]
    return stem[: NAME_LENGTH - len(extension)].rstrip(". ") + extension


_KNOWN_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".pdf", ".heic", ".heif", ".tif", ".tiff",
                     ".bmp"}


# Content -------------------------------------------------------------------------------------------------------


def _refuse(name: str, why: str) -> AttachmentRefused:
    return AttachmentRefused(f"“{name}” {why}")


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<", b"<?xml")) or b"<svg" in head.lower() or b"<html" in head.lower()


def _check_pdf(name: str, data: bytes) -> CleanFile:
    if b"%%EOF" not in data[-PDF_TAIL:] or b"startxref" not in data[-PDF_TAIL - 64:]:
        raise _refuse(name, "is not a complete PDF document (its end is missing or damaged). Save it again "
                            "as a PDF and attach it again.")
    if PDF_ACTIVE_CONTENT.search(data):
        raise _refuse(name, "is a PDF with scripts or embedded files in it, which are not accepted. Print it "
                            "to a new PDF (or attach photos of its pages) and attach that instead.")
    return CleanFile(name=clean_name(name, PDF), content=data, content_type=PDF)


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours as they looked, without keeping the colour profile (metadata like the rest): converted to sRGB."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: keep the pixels as they are


def _reencode(name: str, data: bytes) -> CleanFile:
    """Open, verify, decode and encode again; refuse what Pillow cannot read as one of the four formats."""
    formats = ["JPEG", "PNG", "WEBP", "GIF"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as probe:
                source_format = probe.format
                if probe.width * probe.height > MAX_PIXELS:
                    raise _refuse(name, f"is a picture of {probe.width} × {probe.height} pixels, larger than the "
                                        f"{MAX_PIXELS // 1_000_000} megapixels accepted. Make it smaller and "
                                        "attach it again.")
                probe.verify()
            # verify() leaves the image unusable: open it again to decode it whole.
            with Image.open(io.BytesIO(data), formats=formats) as image:
                image.load()
                picture = _clean_pixels(image, source_format)
    except AttachmentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _refuse(name, "claims to be an enormous picture and was not opened. Attach an ordinary photo.") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as error:
        # Pillow refused it: not one of the formats, or damaged. Say which, in words the member can act on.
        if isinstance(error, UnidentifiedImageError):
            raise _unsupported(name, data) from error
        raise _refuse(name, "is damaged or not really a photo, so it could not be opened. Save it again as a "
                            "JPEG or PNG and attach it again.") from error
    content_type = JPEG if source_format == "JPEG" or (source_format == "WEBP" and picture.mode != "RGBA") else PNG
    output = io.BytesIO()
    if content_type == JPEG:
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")  # CMYK included: browsers show CMYK JPEGs inconsistently
        picture.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        picture.save(output, "PNG", optimize=True)
    return CleanFile(name=clean_name(name, content_type), content=output.getvalue(), content_type=content_type)


def _clean_pixels(image: Image.Image, source_format: str) -> Image.Image:
    """The picture upright, in sRGB, in a mode its output format holds, as a new image with no metadata."""
    if source_format == "GIF":
        image.seek(0)  # the first frame: an animation is not kept
    picture = ImageOps.exif_transpose(image) if source_format == "JPEG" else image
    if picture.mode in ("P", "PA", "LA", "La", "RGBa"):
        picture = picture.convert("RGBA")
    elif picture.mode in ("1", "I", "I;16", "I;16B", "I;16L", "F", "YCbCr", "LAB", "HSV"):
        picture = picture.convert("RGB")
    if picture.mode == "RGBA" and picture.getextrema()[3] == (255, 255):
        picture = picture.convert("RGB")  # fully opaque: transparency it does not use
    picture = _to_srgb(picture)
    # A fresh image with the pixels alone: nothing in .info (EXIF, XMP, comments, profiles, text) can follow it.
    return Image.frombytes(picture.mode, picture.size, picture.tobytes())


def _unsupported(name: str, data: bytes) -> AttachmentRefused:
    head = data[:1024]
    if _looks_like_markup(head):
        kind = "an SVG drawing" if b"<svg" in head.lower() else "a web page or other markup"
        return _refuse(name, f"is {kind}, which cannot be attached. Only {ACCEPTED} are accepted.")
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"PK\x03\x04", b"\xca\xfe\xba\xbe")):
        return _refuse(name, f"is a program or an archive, which cannot be attached. Only {ACCEPTED} are accepted.")
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1", b"ftyphevc"):
        return _refuse(name, "is a HEIC photo, which cannot be read here. Save or share it as a JPEG (on an "
                             "iPhone: Settings, Camera, Formats, Most Compatible) and attach it again.")
    return _refuse(name, f"is not a kind of file that can be attached. Only {ACCEPTED} are accepted.")


def check_upload(upload: UploadedFile) -> CleanFile:
    """The file to store for one upload, or AttachmentRefused saying why not. The upload's name and content type
    are the browser's word and are not believed: only its bytes decide."""
    name = clean_name(upload.name or "")
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise _refuse(name, f"is {_megabytes(upload.size)}: files may be at most {_megabytes(limit)} each. Make "
                            "it smaller (a photo at a lower resolution, a PDF saved for the web) and attach it again.")
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(name, f"is larger than {_megabytes(limit)}: files may be at most {_megabytes(limit)} each.")
    if not data:
        raise _refuse(name, "is empty.")
    if data.startswith(b"%PDF-"):
        return _check_pdf(name, data)
    return _reencode(name, data)


def store(report, clean: CleanFile) -> Attachment:
    """Save one checked file under the report's random path and record it. The caller's transaction decides
    whether the row stays; ``discard`` removes the file if it does not."""
    attachment = Attachment(report=report, original_name=clean.name, content_type=clean.content_type,
                            size=clean.size, sha256=clean.sha256)
    # The name given here is ignored by attachment_path (a random one is made): it never reaches the disk.
    attachment.file.save("upload", ContentFile(clean.content), save=False)
    attachment.save()
    return attachment


def discard(names: list[str]) -> None:
    """Remove stored files whose rows were never committed."""
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)
