"""The dashboard's .xlsx for reporting upward: it opens with openpyxl, every sheet is headed by the
title, the document, the unit (人次) and the date, then the table with numbers as numbers; text
that looks like a formula stays text; a department's workbook holds only its own rows."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from skillfund.programme.actions import workforce_figures_record
from tests.web.dashboard_world import build_world


@pytest.fixture
def world(db, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    return build_world()


def workbook(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("web:dashboard:export"), params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)), response


def rows(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_workbook_has_a_sheet_per_table_with_the_reporting_header(client, world):
    book, response = workbook(client, world["hr"], programme="test-action", year="all")
    assert 'filename="progress-test-action-2019-2021.xlsx"' in response["Content-Disposition"]
    assert book.sheetnames == ["说明", "分阶段", "按部门", "按旗区", "按培训类型", "按补贴类别", "技能人才比例"]
    stages = rows(book["分阶段"])
    assert stages[0][0] == "测试行动目标任务进展情况（2019–2021）"
    assert stages[1][0] == f"依据：鄂就组发〔2019〕1号　单位：人次　统计截止：{timezone.localdate().isoformat()}"
    assert stages[2][0] == "填报单位：—"  # an HR user without an organization
    assert stages[3][0].startswith("分阶段目标与总目标")
    assert stages[5][:6] == ["阶段", "年度", "条款", "目标（人次）", "人次", "完成率（%）"]
    assert stages[6][:5] == ["阶段1", "2019", "§2.c", 5, 2]
    assert stages[9][:6] == ["方案总计", "2019–2021", "§2", 30, 9, 30]
    departments = rows(book["按部门"])
    assert departments[6][:6] == ["测试人社局", "就业技能", "Annex.1", 18, 5, pytest.approx(27.8)]
    assert departments[7][0] == "    城镇就业技能" and departments[7][3:5] == [12, 1]
    assert [r[0] for r in departments[6:12]] == [
        "测试人社局",
        "    城镇就业技能",
        "    创业培训",
        "    未指明子项",
        "测试应急局",
        "测试工信局",
    ]
    assert departments[12][:5] == ["合计", None, "Annex", 27, 9]
    districts = {r[0]: r[1] for r in rows(book["按旗区"])[6:]}
    assert (districts["东胜区"], districts["伊金霍洛旗"], districts["达拉特旗"], districts["合计"]) == (5, 3, 1, 9)


def test_formula_like_text_stays_text(client, world):
    workforce_figures_record(
        actor=world["hr"],
        year=2020,
        region="150600",
        employed=1000,
        skilled_base=240,
        high_skilled_base=70,
        source_document='=HYPERLINK("http://example.com","统计年鉴")',
    )
    book, _response = workbook(client, world["hr"], programme="test-action", year="2020")
    assert "逐月" in book.sheetnames
    sheet = book["技能人才比例"]
    cell = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and cell.value.startswith("2020年：=HYPERLINK")
    ratio = rows(sheet)[7]  # 2019, then 2020
    assert ratio[:8] == ["2020", "鄂尔多斯市", cell.value, 1000, 240, 4, 244, pytest.approx(24.4)]


def test_a_departments_workbook_holds_its_own_rows(client, world):
    book, _response = workbook(client, world["user_a"], programme="test-action", year="all")
    assert "分阶段" not in book.sheetnames and "技能人才比例" not in book.sheetnames
    departments = rows(book["按部门"])
    assert departments[2][0] == "填报单位：测试人力资源和社会保障局"
    names = [r[0] for r in departments[6:]]
    assert "测试人社局" in names and "测试应急局" not in names and "测试工信局" not in names
    assert {r[0]: r[1] for r in rows(book["按旗区"])[6:]}["合计"] == 5
