"""A parent's phone in the tests: a browser context that records every request and takes pictures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.browser.conftest import PHONES

# Things a parent taps: each must be at least 44 CSS pixels high (WCAG 2.5.5 target size).
TAPPABLE = "button, label.choice, summary, main a, input:not([type=hidden]):not([type=radio])"


@dataclass
class Phone:
    browser: Any
    origin: str
    name: str
    artifacts: Path
    javascript: bool = True
    phone: str = "pixel7"
    requests: list[str] = field(default_factory=list)
    shots: int = 0

    def open(self, locale: str = "nb-NO") -> Any:
        """A fresh browser context (a new device or a closed browser): a new page in it."""
        context = self.browser.new_context(**PHONES[self.phone], java_script_enabled=self.javascript,
                                           locale=locale)
        context.on("request", lambda request: self.requests.append(request.url))
        return context.new_page()

    def shot(self, page: Any, step: str, full_page: bool = True) -> None:
        self.shots += 1
        path = self.artifacts / f"{self.name}-{self.shots:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.origin + "/")]


def answer_page(page: Any, skip: tuple[str, ...] = ()) -> None:
    """Tap each question's first answer (as a thumb would: on the label), then Save and continue."""
    for fieldset in page.locator("fieldset.item").all():
        name = fieldset.locator("input[type=radio]").first.get_attribute("name")
        if not name.startswith(skip):
            fieldset.locator("label.choice").first.click()
    press(page)


def press(page: Any, selector: str = "button.primary") -> None:
    """Tap a button that submits a form and wait until the next page has loaded."""
    with page.expect_navigation():
        page.locator(selector).click()


def html_lang_dir(page: Any) -> tuple[str | None, str | None]:
    root = page.locator("html")
    return root.get_attribute("lang"), root.get_attribute("dir")


def small_targets(page: Any) -> list[str]:
    """Tappable things lower than 44 px (needs JavaScript in the page: the test's, not ours)."""
    return page.eval_on_selector_all(
        TAPPABLE,
        "els => els.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)"
        ".map(e => e.outerHTML.slice(0, 80))",
    )


def overflows_sideways(page: Any) -> bool:
    root = "document.documentElement"
    return bool(page.evaluate(f"{root}.scrollWidth > {root}.clientWidth + 1"))
