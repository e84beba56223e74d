"""The public progress page (/progress/): the stages, the total and each department's person-times
against the targets (§2, Annex), counted as the target dashboards count them
(reports.progress.public_progress) — and nothing the public summary leaves out (districts, types,
kinds, §2.b figures)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from tests.programme_helpers import bare_programme
from tests.web.dashboard_world import build_world


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield build_world()


def _page(client, lang: str = "zh-hans", **params) -> str:
    client.cookies["django_language"] = lang
    response = client.get(reverse("portal:progress"), params)
    assert response.status_code == 200 and "max-age=300" in response["Cache-Control"]
    return response.content.decode()


def _row(html: str, first_cell: str) -> str:
    start = html.index(f'<th scope="row">{first_cell}</th>')
    return html[start : html.index("</tr>", start)]


def test_the_public_sees_the_stages_the_total_and_the_departments(client, world):
    html = _page(client)
    assert "目标任务完成进度" in html and "测试行动" in html
    stage_2020 = _row(html, "阶段2")
    assert '<td class="num">10</td><td class="num">6</td><td class="num">60.0</td>' in stage_2020
    assert 'href="/policy/#clause-2.d"' in stage_2020
    total = html[html.index("<tfoot>") : html.index("</tfoot>")]
    assert '<td class="num">30</td><td class="num">9</td><td class="num">30.0</td>' in total
    assert '<td class="num">18</td><td class="num">5</td>' in _row(html, "测试人社局")
    assert '<td class="num">9</td><td class="num">3</td>' in _row(html, "测试应急局")
    # The public summary holds no district, type, kind or §2.b table.
    for table in ("districts", "types", "kinds", "ratios"):
        assert f'id="table-{table}"' not in html
    assert 'id="table-stages"' in html and 'id="table-departments"' in html


def test_the_progress_page_in_english(client, world):
    html = _page(client, "en")
    assert "Progress against the targets" in html and "Programme total" in html and "Test HR bureau" in html


def test_another_programme_of_the_city_can_be_chosen_and_a_bad_choice_is_ignored(client, world):
    bare_programme(code="later", name="测试后续行动", start_year=2026, end_year=2026, total_target=100)
    cache.clear()
    html = _page(client)
    assert '<option value="later" selected>' in html and "测试后续行动" in html
    chosen = _page(client, programme="test-action")
    assert '<option value="test-action" selected>' in chosen and "阶段2" in chosen
    for bad in ("no-such", "x" * 500, "'; DROP TABLE x; --"):
        assert '<option value="later" selected>' in _page(client, programme=bad)


def test_without_a_programme_the_page_says_so(client, db):
    assert "尚未加载实施方案" in _page(client)


def test_the_progress_page_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    cache.clear()
    with django_assert_max_num_queries(16):  # the programme, its stages, annex and the grouped counts
        _page(client)
    with django_assert_max_num_queries(6):  # cached: the programme and the two keys of the cache
        _page(client)
