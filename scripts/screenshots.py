#!/usr/bin/env python3
"""Screenshots of the main pages, desktop and phone, into docs/screenshots/, from a fresh demo server.

    .venv/bin/python scripts/screenshots.py            # build the demo (~20 s), serve it, shoot every page
    .venv/bin/python scripts/screenshots.py --only portal login   # names starting with these

The public pages are shot on a desktop (1366 px) and a phone (390 px); each demo account's workspace
(/work/) and the pages its navigation offers (each audience's nav.py) on the desktop, the worker's
pages on the phone. PNGs are kept under 200 KB (palette-reduced when larger). docs/screenshots/README.md
lists them all and README.md's "Screenshots" section shows the main ones (between its markers).
Uses Debian's chromium like the browser tests (tests/browser/README.md)."""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402  (Pillow comes with reportlab)
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.demo_server import build_demo, start_server, stop_server  # noqa: E402
from tests.browser.helpers import PASSWORD  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
MAX_BYTES = 200 * 1024
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
MAX_HEIGHT = {"desktop": 1800, "phone": 2400}  # CSS px of a long page that are kept (top first)
# The demo accounts in the order the README shows them, with what their workspace is.
ACCOUNTS = [  # a page two accounts share (the dashboard) is shot for the first: the city-wide view first
    ("institution", "Training institution / 培训机构"),
    ("enterprise", "Enterprise / 企业"),
    ("hr", "HR bureau staff / 人社局业务员"),
    ("hr_approver", "HR bureau approver / 人社局审批人"),
    ("hr_clerk", "HR bureau front desk / 人社局窗口"),
    ("dept_emergency", "Supervising department / 主管部门"),
    ("finance", "Finance bureau / 财政局"),
    ("auditor", "Auditor / 审计"),
    ("admin", "Administrator / 系统管理员"),
]
PUBLIC = [
    ("portal-home", "/", "Public portal / 公众门户"),
    ("portal-policy", "/policy/", "Policy text with clause anchors / 政策原文"),
    ("public-notices", "/public/notices/", "Public notices / 公示"),
    ("public-disclosure", "/public/disclosure/", "Fund-use disclosure / 资金使用公开"),
    ("login", "/login/", "Staff sign-in / 工作人员登录"),
]
WORKER_MOBILE = "13900000001"  # the demo worker (setup_demo)
PER_ROLE_PAGES = 6  # navigation entries shot per account (the first ones)
README_SHOWN = (
    "portal-home",
    "portal-policy",
    "public-notices",
    "login",
    "me",
    "me-classes",
    "workspace-institution",
    "work-institution-plans",
    "work-review-applications",
    "work-dashboard",
    "work-finance-payable",
)


@dataclass
class Shot:
    name: str
    title: str
    path: str
    kind: str  # desktop | phone
    file: str = ""
    note: str = ""


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def _save(png: bytes, target: Path) -> int:
    """Write the PNG, palette-reduced (and then narrowed) until it fits MAX_BYTES."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colors, scale in ((None, 1.0), (256, 1.0), (128, 1.0), (128, 0.75), (64, 0.6), (64, 0.5)):
        candidate = image if scale == 1.0 else image.resize((int(image.width * scale), int(image.height * scale)))
        if colors:
            candidate = candidate.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        buffer = io.BytesIO()
        candidate.save(buffer, "PNG", optimize=True)
        if buffer.tell() <= MAX_BYTES:
            break
    target.write_bytes(buffer.getvalue())
    return buffer.tell()


def _shoot(page, shot: Shot) -> Shot:
    response = page.goto(shot.path)
    status = response.status if response else 0
    page.wait_for_load_state("networkidle")
    if page.locator("canvas, svg").count():
        page.wait_for_timeout(1500)  # charts animate in
    if status >= 400:
        shot.note = f"HTTP {status}"
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[shot.kind])
    width = page.viewport_size["width"]
    png = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    shot.file = f"{shot.name}-{shot.kind}.png"
    size = _save(png, OUT / shot.file)
    print(f"  {shot.file:45} {size // 1024:4d} KB  {shot.path}{'  ' + shot.note if shot.note else ''}")
    return shot


def _sign_in(page, username: str) -> bool:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    return "/login/" not in page.url


def _sign_in_worker(page, mobile: str = WORKER_MOBILE) -> bool:
    """A worker's sign-in: mobile number, then the one-time code (the relaxed demo shows it on the page)."""
    page.goto("/me/login/")
    page.fill("input[name=mobile]", mobile)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", page.locator("main .notice").first.inner_text())
    if not found:
        return False
    page.fill("input[name=code]", found.group(1))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    return "/login/" not in page.url


def _nav_links(page) -> list[tuple[str, str]]:
    links = page.eval_on_selector_all(
        "nav.worknav a", "els => els.map(a => [a.textContent.trim(), new URL(a.href).pathname])"
    )
    return [(label, path) for label, path in links if path != "/work/"]


