"""Attachments are judged by their content: photos re-encoded without their metadata (GPS location included),
PDFs checked, everything else (SVG, HTML, polyglots, programs) refused by name; stored under a random name; served
only to the author and officers, as a download that is never sniffed."""

import hashlib
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image, PngImagePlugin

from messaging.police_reports import attachments
from messaging.police_reports.attachments import AttachmentRefused, check_upload, clean_name
from messaging.police_reports.models import PoliceReport
from tests.conftest import client_as
from tests.police_reports.conftest import jpeg_with_gps, pdf_bytes, png_bytes, submit, upload
from tests.police_reports.test_submission import CREATE, form_data

pytestmark = pytest.mark.django_db


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(AttachmentRefused) as error:
        check_upload(upload(name, content, "image/jpeg"))
    return str(error.value)


# Photos ------------------------------------------------------------------------------------------------------


def test_a_photo_comes_back_without_its_gps_location_or_camera_details():
    original = jpeg_with_gps(size=(64, 48), orientation=6)
    assert b"Exif" in original and b"PhoneMaker" in original  # what the phone wrote
    clean = check_upload(upload("IMG_0001.jpg", original, "image/jpeg"))
    assert clean.content_type == "image/jpeg" and clean.name == "IMG_0001.jpg"
    assert b"Exif" not in clean.content and b"PhoneMaker" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
        assert image.getexif().get_ifd(0x8825) == {}
        assert image.size == (48, 64)  # turned upright before the orientation flag went with the EXIF


def test_a_png_stays_a_png_without_its_text_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "51.5N 0.12W")
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(out, "PNG", pnginfo=info)
    clean = check_upload(upload("shot.png", out.getvalue(), "image/png"))
    assert clean.content_type == "image/png" and b"Location" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and not image.text


