"""Writes to materials: upload a proof, withdraw one, and record a download. Each write is one
transaction with one audit record.

An upload is checked whole before anything is written: the bytes are read once (streamed into a
spool while the SHA-256 and size are computed, stopping at SKILLFUND_MATERIAL_MAX_BYTES), the type
is decided by the content's magic bytes — never by the file name, which must merely agree — and
the file must be complete (a PDF ends with %%EOF, a PNG's chunks and checksums run to IEND, a
JPEG's segments lead to its image data and it ends with EOI). Only then is the file stored, and
it is deleted again if the database insert fails, so a refusal leaves no row and no file.

`actor=None` is the platform itself (imports, the demo loader): it may attach to any record.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from skillfund.accounts import permissions, scoping
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.materials.models import Material

LABEL = "materials.material"
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
# What a refused file really is, when we can tell: named in the message so a person sees why.
OTHER_MAGIC = (
    (b"MZ", "Windows 可执行程序", "a Windows executable"),
    (b"\x7fELF", "ELF 可执行程序", "an ELF executable"),
    (b"#!", "脚本", "a script"),
    (b"PK\x03\x04", "压缩包（zip/Office）", "a zip archive (or Office document)"),
    (b"GIF8", "GIF 图片", "a GIF image"),
)
TYPE_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}
# File-name extensions that agree with each detected type; a name without an extension is accepted.
NAME_EXTENSIONS = {PDF: {".pdf"}, JPEG: {".jpg", ".jpeg", ".jpe", ".jfif"}, PNG: {".png"}}
TAIL = 1024  # a PDF's %%EOF and a JPEG's EOI are looked for this near the end
SPOOL_IN_MEMORY = 1024 * 1024  # larger uploads spill to a temporary file while they are checked


class MaterialError(DomainError):
    """A refused upload or withdrawal; the file is named in both languages."""

    def __init__(self, code: str, *, name: str, zh: str, en: str) -> None:
        self.name = name
        super().__init__(code, f"文件“{name}”{zh}", f'File "{name}" {en}')


# ---- upload --------------------------------------------------------------------------------------


def material_upload(*, file: File, linked_to: models.Model, kind: str, actor: Any) -> Material:
    """Attach `file` as a proof of kind `kind` to the record `linked_to`."""
    name = _original_name(file)
    if kind not in Material.Kind.values:
        raise MaterialError(
            "material_kind", name=name, zh=f"的材料类别“{kind}”未知。", en=f"has an unknown kind {kind!r}."
        )
    _ensure_linkable(linked_to, name)
    _ensure_may(actor, "add", type(linked_to), linked_to.pk, name)
    with _spooled(file, name) as (spool, size, sha256):
        content_type = _detect(spool, size, name)
        stored: list[str] = []
        fields = {
            "linked_to": linked_to,
            "kind": kind,
            "original_name": name,
            "content_type": content_type,
            "size": size,
            "sha256": sha256,
        }
        try:
            return _insert(spool=spool, actor=actor, stored=stored, **fields)
        except IntegrityError as exc:
            _discard(stored)
            if _attached(linked_to, sha256):  # a concurrent upload of the same file won the race
                raise _duplicate(name) from exc
            raise
        except BaseException:
            _discard(stored)
            raise


@transaction.atomic(durable=True)
def _insert(*, spool: IO[bytes], actor: Any, stored: list[str], linked_to: models.Model, **fields: Any) -> Material:
    if _attached(linked_to, fields["sha256"]):
        raise _duplicate(fields["original_name"])
    material = Material(
        linked_type=ContentType.objects.get_for_model(linked_to),
        linked_id=linked_to.pk,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=timezone.now(),
        **fields,
    )
    # The stored name comes from the date and the checksum (models.material_path), never the user.
    material.file.save(fields["original_name"], File(spool), save=False)
    stored.append(material.file.name)
    material.save(force_insert=True)
    audit.record(
        actor=actor,
        action="material.upload",
        target=material,
        after={
            "linked_to": f"{linked_to._meta.label_lower}#{linked_to.pk}",
            **audit.changes(material, ["kind", "original_name", "content_type", "size", "sha256"]),
            "file": material.file.name,
        },
    )
    return material


def _original_name(file: File) -> str:
    """The user's file name without any folder and without control characters (kept for people
    to read and for the download's name, never used as a storage path)."""
    raw = os.path.basename(str(getattr(file, "name", "") or "").replace("\\", "/"))
    cleaned = "".join(ch for ch in raw if ch.isprintable()).strip()
    return cleaned[-255:] or "upload"


