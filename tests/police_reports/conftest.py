import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from messaging.police_reports import services
from sectors.models import BoroughSpoc
from tests.factories import officer_user

# 51°30'N 0°07'W: where the photo was taken, which must not reach the police's store with it.
GPS = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """The e-mails are sent by the time the action returns (the database queue of the PostgreSQL run would hold
    them for a worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Each test stores its files in a folder of its own, never in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg_with_gps(size=(64, 48), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 15 Pro"
    exif[0x8825] = GPS
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes(size=(40, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else (10, 120, 200, 128)).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(extra: bytes = b"") -> bytes:
    """A small, well-formed PDF (one empty page)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>" + extra]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def submit(author, boroughs, *, title="Van watching the loading bay", body="A white van has parked opposite our "
           "loading bay every evening this week.", kind="suspicious_activity", incident=None, files=()):
    return services.submit_report(author=author, kind=kind, title=title, body=body, boroughs=boroughs,
                                  incident=incident, files=files)


@pytest.fixture
def spoc(westminster):
    officer = officer_user(display_name="PS Westminster SPOC", email="spoc.westminster@example.org")
    BoroughSpoc.objects.create(borough=westminster, officer=officer, role=BoroughSpoc.Role.SPOC,
                               public_phone="020 7946 0100")
    return officer


@pytest.fixture
def deputy(westminster):
    officer = officer_user(display_name="DC Westminster Deputy", email="deputy.westminster@example.org")
    BoroughSpoc.objects.create(borough=westminster, officer=officer, role=BoroughSpoc.Role.DEPUTY)
    return officer