def test_webp_and_gif_become_jpeg_or_png_and_their_names_follow():
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(out, "WEBP")
    webp = check_upload(upload("photo.webp", out.getvalue()))
    assert (webp.content_type, webp.name) == ("image/jpeg", "photo.jpg")
    frames = [Image.new("P", (10, 10), index) for index in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    gif = check_upload(upload("moving.gif", out.getvalue()))
    assert (gif.content_type, gif.name) == ("image/png", "moving.png")


def test_a_pdf_is_stored_as_sent_and_its_hash_recorded():
    content = pdf_bytes()
    clean = check_upload(upload("statement.pdf", content, "application/pdf"))
    assert clean.content == content and clean.content_type == "application/pdf"
    assert clean.sha256 == hashlib.sha256(content).hexdigest()


# Refusals ----------------------------------------------------------------------------------------------------


def test_a_jpeg_html_polyglot_keeps_only_its_picture():
    """A real JPEG whose comment holds HTML and with a page appended after its end: a browser sniffing it, or a
    server trusting its extension, could run it. Re-encoded, only the pixels are left."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, "JPEG", comment=b"<html><script>alert('in-comment')</script>")
    polyglot = out.getvalue() + b"<html><body><script>alert('appended')</script></body></html>"
    clean = check_upload(upload("innocent.jpg", polyglot, "image/jpeg"))
    assert b"<script" not in clean.content and b"<html" not in clean.content
    assert clean.content_type == "image/jpeg"


def test_a_gif_javascript_polyglot_is_refused_by_name():
    """The classic GIF/JS polyglot: 'GIF89a' then '/*' as the width, a script after the comment closes. Not a
    picture Pillow can decode whole."""
    polyglot = b"GIF89a/*\x0a\x00\x00\x00\x00*/=1;alert(document.domain)//;" + b"\x00" * 20
    message = refusal("cat.gif", polyglot)
    assert message.startswith("“cat.gif”")


def test_a_real_gif_with_a_script_appended_keeps_only_its_first_frame():
    out = io.BytesIO()
    Image.new("P", (8, 8), 1).save(out, "GIF")
    clean = check_upload(upload("x.gif", out.getvalue() + b"*/alert(1)//<script>alert(2)</script>"))
    assert b"alert" not in clean.content and clean.content_type == "image/png"


def test_an_svg_with_a_script_is_refused_by_name():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refusal("logo.svg", svg) == ("“logo.svg” is an SVG drawing, which cannot be attached. Only photos "
                                        "(JPEG, PNG, WebP or GIF) and PDF documents are accepted.")


def test_an_html_page_named_jpg_is_refused_by_name():
    message = refusal("photo.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    assert message.startswith("“photo.jpg” is a web page")


def test_an_html_page_with_a_pdf_header_later_on_is_not_a_pdf():
    message = refusal("report.pdf", b"<html><script>alert(1)</script></html>\n%PDF-1.4\n%%EOF")
    assert message.startswith("“report.pdf” is a web page")


def test_a_pdf_with_plain_javascript_or_a_broken_end_is_refused():
    assert "scripts or embedded files" in refusal("form.pdf", pdf_bytes(b" /OpenAction << /S /JavaScript "
                                                                        b"/JS (app.alert(1)) >>"))
    assert "not a complete PDF" in refusal("cut.pdf", pdf_bytes()[:-40])


def test_programs_archives_and_heic_photos_are_refused_with_what_to_do():
    assert "program or an archive" in refusal("setup.jpg", b"MZ\x90\x00" + b"\x00" * 200)
    assert "program or an archive" in refusal("docs.pdf.zip", b"PK\x03\x04" + b"\x00" * 200)
    assert "HEIC" in refusal("IMG_1.HEIC", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100)
    assert "is empty" in refusal("empty.jpg", b"")


def test_an_oversized_file_is_refused_before_it_is_read(settings):
    settings.POLICE_REPORT_ATTACHMENT_MAX_BYTES = 2048
    big = png_bytes(size=(200, 200)) + b"\x00" * 4096
    message = refusal("huge.png", big)
    assert message.startswith("“huge.png” is") and "at most 2 KB each" in message
    assert check_upload(upload("small.png", png_bytes())).content_type == "image/png"


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(
        b"IEND", b"")


def test_a_decompression_bomb_is_refused_with_a_clear_message():
    assert "enormous picture" in refusal("bomb.png", _png_header(40000, 40000))
    message = refusal("large.png", _png_header(10000, 6000))
    assert "10000 × 6000 pixels" in message and "50 megapixels" in message


def test_a_damaged_photo_is_refused():
    assert "damaged" in refusal("half.jpg", jpeg_with_gps()[:300])


# Names -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "content_type", "shown"), [
    ("../../x.jpg", "image/jpeg", "x.jpg"),
    ("..\\..\\windows\\x.jpg", "image/jpeg", "x.jpg"),
    ("/etc/passwd", "application/pdf", "passwd.pdf"),
    ("evil\u202egpj.exe", "image/jpeg", "evilgpj.exe.jpg"),
    ("line\nbreak\r\x00.png", "image/png", "line break.png"),
    ("page.html", "image/png", "page.html.png"),
    ("..", "image/png", "attachment.png"),
    ("", None, "attachment"),
    ("a" * 300 + ".jpg", "image/jpeg", "a" * 116 + ".jpg"),
])
def test_the_displayed_name_is_a_clean_base_name(given, content_type, shown):
    assert clean_name(given, content_type) == shown


# Through the form and the download ---------------------------------------------------------------------------


def test_a_fourth_file_is_refused_and_nothing_is_stored(client, people, westminster, _media):
    client.force_login(people.member_a)
    files = [upload(f"p{n}.png", png_bytes(), "image/png") for n in range(4)]
    page = client.post(CREATE, form_data(client, westminster, files=files)).content.decode()
    assert "Attach at most 3 files to one report (you chose 4)." in page
    assert not PoliceReport.objects.exists() and not list(Path(_media).rglob("*.*"))


def test_refused_files_are_named_in_the_form_and_nothing_is_stored(client, people, westminster):
    client.force_login(people.member_a)
    files = [upload("ok.png", png_bytes(), "image/png"),
             upload("evil.svg", b"<svg onload=alert(1)></svg>", "image/svg+xml"),
             upload("fake.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")]
    page = client.post(CREATE, form_data(client, westminster, files=files)).content.decode()
    assert "“evil.svg” is an SVG drawing" in page and "“fake.jpg” is a web page" in page
    assert not PoliceReport.objects.exists()


def test_a_file_named_dot_dot_is_stored_under_a_random_name_and_shown_by_its_base_name(client, people, westminster,
                                                                                     _media):
    client.force_login(people.member_a)
    files = [upload("../../x.jpg", jpeg_with_gps(), "image/jpeg")]
    assert client.post(CREATE, form_data(client, westminster, files=files)).status_code == 302
    attachment = PoliceReport.objects.get().attachments.get()
    assert attachment.original_name == "x.jpg"
    assert re.fullmatch(rf"police_reports/{attachment.report_id}/[0-9a-f]{{32}}", attachment.file.name)
    stored = Path(_media) / attachment.file.name
    assert stored.is_file() and b"Exif" not in stored.read_bytes()
    assert attachment.size == stored.stat().st_size
    assert not (Path(_media).parent / "x.jpg").exists()


@pytest.fixture
def report_with_files(people, westminster):
    files = [check_upload(upload("../../x.jpg", jpeg_with_gps(), "image/jpeg")),
             check_upload(upload("café notes.pdf", pdf_bytes(), "application/pdf"))]
    return submit(people.member_a, [westminster], files=files)


def _download(client, attachment):
    return client.get(reverse("police_reports:attachment", args=[attachment.report_id, attachment.pk]))


def test_a_download_is_an_attachment_never_sniffed_nor_cached(client, people, report_with_files):
    photo, pdf = report_with_files.attachments.order_by("pk")
    client.force_login(people.member_a)
    response = _download(client, photo)
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=\"x.jpg\"; filename*=UTF-8''x.jpg"
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == photo.file.open("rb").read()
    response = _download(client, pdf)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == ("attachment; filename=\"caf_ notes.pdf\"; "
                                               "filename*=UTF-8''caf%C3%A9%20notes.pdf")


def test_a_stored_type_outside_the_three_is_served_as_bytes(client, people, report_with_files):
    photo = report_with_files.attachments.order_by("pk").first()
    type(photo).objects.filter(pk=photo.pk).update(content_type="text/html")
    client.force_login(people.officer)
    assert _download(client, photo)["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize(("role", "status"), [("member_a", 200), ("officer", 200), ("admin", 200),
                                              ("member_b", 404), ("lead_a", 404), ("applicant", 404),
                                              ("anonymous", 302)])
def test_only_the_author_and_officers_download(client, people, report_with_files, role, status):
    photo = report_with_files.attachments.order_by("pk").first()
    assert _download(client_as(client, people, role), photo).status_code == status


def test_a_file_is_found_only_under_its_own_report(client, people, westminster, report_with_files):
    other = submit(people.member_a, [westminster], title="Another of mine")
    photo = report_with_files.attachments.order_by("pk").first()
    client.force_login(people.member_a)
    assert client.get(reverse("police_reports:attachment", args=[other.pk, photo.pk])).status_code == 404


def test_a_file_missing_from_the_store_is_a_404(client, people, report_with_files):
    photo = report_with_files.attachments.order_by("pk").first()
    photo.file.storage.delete(photo.file.name)
    client.force_login(people.member_a)
    assert _download(client, photo).status_code == 404


def test_the_limits_are_the_issues():
    assert attachments.max_files() == 3 and attachments.MAX_ATTACHMENT_BYTES == 10 * 1024 * 1024