def _ensure_linkable(linked_to: Any, name: str) -> None:
    """A saved record that someone can see (it has a scoping selector) and an integer key."""
    if (
        not isinstance(linked_to, models.Model)
        or isinstance(linked_to, Material)
        or not isinstance(linked_to.pk, int)
        or linked_to._meta.label_lower not in scoping.SELECTORS
    ):
        raise MaterialError(
            "material_link",
            name=name,
            zh="无法附在该记录上（记录未保存或不支持附件）。",
            en="cannot be attached to that record (not saved, or it does not carry materials).",
        )


def _ensure_may(actor: Any, verb: str, model: type[models.Model], pk: int, name: str) -> None:
    """A person acts only on records in their scope, and only with the verb their role has."""
    if not getattr(actor, "pk", None):
        return  # the platform
    if not permissions.allowed(actor, LABEL, verb) or not scoping.visible(model, actor).filter(pk=pk).exists():
        raise MaterialError(
            "material_not_allowed",
            name=name,
            zh="：您无权在该记录上上传或撤回材料。",
            en="may not be attached or withdrawn by you on that record.",
        )


def _attached(linked_to: models.Model, sha256: str) -> bool:
    return Material.objects.filter(
        linked_type=ContentType.objects.get_for_model(linked_to),
        linked_id=linked_to.pk,
        sha256=sha256,
        withdrawn_at__isnull=True,
    ).exists()


def _duplicate(name: str) -> MaterialError:
    return MaterialError(
        "material_duplicate",
        name=name,
        zh="已作为该记录的材料上传过（内容相同），未重复保存。",
        en="is already attached to this record (same content); nothing was saved.",
    )


def _discard(stored: list[str]) -> None:
    storage = Material._meta.get_field("file").storage
    for stored_name in stored:
        storage.delete(stored_name)


@contextmanager
def _spooled(file: File, name: str) -> Iterator[tuple[IO[bytes], int, str]]:
    """Read the upload once: into a spool, hashing and counting, refusing as soon as it is too big."""
    limit = settings.SKILLFUND_MATERIAL_MAX_BYTES
    digest, size = hashlib.sha256(), 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        for chunk in file.chunks():
            size += len(chunk)
            if size > limit:
                raise MaterialError(
                    "material_too_large",
                    name=name,
                    zh=f"超过 {_mib(limit)} 的上限，未保存。",
                    en=f"is larger than the {_mib(limit)} limit; nothing was saved.",
                )
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise MaterialError("material_empty", name=name, zh="是空文件，未保存。", en="is empty; nothing was saved.")
        spool.seek(0)
        yield spool, size, digest.hexdigest()


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB"


# ---- what the content is -------------------------------------------------------------------------


def _detect(spool: IO[bytes], size: int, name: str) -> str:
    spool.seek(0)
    head = spool.read(16)
    content_type = next((t for magic, t in MAGIC if head.startswith(magic)), None)
    if content_type is None:
        what = next(((zh, en) for magic, zh, en in OTHER_MAGIC if head.startswith(magic)), None)
        zh_what, en_what = what or ("未知类型", "of an unknown type")
        raise MaterialError(
            "material_type",
            name=name,
            zh=f"不是 PDF、JPEG 或 PNG 文件（按内容识别为{zh_what}），未保存。",
            en=f"is not a PDF, JPEG or PNG file (its content is {en_what}); nothing was saved.",
        )
    extension = os.path.splitext(name)[1].lower()
    if extension and extension not in NAME_EXTENSIONS[content_type]:
        kind = TYPE_NAMES[content_type]
        raise MaterialError(
            "material_type_mismatch",
            name=name,
            zh=f"的内容是 {kind} 文件，与扩展名“{extension}”不符，未保存。",
            en=f"contains a {kind} file but is named {extension}; nothing was saved.",
        )
    if not _READABLE[content_type](spool, size):
        kind = TYPE_NAMES[content_type]
        raise MaterialError(
            "material_unreadable",
            name=name,
            zh=f"看似 {kind} 文件，但内容不完整或已损坏，未保存。",
            en=f"looks like a {kind} file but is truncated or damaged; nothing was saved.",
        )
    return content_type


