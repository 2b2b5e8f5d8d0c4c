"""Check uploaded files by what they contain: their type, a safe display name, a size limit.

A file's name and the content type the browser sends are what the sender *claims*; only
the bytes decide. `file_type_check(file, name)` reads the first bytes (and, for the
office formats, the ZIP's directory and one small entry) and accepts the file only when
its content is one of the allowed types and its name's extension says the same type:

- PDF, PNG, JPEG, GIF and WebP by their magic bytes at the start of the file;
- DOCX and XLSX are ZIP files holding `[Content_Types].xml`, which declares the main
  document type, and `word/document.xml` or `xl/workbook.xml`; the macro-enabled
  variants (.docm, .xlsm) declare another type and are refused;
- ODT is a ZIP whose first entry, `mimetype`, holds `application/vnd.oasis.opendocument.text`.

A ZIP is never unpacked whole: the sizes its directory declares must add up to at most
`max_unpacked` bytes (so a zip bomb is refused before anything is inflated), it may hold
at most `ZIP_ENTRIES_MAX` entries, and the one entry read is read with a bound, whatever
size it declares. A damaged ZIP (bad directory, bad checksum, encrypted) is refused.

`UploadSizeLimit` keeps a too-large upload from filling the disk while the request is
read: past the limit its bytes are dropped and it arrives as an `OversizedUpload` that
says its size, so the form can tell the person how large it was.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileType:
    """A type of file that may be uploaded: its key, label, content type and extensions."""

    key: str
    label: str
    content_type: str
    # The first is the one a stored file is named with.
    extensions: tuple[str, ...]


PDF = FileType("pdf", "PDF", "application/pdf", (".pdf",))
DOCX = FileType(
    "docx",
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileType(
    "xlsx",
    "XLSX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
ODT = FileType("odt", "ODT", "application/vnd.oasis.opendocument.text", (".odt",))
PNG = FileType("png", "PNG", "image/png", (".png",))
JPEG = FileType("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"))
GIF = FileType("gif", "GIF", "image/gif", (".gif",))
WEBP = FileType("webp", "WebP", "image/webp", (".webp",))

FILE_TYPES: dict[str, FileType] = {
    file_type.key: file_type for file_type in (PDF, DOCX, XLSX, ODT, PNG, JPEG, GIF, WEBP)
}

# Signatures at the very start of the file.
MAGIC: tuple[tuple[bytes, FileType], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
ZIP_MAGIC = b"PK\x03\x04"
HEAD_BYTES = 16

# The main part each office format declares in [Content_Types].xml.
WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
SHEET_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CONTENT_TYPES = "[Content_Types].xml"
# What a ZIP may declare before it is refused as a zip bomb, and the most read of one entry.
ZIP_UNPACKED_MAX = 200 * 1024 * 1024
ZIP_ENTRIES_MAX = 10_000
ENTRY_READ_MAX = 1024 * 1024

# A display name: at most this many characters before the extension.
NAME_STEM_MAX = 150
UNSAFE_NAME_CHARACTERS = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')


def type_list(file_types: Iterable[FileType] | None = None) -> str:
    """Return the labels of the types, e.g. "PDF, DOCX, … or WebP" in the active language."""
    labels = [file_type.label for file_type in (file_types or FILE_TYPES.values())]
    if len(labels) == 1:
        return labels[0]
    return gettext("%(first)s or %(last)s") % {
        "first": ", ".join(labels[:-1]),
        "last": labels[-1],
    }


# Parameters of the messages below, put in words when the message is (in its language).
_type_list_lazy = lazy(type_list, str)
_size_lazy = lazy(filesizeformat, str)


def _refuse(code: str, message, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _head(file: BinaryIO, size: int) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def _entry_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """Read one entry, at most `limit` bytes whatever it declares; None when it is longer."""
    with archive.open(info) as member:
        data = member.read(limit + 1)
    return None if len(data) > limit else data


def _zip_type(file: BinaryIO, max_unpacked: int) -> FileType | None:
    """Return DOCX, XLSX or ODT for a ZIP that is one, None for any other ZIP."""
    damaged = _refuse(
        "damaged", _("The file is damaged or protected with a password, so it cannot be checked.")
    )
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if not entries:
                raise damaged
            declared = sum(entry.file_size for entry in entries)
            if len(entries) > ZIP_ENTRIES_MAX or declared > max_unpacked:
                raise _refuse(
                    "unpacks_too_large",
                    _(
                        "The document unpacks to more than %(limit)s, so it is refused "
                        "(it may be a zip bomb)."
                    ),
                    limit=_size_lazy(max_unpacked),
                )
            first = entries[0]
            if first.filename == "mimetype":
                mimetype = _entry_read(archive, first, 200)
                return ODT if mimetype == ODT.content_type.encode() else None
            names = {entry.filename for entry in entries}
            if CONTENT_TYPES not in names:
                return None
            declared_types = _entry_read(archive, archive.getinfo(CONTENT_TYPES), ENTRY_READ_MAX)
            if declared_types is None:
                raise damaged
            if "word/document.xml" in names and WORD_MAIN in declared_types:
                return DOCX
            if "xl/workbook.xml" in names and SHEET_MAIN in declared_types:
                return XLSX
            return None
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise damaged from exc
    except (NotImplementedError, RuntimeError) as exc:
        # An unknown compression method, or an encrypted entry.
        raise damaged from exc
    finally:
        file.seek(0)


def file_type_sniff(file: BinaryIO, *, max_unpacked: int = ZIP_UNPACKED_MAX) -> FileType | None:
    """Return the type the file's content is, or None when it is none of the known types.

    Raises ValidationError (code "damaged" or "unpacks_too_large") for a ZIP that
    cannot be checked safely.
    """
    head = _head(file, HEAD_BYTES)
    for magic, file_type in MAGIC:
        if head.startswith(magic):
            return file_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(ZIP_MAGIC):
        return _zip_type(file, max_unpacked)
    return None


def _claimed_type(name: str, allowed: Iterable[FileType]) -> tuple[str, FileType | None]:
    extension = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    for file_type in allowed:
        if extension in file_type.extensions:
            return extension, file_type
    return extension, None


def file_type_check(
    file: BinaryIO,
    name: str,
    *,
    size: int,
    allowed: Iterable[FileType] | None = None,
    max_unpacked: int = ZIP_UNPACKED_MAX,
) -> FileType:
    """Return the file's type when its content is an allowed type and its name says the same.

    Raises ValidationError with a code: "empty", "not_allowed" (the name's extension is
    none of the allowed types), "lying" (the content is not what the extension says),
    "damaged" or "unpacks_too_large" (a ZIP that cannot be checked safely).
    """
    allowed = list(allowed or FILE_TYPES.values())
    if size <= 0:
        raise _refuse("empty", _("The file is empty."))
    extension, claimed = _claimed_type(name, allowed)
    if claimed is None:
        raise _refuse(
            "not_allowed",
            _("Files of this type cannot be attached. Choose a %(types)s file."),
            types=_type_list_lazy(allowed),
        )
    found = file_type_sniff(file, max_unpacked=max_unpacked)
    if found is not claimed:
        if found is None or found not in allowed:
            raise _refuse(
                "lying",
                _("The file is named %(extension)s, but its content is not a %(type)s file."),
                extension=extension,
                type=claimed.label,
            )
        raise _refuse(
            "lying",
            _("The file is named %(extension)s, but its content is a %(found)s file."),
            extension=extension,
            found=found.label,
        )
    return found


def safe_file_name(name: str, file_type: FileType, *, fallback: str = "file") -> str:
    """Return the sender's file name fit to show and offer for download: no folders, no
    control or direction characters, none that file systems refuse, at most
    NAME_STEM_MAX characters before the extension, which is one of the type's."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    # Control, format (e.g. right-to-left override, zero-width), unassigned, private use.
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = UNSAFE_NAME_CHARACTERS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    extension = f".{extension.lower()}" if dot else ""
    if not dot:
        stem = name
    if extension not in file_type.extensions:
        stem, extension = name, file_type.extensions[0]
    stem = stem[:NAME_STEM_MAX].strip(" .") or fallback
    return f"{stem}{extension}"


