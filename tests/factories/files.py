"""Small but real files of every type a project may have attached, and a few that lie.

Made here in a few lines each (no binary fixtures in git): the images are valid 1×1 pixel
pictures, the office documents are ZIPs with the parts their formats require (the XLSX
is written by openpyxl, as a spreadsheet program would).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x0b\x5d\x3b")
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    # The start of a JFIF file; the content past the marker is never decoded.
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def gif_bytes() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x0b\x5d\x3b\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def webp_bytes() -> bytes:
    body = b"WEBPVP8L" + struct.pack("<I", 10) + b"\x2f\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def zip_bytes(entries: list[tuple[str, bytes | str]], *, encrypted_flag: bool = False) -> bytes:
    """A ZIP with the entries in order (the first one stored, as ODF wants its mimetype)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number, (name, content) in enumerate(entries):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if number == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    data = bytearray(buffer.getvalue())
    if encrypted_flag:
        # Mark every entry as encrypted (zipfile cannot write encrypted entries): the flag
        # is at offset 6 of a local header and offset 8 of a central directory header.
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = data.find(signature)
            while start != -1:
                data[start + offset] |= 0x1
                start = data.find(signature, start + 4)
    return bytes(data)


def docx_bytes(main: str = WORD_MAIN, *, extra: list[tuple[str, bytes | str]] = ()) -> bytes:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
    )
    return zip_bytes(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", "<Relationships/>"),
            ("word/document.xml", "<w:document/>"),
            *extra,
        ]
    )


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Kommun", "Utsläpp"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odt_bytes(mimetype: str = ODT_MIMETYPE) -> bytes:
    return zip_bytes(
        [
            ("mimetype", mimetype),
            ("content.xml", "<office:document-content/>"),
            ("META-INF/manifest.xml", "<manifest:manifest/>"),
        ]
    )


# Type key -> (a file name with the type's extension, the content).
SAMPLES = {
    "pdf": ("Slutrapport.pdf", pdf_bytes),
    "docx": ("Beslut.docx", docx_bytes),
    "xlsx": ("Kalkyl.xlsx", xlsx_bytes),
    "odt": ("Minnesanteckningar.odt", odt_bytes),
    "png": ("Karta.png", png_bytes),
    "jpeg": ("Foto.jpg", jpeg_bytes),
    "gif": ("Diagram.gif", gif_bytes),
    "webp": ("Bild.webp", webp_bytes),
}


def sample(key: str, name: str | None = None, content_type: str = "") -> SimpleUploadedFile:
    """An uploaded file of the type `key` (its browser content type is whatever is given)."""
    default_name, make = SAMPLES[key]
    return SimpleUploadedFile(name or default_name, make(), content_type=content_type)


def upload(name: str, content: bytes, content_type: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
