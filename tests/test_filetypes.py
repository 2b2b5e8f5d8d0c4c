"""Files checked by content: every allowed type, types that lie, damaged ZIPs and zip bombs,
safe display names and the size limit while an upload is read."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kraftsamla.core import uploads
from kraftsamla.core.uploads import (
    FILE_TYPES,
    OversizedUpload,
    UploadSizeLimit,
    file_type_check,
    file_type_sniff,
    safe_file_name,
)
from kraftsamla.projects.models import AttachmentKind
from tests.factories.files import (
    ODS_MIMETYPE,
    SAMPLES,
    WORD_MACRO_MAIN,
    docx_bytes,
    odt_bytes,
    pdf_bytes,
    png_bytes,
    xlsx_bytes,
    zip_bytes,
)


def check(name: str, content: bytes, **kwargs):
    return file_type_check(io.BytesIO(content), name, size=len(content), **kwargs)


def refusal(name: str, content: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        check(name, content, **kwargs)
    return error.value


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_every_allowed_type_is_recognised_by_its_content(key):
    name, make = SAMPLES[key]
    assert check(name, make()) is FILE_TYPES[key]
    assert file_type_sniff(io.BytesIO(make())) is FILE_TYPES[key]


@pytest.mark.parametrize("name", ["foto.jpeg", "FOTO.JPG", "Rapport.PDF", "mapp/bild.Png"])
def test_the_extension_is_read_without_regard_to_case_or_folders(name):
    content = {"jp": SAMPLES["jpeg"][1], "pd": pdf_bytes, "pn": png_bytes}[
        name.rsplit(".", 1)[1][:2].lower()
    ]()
    assert check(name, content).key in {"jpeg", "pdf", "png"}


def test_the_model_choices_are_the_checked_types():
    assert set(AttachmentKind.values) == set(FILE_TYPES)


def test_the_browser_content_type_is_never_asked():
    """Only the name and the bytes are given to the check: there is no content type to trust."""
    with pytest.raises(TypeError):
        file_type_check(io.BytesIO(b"x"), "a.pdf", size=1, content_type="application/pdf")


@pytest.mark.parametrize(
    "name, content, found",
    [
        ("rapport.pdf", png_bytes(), "PNG"),
        ("bild.png", pdf_bytes(), "PDF"),
        ("kalkyl.docx", xlsx_bytes(), "XLSX"),
        ("beslut.xlsx", docx_bytes(), "DOCX"),
        ("anteckningar.docx", odt_bytes(), "ODT"),
        ("foto.jpg", SAMPLES["gif"][1](), "GIF"),
    ],
)
def test_a_file_whose_name_says_another_allowed_type_lies(name, content, found):
    error = refusal(name, content)
    assert error.code == "lying"
    with translation.override("en"):
        assert error.messages == [
            f"The file is named .{name.rsplit('.', 1)[1]}, but its content is a {found} file."
        ]


@pytest.mark.parametrize(
    "name, content",
    [
        ("rapport.pdf", b"<html><script>alert(1)</script></html>"),
        ("bild.png", b"MZ\x90\x00 an executable"),
        # A macro-enabled Word document (.docm) named .docx.
        ("beslut.docx", docx_bytes(main=WORD_MACRO_MAIN)),
        # An OpenDocument spreadsheet (.ods) named .odt.
        ("anteckningar.odt", odt_bytes(mimetype=ODS_MIMETYPE)),
        # A ZIP of anything named as a Word document.
        ("beslut.docx", zip_bytes([("notes.txt", "hej"), ("more.txt", "då")])),
        # The parts are there, but the declared main type is missing.
        (
            "beslut.docx",
            zip_bytes([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "")]),
        ),
        ("kalkyl.xlsx", docx_bytes()),
    ],
)
def test_a_file_that_is_not_what_its_name_says_lies(name, content):
    assert refusal(name, content).code in {"lying"}


@pytest.mark.parametrize(
    "name", ["program.exe", "sida.html", "bild.svg", "utan-filändelse", "arkiv.zip", ".pdf.exe"]
)
def test_a_name_of_a_type_not_allowed_is_refused_whatever_the_content(name):
    error = refusal(name, pdf_bytes())
    assert error.code == "not_allowed"
    with translation.override("en"):
        assert "PDF, DOCX, XLSX, ODT, PNG, JPEG, GIF or WebP" in error.messages[0]


def test_the_messages_are_in_the_language_they_are_shown_in():
    error = refusal("program.exe", pdf_bytes())
    with translation.override("sv"):
        assert "PDF, DOCX, XLSX, ODT, PNG, JPEG, GIF eller WebP" in error.messages[0]
    bomb = refusal("beslut.docx", docx_bytes(extra=[("x.bin", b"0" * 4096)]), max_unpacked=2048)
    with translation.override("en"):
        assert "2.0\xa0KB" in bomb.messages[0] and "zip bomb" in bomb.messages[0]


def test_an_empty_file_is_refused():
    assert refusal("tom.pdf", b"").code == "empty"


@pytest.mark.parametrize(
    "content",
    [
        docx_bytes()[:120],  # cut off: no central directory
        b"PK\x03\x04" + b"\x00" * 200,
        zip_bytes([("mimetype", "x")])[:-10],
    ],
)
def test_a_damaged_zip_is_refused(content):
    assert refusal("beslut.docx", content).code == "damaged"


def test_a_zip_with_a_broken_checksum_is_refused():
    content = bytearray(docx_bytes())
    # Change one byte of the stored [Content_Types].xml (not the directory): the CRC fails.
    start = content.index(b"<?xml")
    content[start + 10] ^= 0x20
    assert refusal("beslut.docx", bytes(content)).code == "damaged"


def test_an_encrypted_zip_is_refused():
    content = zip_bytes(
        [("[Content_Types].xml", "x"), ("word/document.xml", "y")], encrypted_flag=True
    )
    assert refusal("beslut.docx", content).code == "damaged"


def test_a_zip_bomb_is_refused_from_the_sizes_it_declares():
    # 5 MB of zeros packs into a few kilobytes; the limit here is 1 MB.
    bomb = docx_bytes(extra=[("word/media/zeros.bin", b"\x00" * (5 * 1024 * 1024))])
    assert len(bomb) < 50_000
    error = refusal("beslut.docx", bomb, max_unpacked=1024 * 1024)
    assert error.code == "unpacks_too_large"
    # Within the limit, the same document is accepted.
    assert check("beslut.docx", bomb, max_unpacked=10 * 1024 * 1024).key == "docx"


def test_a_zip_of_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "ZIP_ENTRIES_MAX", 3)
    content = docx_bytes(extra=[("a.xml", ""), ("b.xml", "")])
    assert refusal("beslut.docx", content).code == "unpacks_too_large"


def test_an_entry_is_read_only_up_to_its_bound(monkeypatch):
    monkeypatch.setattr(uploads, "ENTRY_READ_MAX", 100)
    assert refusal("beslut.docx", docx_bytes()).code == "damaged"


def test_the_default_unpacked_limit_stops_a_real_bomb():
    """One entry of 210 MB of zeros, which packs to about 200 kB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _number in range(210):
                member.write(chunk)
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    assert refusal("beslut.docx", bomb).code == "unpacks_too_large"