class OversizedUpload(UploadedFile):
    """Stands in for an upload that passed the size limit: it has the size, not the content."""

    def __init__(self, name: str, content_type: str, size: int) -> None:
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size)


class UploadSizeLimit(FileUploadHandler):
    """Let at most `limit` bytes of each uploaded file through to the other handlers.

    Put first in `request.upload_handlers` before the request's body is read. The rest
    of a larger file is read and dropped (not stored), and the file arrives as an
    `OversizedUpload` with its full size.
    """

    def __init__(self, request=None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        # None keeps the chunk from the handlers after this one.
        return raw_data if self.received <= self.limit else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received <= self.limit:
            return None
        return OversizedUpload(self.file_name, self.content_type, self.received)


def upload_checked(file, name: str, *, limit: int) -> FileType:
    """Return the type of an uploaded file within `limit` bytes whose content and name agree.

    Every refusal is a ValidationError on the form's "file" field (codes as in
    `file_type_check`, plus "too_large").
    """
    size = file.size or 0
    if size > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    gettext("The file is %(size)s; the largest file you can attach is %(limit)s.")
                    % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
                    code="too_large",
                )
            }
        )
    try:
        return file_type_check(file, name, size=size)
    except ValidationError as exc:
        raise ValidationError({"file": exc}) from None


def upload_store(row, file, save: Callable[[], None]) -> None:
    """Store `file` in the row's FileField (under the row's own name), then run `save()`
    (validate, save and audit the row) in its own transaction; when that fails, delete the
    stored file again before the error goes on, so there is no file without its row.

    Django has no hook for the rollback of an enclosing transaction: callers write nothing
    after this in their own transaction that could still fail.
    """
    file.seek(0)
    row.file.save(row.name, file, save=False)
    try:
        with transaction.atomic():
            save()
    except BaseException:
        row.file.storage.delete(row.file.name)
        raise
