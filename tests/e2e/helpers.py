"""Reading the page's test hooks."""

from __future__ import annotations

import base64

import numpy as np

EDGES_JS = """() => Object.fromEntries([...document.querySelectorAll('[data-edge]')].map(
    (e) => [e.dataset.edge, {weight: e.dataset.weight, stroke: e.getAttribute('stroke')}]))"""


def edges(page) -> dict[str, dict]:
    """{"L:i:j": {"weight": text, "stroke": "#rrggbb"}} for every edge element."""
    return page.evaluate(EDGES_JS)


def weights(page) -> dict[str, float]:
    return {k: float(v["weight"]) for k, v in edges(page).items()}


def counter(page) -> int:
    return int(page.get_by_test_id("step-counter").text_content())


def phase(page) -> str:
    return page.get_by_test_id("phase-label").text_content()


def rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(hex_color: str) -> float:
    r, g, b = rgb(hex_color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def distance(a: str, b: str) -> float:
    return sum((x - y) ** 2 for x, y in zip(rgb(a), rgb(b), strict=True)) ** 0.5


def api_weights(layers: list[dict], key: str) -> dict[str, float]:
    """{"L:i:j": W[j][i]} from the layers of an API answer (params or trace layers)."""
    out = {}
    for idx, layer in enumerate(layers):
        for j, row in enumerate(layer[key]):
            for i, w in enumerate(row):
                out[f"{idx + 1}:{i}:{j}"] = w
    return out


PIXELS_JS = """async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let bin = '';
    for (let k = 0; k < d.length; k += 8192) bin += String.fromCharCode(...d.subarray(k, k + 8192));
    return [c.width, c.height, btoa(bin)];
}"""


def pixels(page, png: bytes) -> np.ndarray:
    """A screenshot as an [h, w, 4] uint8 array, decoded by the browser (no image library)."""
    w, h, data = page.evaluate(PIXELS_JS, base64.b64encode(png).decode())
    return np.frombuffer(base64.b64decode(data), dtype=np.uint8).reshape(h, w, 4)


def open_advanced(page) -> None:
    """Opens the settings' "Advanced settings" fold (closed on a fresh page), if it is closed."""
    fold = page.get_by_test_id("advanced-settings")
    if fold.get_attribute("open") is None:
        fold.locator(":scope > summary").click()
    page.wait_for_function("() => document.querySelector('[data-testid=advanced-settings]').open")