def _wanted(name: str, only: list[str]) -> bool:
    return not only or any(name.startswith(prefix) for prefix in only)


def shoot_all(base_url: str, browser, only: list[str]) -> list[Shot]:
    shots: list[Shot] = []
    for kind, options in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
        page = context.new_page()
        for name, path, title in PUBLIC:
            if _wanted(name, only):
                shots.append(_shoot(page, Shot(name, title, path, kind)))
        context.close()
    seen: set[str] = set()
    for username, title in ACCOUNTS:
        contexts = {}

        def signed_in(kind: str, username=username, contexts=contexts):
            if kind not in contexts:
                options = DESKTOP if kind == "desktop" else PHONE
                context = browser.new_context(base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
                contexts[kind] = (context, context.new_page())
                if not _sign_in(contexts[kind][1], username):
                    raise RuntimeError(f"{username} could not sign in")
            return contexts[kind][1]

        try:
            page = signed_in("desktop")
            if _wanted(f"workspace-{username}", only):
                shots.append(_shoot(page, Shot(f"workspace-{username}", f"{title}: workspace", "/work/", "desktop")))
            for label, path in _nav_links(page)[:PER_ROLE_PAGES]:
                name = _slug(path)
                if path in seen or not _wanted(name, only):
                    continue
                seen.add(path)
                kind = "phone" if path.startswith("/me/") else "desktop"
                shots.append(_shoot(signed_in(kind), Shot(name, f"{title}: {label}", path, kind)))
        except RuntimeError as exc:
            print(f"  ! {exc}")
        for context, _ in contexts.values():
            context.close()
    # The worker, on a phone: their voucher, the classes for them, their claims (their nav entries).
    context = browser.new_context(base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    page = context.new_page()
    if _sign_in_worker(page):
        for label, path in [("", "/me/"), *_nav_links(page)]:
            name = _slug(path)
            if path in seen or not _wanted(name, only):
                continue
            seen.add(path)
            shots.append(_shoot(page, Shot(name, f"Worker / 劳动者{': ' + label if label else ''}", path, "phone")))
    else:
        print("  ! the demo worker could not sign in")
    context.close()
    return shots


def _write_index(shots: list[Shot]) -> None:
    lines = [
        "# Screenshots",
        "",
        "Made by `.venv/bin/python scripts/screenshots.py` from a fresh demo (`setup_demo`), in Chinese, Beijing time.",
        "Desktop 1366 px wide, phone 390 px; long pages are cut at the top part.",
        "",
        "| page | address | screenshot |",
        "|---|---|---|",
    ]
    for shot in shots:
        lines.append(f"| {shot.title} ({shot.kind}) | `{shot.path}` | ![{shot.title}]({shot.file}) |")
    (OUT / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_readme_section(shots: list[Shot]) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- screenshots:start -->", "<!-- screenshots:end -->"
    by_file = {shot.file: shot for shot in shots}
    rows = []
    for name in README_SHOWN:
        desktop, phone = by_file.get(f"{name}-desktop.png"), by_file.get(f"{name}-phone.png")
        if not desktop and not phone:
            continue
        cells = [
            f'<img src="docs/screenshots/{s.file}" alt="{s.title} ({s.kind})" width="{480 if s.kind == "desktop" else 180}">'
            for s in (desktop, phone)
            if s
        ]
        rows.append(f"| {(desktop or phone).title} | {' '.join(cells)} |")
    body = "\n".join(
        [
            start,
            "Made by `.venv/bin/python scripts/screenshots.py` from the demo data; all of them (every role's pages,",
            "desktop and phone) in [docs/screenshots/](docs/screenshots/README.md).",
            "",
            "| page | desktop · phone |",
            "|---|---|",
            *rows,
            end,
        ]
    )
    if start in text:
        text = text[: text.index(start)] + body + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n## Screenshots\n\n" + body + "\n"
    readme.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="shoot only names starting with these")
    parser.add_argument("--persons", type=int, default=300)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="skillfund-shots-") as tmp:
        print("building the demo data …")
        pristine = build_demo(Path(tmp) / "pristine", persons=args.persons)
        server = start_server(pristine, Path(tmp) / "served")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                shots = shoot_all(server.base, browser, args.only)
                browser.close()
        finally:
            stop_server(server)
    if not args.only:
        # Remove only this script's own earlier shots (listed in its index) that it did not make again;
        # pictures others put in docs/screenshots stay.
        index = OUT / "README.md"
        earlier = (
            set(re.findall(r"\]\(([\w.-]+\.png)\)", index.read_text(encoding="utf-8"))) if index.exists() else set()
        )
        for stale in earlier - {s.file for s in shots}:
            (OUT / stale).unlink(missing_ok=True)
        _write_index(shots)
        _write_readme_section(shots)
    print(f"{len(shots)} screenshots in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
