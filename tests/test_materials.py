"""Materials: uploaded proofs (PDF, JPEG, PNG) typed by their content, checksummed, stored once per
record; a forged or damaged upload is refused with nothing written; a download goes only to those
who see the record the proof belongs to, and is audit-logged."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.module_loading import import_string

from config import settings as project_settings
from skillfund.accounts import scoping
from skillfund.accounts.models import Role
from skillfund.core.models import AuditRecord
from skillfund.materials import actions
from skillfund.materials.actions import material_upload, material_withdraw
from skillfund.materials.models import Material
from skillfund.materials.selectors import materials_of
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory, make_class_plan

pytestmark = pytest.mark.django_db


# ---- real files, built here ------------------------------------------------------------------------


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """An 8×8 grey baseline JPEG: one block whose coefficients are all zero."""

    def segment(marker: int, data: bytes) -> bytes:
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(data) + 2) + data

    one_code = bytes([1] + [0] * 15)  # a Huffman table with a single code of length 1
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + bytes([1] * 64))
        + segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00")
        + segment(0xC4, b"\x00" + one_code + b"\x00")  # DC: difference 0
        + segment(0xC4, b"\x10" + one_code + b"\x00")  # AC: end of block
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"  # DC '0', EOB '0', padded with ones
        + b"\xff\xd9"
    )


def pdf_bytes(text: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>" + text,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode."
)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")  # the browser's claim is ignored


# ---- the world -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SKILLFUND_REQUIRE_2FA = False
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def world():
    dept_a, dept_b = DepartmentFactory(name="应急管理局"), DepartmentFactory(name="农牧局")
    inst = OrganizationFactory(name="甲培训学校")
    hr = UserFactory(role=Role.HR_STAFF)
    return {
        "hr": hr,
        "user_a": UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept_a),
        "user_b": UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept_b),
        "user_x": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=inst),
        "plan_a": make_class_plan(code="A-1", institution=inst, department=dept_a, approver=hr),
        "plan_b": make_class_plan(code="B-1", department=dept_b, approver=hr),
    }


def state(media: Path) -> tuple[int, int, int]:
    return Material.objects.count(), AuditRecord.objects.count(), len(stored_files(media))


# ---- accepted uploads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type", "extension"),
    [
        ("开班计划.pdf", pdf_bytes(), "application/pdf", ".pdf"),
        ("证书扫描.JPG", jpeg_bytes(), "image/jpeg", ".jpg"),
        ("考勤表.png", png_bytes(), "image/png", ".png"),
        ("no-extension", png_bytes(), "image/png", ".png"),
    ],
)
def test_pdf_jpeg_and_png_are_accepted_stored_and_checksummed(world, media, name, data, content_type, extension):
    material = material_upload(
        file=upload(name, data),
        linked_to=world["plan_a"],
        kind=Material.Kind.CLASS_PLAN_DOCUMENT,
        actor=world["user_x"],
    )
    material.refresh_from_db()
    sha256 = hashlib.sha256(data).hexdigest()
    assert (material.content_type, material.size, material.sha256) == (content_type, len(data), sha256)
    assert material.original_name == name and material.linked_to == world["plan_a"]
    assert material.uploaded_by == world["user_x"]
    # The stored name comes from the date and the checksum, never from the user's file name.
    assert material.file.name == f"materials/{material.uploaded_at:%Y/%m/%d}/{sha256}{extension}"
    assert (media / material.file.name).read_bytes() == data
    record = AuditRecord.objects.latest("id")
    assert (record.action, record.target_id, record.actor_id) == (
        "material.upload",
        str(material.pk),
        world["user_x"].pk,
    )
    assert record.after["sha256"] == sha256 and record.after["linked_to"] == f"training.classplan#{world['plan_a'].pk}"


def test_the_platform_may_attach_a_proof_without_a_person(world):
    material = material_upload(
        file=upload("roster.pdf", pdf_bytes()), linked_to=world["plan_b"], kind="roster", actor=None
    )
    assert material.uploaded_by is None and AuditRecord.objects.latest("id").actor_username == "system"


# ---- refused uploads: a clear error, nothing written ----------------------------------------------


def refused(world, media, name: str, data: bytes, *, linked_to=None, actor=None, kind="other") -> actions.MaterialError:
    before = state(media)
    with pytest.raises(actions.MaterialError) as caught:
        material_upload(
            file=upload(name, data),
            linked_to=linked_to or world["plan_a"],
            kind=kind,
            actor=actor or world["user_x"],
        )
    assert state(media) == before, "a refused upload must leave no row, no audit record and no file"
    return caught.value


def test_an_executable_named_pdf_is_refused_and_nothing_is_written(world, media):
    error = refused(world, media, "proof.pdf", EXECUTABLE)
    assert error.code == "material_type"
    assert "proof.pdf" in error.zh and "proof.pdf" in error.en
    assert "Windows executable" in error.en and "Windows 可执行程序" in error.zh
    assert not stored_files(media)


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01" + b"\x00" * 40,
        b"#!/bin/sh\nrm -rf /\n",
        b"PK\x03\x04" + b"\x00" * 40,
        b"GIF89a\x01\x00\x01\x00",
        b"just some text that says %PDF- later on\n%%EOF",
        b" %PDF-1.4 with a leading space",
    ],
)
def test_anything_but_pdf_jpeg_or_png_is_refused_whatever_its_name(world, media, data):
    assert refused(world, media, "proof.pdf", data).code == "material_type"


def test_a_png_named_pdf_is_refused(world, media):
    error = refused(world, media, "scan.pdf", png_bytes())
    assert error.code == "material_type_mismatch" and "PNG" in error.en and ".pdf" in error.en


def test_a_pdf_named_exe_is_refused(world, media):
    assert refused(world, media, "invoice.exe", pdf_bytes()).code == "material_type_mismatch"


def test_an_empty_file_is_refused(world, media):
    error = refused(world, media, "empty.pdf", b"")
    assert error.code == "material_empty" and "empty.pdf" in error.en


def test_a_file_over_the_size_limit_is_refused(world, media, settings):
    settings.SKILLFUND_MATERIAL_MAX_BYTES = 2048
    error = refused(world, media, "big.pdf", pdf_bytes(b" " * 4096))
    assert error.code == "material_too_large" and "big.pdf" in error.en
    # At the limit exactly, it is accepted.
    data = pdf_bytes()
    settings.SKILLFUND_MATERIAL_MAX_BYTES = len(data)
    assert material_upload(
        file=upload("ok.pdf", data), linked_to=world["plan_a"], kind="other", actor=None
    ).size == len(data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cut.pdf", pdf_bytes()[:-20]),  # no %%EOF at the end
        ("cut.png", png_bytes()[:-12]),  # no IEND
        ("bad-crc.png", png_bytes()[:-1] + b"\x00"),
        ("no-data.png", png_bytes()[:33] + png_bytes()[-12:]),  # IHDR then IEND, no image data
        ("cut.jpg", jpeg_bytes()[:-2]),  # no EOI
        ("header-only.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 6),
    ],
)
def test_a_truncated_or_damaged_file_is_refused(world, media, name, data):
    assert refused(world, media, name, data).code == "material_unreadable"


def test_the_same_file_attached_twice_to_one_record_is_refused(world, media):
    data = pdf_bytes()
    material_upload(file=upload("a.pdf", data), linked_to=world["plan_a"], kind="other", actor=None)
    error = refused(world, media, "a-copy.pdf", data)
    assert error.code == "material_duplicate"
    # The same file may prove another record.
    material_upload(file=upload("a.pdf", data), linked_to=world["plan_b"], kind="other", actor=None)
    assert Material.objects.filter(sha256=hashlib.sha256(data).hexdigest()).count() == 2
    assert len(stored_files(media)) == 2


def test_the_database_refuses_a_duplicate_that_slips_past_the_check_and_the_file_is_removed(world, media, monkeypatch):
    data = png_bytes()
    material_upload(file=upload("a.png", data), linked_to=world["plan_a"], kind="other", actor=None)
    real, calls = actions._attached, []

    def misses_once(linked_to, sha256):  # the check misses it, as under a concurrent upload
        calls.append(sha256)
        return len(calls) > 1 and real(linked_to, sha256)

    monkeypatch.setattr(actions, "_attached", misses_once)
    error = refused(world, media, "a.png", data)
    assert error.code == "material_duplicate" and len(calls) == 2  # refused by the unique constraint


def test_a_failed_insert_deletes_the_stored_file(world, media, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(actions.audit, "record", broken)
    before = state(media)
    with pytest.raises(RuntimeError):
        material_upload(file=upload("a.pdf", pdf_bytes()), linked_to=world["plan_a"], kind="other", actor=None)
    assert state(media) == before


def test_a_user_cannot_attach_to_a_record_outside_their_scope(world, media):
    error = refused(world, media, "a.pdf", pdf_bytes(), linked_to=world["plan_b"], actor=world["user_a"])
    assert error.code == "material_not_allowed"


def test_a_read_only_role_cannot_attach(world, media):
    finance = UserFactory(role=Role.FINANCE_OFFICER)
    assert refused(world, media, "a.pdf", pdf_bytes(), actor=finance).code == "material_not_allowed"


def test_an_unknown_kind_and_an_unsaved_record_are_refused(world, media):
    assert refused(world, media, "a.pdf", pdf_bytes(), kind="selfie").code == "material_kind"
    unsaved = Material(original_name="x")
    assert refused(world, media, "a.pdf", pdf_bytes(), linked_to=unsaved).code == "material_link"


def test_a_users_folder_in_the_file_name_is_dropped(world):
    material = material_upload(
        file=upload("../../etc/证明.pdf", pdf_bytes()), linked_to=world["plan_a"], kind="other", actor=None
    )
    assert material.original_name == "证明.pdf" and ".." not in material.file.name


# ---- withdrawal -------------------------------------------------------------------------------------


def test_withdrawal_needs_a_reason_keeps_the_record_and_happens_once(world, media):
    data = pdf_bytes()
    material = material_upload(file=upload("a.pdf", data), linked_to=world["plan_a"], kind="other", actor=None)
    with pytest.raises(actions.MaterialError) as caught:
        material_withdraw(material=material, actor=world["user_a"], reason="  ")
    assert caught.value.code == "material_reason"
    material_withdraw(material=material, actor=world["user_a"], reason="传错了班级")
    material.refresh_from_db()
    assert material.withdrawn_at is not None and material.withdrawn_reason == "传错了班级"
    record = AuditRecord.objects.latest("id")
    assert (record.action, record.reason) == ("material.withdraw", "传错了班级")
    with pytest.raises(actions.MaterialError) as caught:
        material_withdraw(material=material, actor=world["user_a"], reason="again")
    assert caught.value.code == "material_withdrawn"
    # Once withdrawn, the right file can be attached again; the withdrawn one stays on record.
    material_upload(file=upload("a.pdf", data), linked_to=world["plan_a"], kind="other", actor=None)
    assert Material.objects.filter(linked_id=world["plan_a"].pk).count() == 2


def test_another_department_cannot_withdraw(world):
    material = material_upload(file=upload("a.pdf", pdf_bytes()), linked_to=world["plan_a"], kind="other", actor=None)
    with pytest.raises(actions.MaterialError) as caught:
        material_withdraw(material=material, actor=world["user_b"], reason="not mine")
    assert caught.value.code == "material_not_allowed"


# ---- who sees and downloads -------------------------------------------------------------------------


@pytest.fixture
def proofs(world):
    return {
        "a": material_upload(
            file=upload("开班计划.pdf", pdf_bytes()), linked_to=world["plan_a"], kind="class_plan_document", actor=None
        ),
        "b": material_upload(
            file=upload("roster.png", png_bytes()), linked_to=world["plan_b"], kind="roster", actor=None
        ),
    }


def test_a_material_is_seen_by_whoever_sees_its_record(world, proofs):
    def seen(user):
        return set(scoping.visible(Material, user).values_list("original_name", flat=True))

    assert seen(world["user_a"]) == {"开班计划.pdf"}
    assert seen(world["user_b"]) == {"roster.png"}
    assert seen(world["user_x"]) == {"开班计划.pdf"}
    assert seen(world["hr"]) == {"开班计划.pdf", "roster.png"}
    assert seen(UserFactory(role="")) == set()
    assert list(materials_of(world["plan_a"], world["user_b"])) == []
    assert list(materials_of(world["plan_a"], world["user_a"])) == [proofs["a"]]


def test_an_authorised_user_downloads_the_bytes_with_safe_headers_and_an_audit_record(client, world, proofs):
    client.force_login(world["user_a"])
    response = client.get(reverse("materials:download", args=[proofs["a"].pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%BC%80%E7%8F%AD%E8%AE%A1%E5%88%92.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(proofs["a"].size)
    record = AuditRecord.objects.latest("id")
    assert (record.action, record.target_id, record.actor_id) == (
        "material.download",
        str(proofs["a"].pk),
        world["user_a"].pk,
    )


def test_a_user_of_another_department_gets_not_found_and_nothing_is_recorded(client, world, proofs):
    client.force_login(world["user_b"])
    before = AuditRecord.objects.count()
    assert client.get(reverse("materials:download", args=[proofs["a"].pk])).status_code == 404
    assert client.get(reverse("materials:download", args=[999_999])).status_code == 404
    assert AuditRecord.objects.count() == before


def test_download_needs_a_signed_in_user(client, proofs):
    response = client.get(reverse("materials:download", args=[proofs["a"].pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


# ---- back office ------------------------------------------------------------------------------------


def test_upload_through_the_back_office_goes_through_the_action(client, world, media):
    client.force_login(world["user_x"])
    assert client.get(reverse("admin:materials_material_add")).status_code == 200
    response = client.post(
        reverse("admin:materials_material_add"),
        {
            "linked_type": "training.classplan",
            "linked_id": world["plan_a"].pk,
            "kind": "roster",
            "file": upload("名单.png", png_bytes()),
        },
    )
    assert response.status_code == 302
    material = Material.objects.get()
    assert (material.original_name, material.uploaded_by) == ("名单.png", world["user_x"])
    assert AuditRecord.objects.latest("id").action == "material.upload"
    assert client.get(reverse("admin:materials_material_change", args=[material.pk])).status_code == 200


def test_a_forged_upload_in_the_back_office_is_shown_and_nothing_written(client, world, media):
    client.force_login(world["user_x"])
    before = state(media)
    response = client.post(
        reverse("admin:materials_material_add"),
        {
            "linked_type": "training.classplan",
            "linked_id": world["plan_a"].pk,
            "kind": "other",
            "file": upload("proof.pdf", EXECUTABLE),
        },
    )
    assert response.status_code == 200
    assert "proof.pdf" in response.content.decode() and "Windows" in response.content.decode()
    assert state(media) == before


def test_the_back_office_offers_only_records_in_scope(client, world, media):
    client.force_login(world["user_a"])
    response = client.post(
        reverse("admin:materials_material_add"),
        {
            "linked_type": "training.classplan",
            "linked_id": world["plan_b"].pk,
            "kind": "other",
            "file": upload("a.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 200 and not Material.objects.exists()


def test_back_office_list_is_scoped_read_only_and_does_not_grow_queries_per_row(client, world, proofs):
    client.force_login(world["user_a"])
    url = reverse("admin:materials_material_changelist")
    html = client.get(url).content.decode()
    assert "开班计划.pdf" in html and "roster.png" not in html
    assert client.get(reverse("admin:materials_material_change", args=[proofs["b"].pk])).status_code == 404
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(3):
        material_upload(
            file=upload(f"p{n}.png", png_bytes(width=n + 3)), linked_to=world["plan_a"], kind="other", actor=None
        )
    with CaptureQueriesContext(connection) as four:
        assert client.get(url).content.decode().count("p2.png") >= 1
    assert len(four) == len(one)


# ---- storage settings ---------------------------------------------------------------------------------


def test_storage_is_the_filesystem_under_media_root_by_default():
    built = project_settings.storages_from({})
    assert built["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert "staticfiles" in built


def test_skillfund_storage_s3_selects_the_s3_backend_configured_from_the_environment():
    environ = {
        "SKILLFUND_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "skillfund-proofs",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ACCESS_KEY_ID": "minio",
        "AWS_SECRET_ACCESS_KEY": "minio-secret",
        "AWS_S3_REGION_NAME": "cn-north-1",
    }
    default = project_settings.storages_from(environ)["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    # The backend class exists and accepts these options (constructing it opens no connection).
    storage = import_string(default["BACKEND"])(**default["OPTIONS"])
    assert (storage.bucket_name, storage.endpoint_url, storage.region_name) == (
        "skillfund-proofs",
        "http://127.0.0.1:9000",
        "cn-north-1",
    )
    assert storage.access_key == "minio" and storage.file_overwrite is False


@pytest.mark.parametrize(
    "environ", [{"SKILLFUND_STORAGE": "s3"}, {"SKILLFUND_STORAGE": "ftp", "AWS_STORAGE_BUCKET_NAME": "x"}]
)
def test_a_wrong_storage_configuration_stops_the_start(environ):
    with pytest.raises(ImproperlyConfigured):
        project_settings.storages_from(environ)