def _tail(spool: IO[bytes], size: int) -> bytes:
    spool.seek(max(0, size - TAIL))
    return spool.read()


def _pdf_readable(spool: IO[bytes], size: int) -> bool:
    return b"%%EOF" in _tail(spool, size)


def _png_readable(spool: IO[bytes], size: int) -> bool:
    """Walk the chunks: IHDR first, every CRC right, at least one IDAT, and IEND reached."""
    spool.seek(8)
    seen: list[bytes] = []
    while True:
        header = spool.read(8)
        if len(header) < 8:
            return False
        length, chunk_type = int.from_bytes(header[:4], "big"), header[4:]
        data, crc = spool.read(length), spool.read(4)
        if len(data) < length or len(crc) < 4 or zlib.crc32(chunk_type + data) != int.from_bytes(crc, "big"):
            return False
        if not seen and chunk_type != b"IHDR":
            return False
        seen.append(chunk_type)
        if chunk_type == b"IEND":
            return b"IDAT" in seen


_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_readable(spool: IO[bytes], size: int) -> bool:
    """Walk the header segments from SOI to the start of scan (a frame header among them), then
    look for the EOI marker at the end."""
    spool.seek(2)
    frame = False
    while True:
        marker = spool.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return False
        code = marker[1]
        if code == 0xFF:  # fill byte before a marker
            spool.seek(-1, os.SEEK_CUR)
            continue
        if code == 0xDA:
            break
        if code in (0x00, 0x01, 0xD8, 0xD9) or 0xD0 <= code <= 0xD7:
            return False  # no image data before the end, or a marker out of place
        length = int.from_bytes(spool.read(2), "big")
        if length < 2:
            return False
        frame = frame or code in _JPEG_FRAMES
        spool.seek(length - 2, os.SEEK_CUR)
    return frame and b"\xff\xd9" in _tail(spool, size)


_READABLE = {PDF: _pdf_readable, PNG: _png_readable, JPEG: _jpeg_readable}


# ---- withdrawal and download ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def material_withdraw(*, material: Material, actor: Any, reason: str) -> Material:
    """Take a material out of use, with a reason; it stays on record (append-only)."""
    name = material.original_name
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise MaterialError(
            "material_reason",
            name=name,
            zh="撤回须填写原因（不超过 500 字）。",
            en="needs a reason to be withdrawn (at most 500 characters).",
        )
    _ensure_may(actor, "change", Material, material.pk, name)
    now = timezone.now()
    # Conditional update: a double click or a concurrent withdrawal changes nothing the second time.
    changed = Material.objects.filter(pk=material.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_reason=reason
    )
    if changed != 1:
        raise MaterialError("material_withdrawn", name=name, zh="已被撤回。", en="has already been withdrawn.")
    material.refresh_from_db()
    audit.record(
        actor=actor,
        action="material.withdraw",
        target=material,
        before={"withdrawn_at": None},
        after={"withdrawn_at": now},
        reason=reason,
    )
    return material


@transaction.atomic(durable=True)
def material_download_record(*, material: Material, actor: Any) -> None:
    """Record that `actor` was handed the file. The caller found `material` through the scoping
    selector (`materials.selectors.material_for`), which decides who may download it."""
    audit.record(
        actor=actor,
        action="material.download",
        target=material,
        after={"sha256": material.sha256, "size": material.size},
    )
