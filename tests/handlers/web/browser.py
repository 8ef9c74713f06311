"""A real browser for the web desk's tests: Debian's chromium, headless, driven through chromium-driver by
Selenium, with a fresh profile and nothing that reaches the network on its own.

The desk is served by the bot in the test's own event loop, so every Selenium call (which blocks) runs
in a worker thread: the loop keeps serving the pages the browser asks for.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
# What keeps a headless Chromium quiet on a machine without a network: no sandbox (tests run as root in
# CI), no GPU, no QUIC, no first-run, background, component-update or sync traffic.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=vi")
DESKTOP = (1280, 900)
PHONE = (390, 844)  # a common phone's viewport, in CSS pixels
MAX_SHOT = 2600  # pixels of a screenshot's height: the README shows the top of a long page


def require_chromium() -> None:
    """Skip with the reason when chromium is missing here; in CI (CI=true) fail instead: CI installs it."""
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromium-driver", DRIVER)) if path is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[dev]')")
    if not missing:
        return
    reason = f"browser tests need {', '.join(missing)}: apt-get install chromium chromium-driver"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests; {reason} (.ci/run installs them)")
    pytest.skip(reason)


class Browser:
    """The few things the tests do in the browser, each awaited off the event loop."""

    def __init__(self, profile: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        assert CHROMIUM is not None and DRIVER is not None
        options.binary_location = CHROMIUM
        for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        self.driver.set_page_load_timeout(30)

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(call, *args)

    async def open(self, url: str) -> None:
        await self.run(self.driver.get, url)

    async def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return await self.run(self.driver.find_element, By.CSS_SELECTOR, css)

    async def find_all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return await self.run(self.driver.find_elements, By.CSS_SELECTOR, css)

    async def click(self, css: str) -> None:
        """Click a link or a form's button, and wait until the page it opens has loaded (a click returns
        as soon as the browser took it, before the next page is there)."""
        element = await self.find(css)
        await self.run(self._click_and_wait, element)

    def _click_and_wait(self, element: Any) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        page = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        wait = WebDriverWait(self.driver, 20)
        wait.until(expected_conditions.staleness_of(page))
        wait.until(lambda driver: driver.execute_script("return document.readyState") == "complete")

    async def fill(self, css: str, text: str) -> None:
        element = await self.find(css)
        await self.run(element.clear)
        await self.run(element.send_keys, text)

    async def choose(self, css: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        element = await self.find(css)
        await self.run(Select(element).select_by_value, value)

    async def text(self, css: str = "body") -> str:
        element = await self.find(css)
        return str(await self.run(lambda: element.text))

    async def attribute(self, css: str, name: str) -> str | None:
        element = await self.find(css)
        value = await self.run(element.get_attribute, name)
        return None if value is None else str(value)

    async def script(self, source: str) -> Any:
        """Read the page's state (Selenium's own channel; the page itself may run no script)."""
        return await self.run(self.driver.execute_script, source)

    @property
    def url(self) -> str:
        return str(self.driver.current_url)

    async def resize(self, size: tuple[int, int]) -> None:
        await self.run(self.driver.set_window_size, *size)

    async def screenshot(self, path: Path) -> None:
        """The whole page, as tall as it is (up to MAX_SHOT pixels), through the DevTools protocol."""
        await self.run(self._full_page, path)

    def _full_page(self, path: Path) -> None:
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], MAX_SHOT), "scale": 1}
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot",
                                           {"format": "png", "captureBeyondViewport": True, "clip": clip})
        path.write_bytes(base64.b64decode(shot["data"]))

    def quit(self) -> None:
        self.driver.quit()