# --- Display names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Slutrapport 2024.pdf", "Slutrapport 2024.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\anna\\Rapport.PDF", "Rapport.pdf"),
        ("rap\u202eport\u200b.pdf", "rapport.pdf"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ('<b>"x"|y?.pdf', "_b__x__y_.pdf"),
        ("   ..hemlig. .pdf", "hemlig.pdf"),
        (".pdf", "pdf.pdf"),
        ("...", "file.pdf"),
        ("", "file.pdf"),
        ("utan-filandelse", "utan-filandelse.pdf"),
        ("Malmo\u0308.pdf", "Malmö.pdf"),
        ("x" * 300 + ".pdf", "x" * 150 + ".pdf"),
    ],
)
def test_a_display_name_is_made_safe(name, expected):
    assert safe_file_name(name, FILE_TYPES["pdf"]) == expected


def test_a_display_name_keeps_the_extension_the_sender_used_when_it_fits():
    assert safe_file_name("foto.JPEG", FILE_TYPES["jpeg"]) == "foto.jpeg"
    assert safe_file_name("foto.jpg", FILE_TYPES["jpeg"]) == "foto.jpg"
    assert safe_file_name("foto.png", FILE_TYPES["jpeg"]) == "foto.png.jpg"


# --- The size limit while reading ----------------------------------------------------------


def _feed(handler: UploadSizeLimit, chunks: list[bytes]):
    handler.new_file("file", "stor.pdf", "application/pdf", None)
    passed = [handler.receive_data_chunk(chunk, 0) for chunk in chunks]
    return passed, handler.file_complete(sum(map(len, chunks)))


def test_the_size_limit_passes_a_file_within_it_on():
    passed, result = _feed(UploadSizeLimit(limit=10), [b"12345", b"12345"])
    assert passed == [b"12345", b"12345"] and result is None


def test_the_size_limit_drops_the_rest_of_a_larger_file_and_says_its_size():
    passed, result = _feed(UploadSizeLimit(limit=10), [b"12345", b"123456", b"1234567"])
    assert passed == [b"12345", None, None]
    assert isinstance(result, OversizedUpload)
    assert (result.name, result.size, result.read()) == ("stor.pdf", 18, b"")


def test_the_size_limit_counts_each_file_on_its_own():
    handler = UploadSizeLimit(limit=10)
    _feed(handler, [b"x" * 11])
    passed, result = _feed(handler, [b"x" * 10])
    assert passed == [b"x" * 10] and result is None
