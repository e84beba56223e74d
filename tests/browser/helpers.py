"""Helpers of the browser tests (fixtures in conftest.py): sign in, visit, axe-core, glyphs, widths."""

from __future__ import annotations

from dataclasses import dataclass, field

PASSWORD = "skillfund-demo"


def needs_pages(*modules: str):
    """Skip a journey whose pages are not on this branch yet (helpers land one by one): a mark for
    `pytestmark`, naming the view modules the journey walks through."""
    import importlib.util

    import pytest

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing), reason=f"pages not on this branch yet: {', '.join(missing)}")


@dataclass
class Watch:
    """What went wrong on a page: server errors, uncaught exceptions, console errors."""

    problems: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if not any(a in text for a in self.allowed):
            self.problems.append(text)


_WATCHES: dict[int, Watch] = {}


def watch(page) -> Watch:
    """Start watching a page (the fixtures do it)."""
    watched = Watch()
    _WATCHES[id(page)] = watched

    def on_console(message):
        # A failed load is judged from its response below: a page's own 4xx (a refused form, a 404 of
        # another organization's record) is the test's to check, a sub-resource's is a problem.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            watched.add(f"console error on {page.url}: {message.text}")

    def on_response(response):
        request = response.request
        if response.status >= 500:
            watched.add(f"HTTP {response.status} for {request.method} {response.url}")
        elif (
            response.status >= 400
            and request.resource_type not in ("document", "fetch", "xhr")
            and not response.url.endswith("/favicon.ico")  # a browser's own guess
        ):
            watched.add(f"HTTP {response.status} for {request.resource_type} {response.url} on {page.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.add(f"page error on {page.url}: {error}"))
    page.on("response", on_response)
    return watched


def allow_console(page, text: str) -> None:
    """Let a test expect a problem whose text contains `text` (a console error, a failed sub-resource)."""
    _WATCHES[id(page)].allowed.append(text)


def finish_watch(page, watched: Watch) -> None:
    _WATCHES.pop(id(page), None)
    assert not watched.problems, "problems in the browser:\n" + "\n".join(watched.problems)


def visit(page, path: str, *, status: int = 200):
    """Open a path of the demo server and check the answer's status (200 unless told)."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
    return response


def sign_in(page, username: str, password: str = PASSWORD, *, next_path: str = "") -> None:
    """Sign in with a demo account through the sign-in page (the demo relaxes the second factor)."""
    visit(page, "/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    assert "/login/" not in page.url, f"sign-in of {username!r} failed: still on {page.url}"


def solve_captcha(page, server, form: str = "form") -> None:
    """Type the answer of the form's captcha picture (read from the demo server's database)."""
    hashkey = page.locator(f"{form} input[name=captcha_0]").input_value()
    page.locator(f"{form} input[name=captcha_1]").fill(server.captcha_answer(hashkey))


def sign_out(page) -> None:
    with page.expect_navigation():
        page.click("header form[action$='/logout/'] button")


SERIOUS = ("serious", "critical")


def axe_violations(page, impacts=SERIOUS) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:])
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
            lines.append(f"      {node['html'][:160]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def assert_no_serious_axe(page) -> None:
    """axe-core over the current page: no serious or critical violation (they are printed readably)."""
    found = axe_violations(page)
    assert not found, f"axe-core on {page.url}:\n{format_violations(found)}"


def assert_no_horizontal_scroll(page) -> None:
    """The page fits its viewport's width (a phone never scrolls sideways)."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide in a {widths[1]} px viewport"


# A glyph that no font has (private use) renders as the fallback's "tofu"; a CJK character drawn the same
# way means the Chinese font is missing.
_GLYPH_CHECK = """(chars) => {
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const g = c.getContext('2d'); g.fillStyle = '#000'; g.font = '40px sans-serif'; g.textBaseline = 'top';
    g.fillText(ch, 4, 4);
    return Array.from(g.getImageData(0, 0, 48, 48).data.filter((_, i) => i % 4 === 3)).join(',');
  };
  const tofu = draw('\\uE000');
  return chars.map((ch) => { const d = draw(ch); return [ch, d !== tofu && /[1-9]/.test(d)]; });
}"""


def assert_cjk_rendered(page, text: str = "技能补贴审核公示") -> None:
    """Chinese characters are drawn with a real CJK font on this page (not tofu boxes)."""
    drawn = page.evaluate(_GLYPH_CHECK, list(text))
    missing = [ch for ch, ok in drawn if not ok]
    assert not missing, f"no CJK font renders {''.join(missing)!r} (apt-get install fonts-noto-cjk)"
