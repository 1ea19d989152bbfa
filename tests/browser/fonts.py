"""Checks that Chinese text is drawn with a CJK font, and that no character is a tofu box.

`document.fonts.check('16px "Noto Sans CJK SC"')` is no use here: Chromium answers true for any
system font name, installed or not. So ask Chromium which fonts drew each text (DevTools'
CSS.getPlatformFontsForNode), and compare each character's pixels with the missing-glyph box.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Fonts that carry the Chinese glyphs; scripts/test installs Noto's.
CJK_FONTS = ("Noto Sans CJK", "Noto Serif CJK", "WenQuanYi")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ELEMENT_NODE, TEXT_NODE = 1, 3

# Draws each Han character and U+10FFFD (which no font has) in the body's font; a character
# drawn exactly like that box has no glyph.
TOFU_CHARACTERS_JS = """
(text) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  g.font = `48px ${getComputedStyle(document.body).fontFamily}`;
  const draw = (ch) => {
    g.clearRect(0, 0, 64, 64);
    g.fillText(ch, 8, 52);
    return g.getImageData(0, 0, 64, 64).data.join();
  };
  const tofu = draw("\\u{10FFFD}");
  return [...new Set(text)].filter((ch) => /\\p{Script=Han}/u.test(ch) && draw(ch) === tofu);
}
"""


def _elements_with_han_text(node: dict[str, Any]) -> list[tuple[int, str]]:
    """(node id, text) of every element whose own text has a Chinese character."""
    found = []
    children = node.get("children", [])
    own = "".join(c["nodeValue"] for c in children if c["nodeType"] == TEXT_NODE)
    if node["nodeType"] == ELEMENT_NODE and HAN.search(own):
        found.append((node["nodeId"], own.strip()))
    for child in children:
        found.extend(_elements_with_han_text(child))
    return found


def fonts_drawing_chinese(page: Page) -> dict[str, set[str]]:
    """For each piece of Chinese text on the page, the system fonts Chromium drew it with."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]
        cdp.send("CSS.enable")
        return {
            text: {
                font["familyName"]
                for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
            }
            for node_id, text in _elements_with_han_text(root)
        }
    finally:
        cdp.detach()


def assert_chinese_renders(page: Page) -> None:
    """Fail unless the page has Chinese text, all drawn by a CJK font, with no tofu box."""
    page.evaluate("document.fonts.ready")
    drawn = fonts_drawing_chinese(page)
    assert drawn, "no Chinese text on the page"
    # Text in a hidden element is drawn by no font; text on screen must be drawn by a CJK one.
    shown = " ".join(page.locator("body").inner_text().split())
    wrong = {
        text: fonts
        for text, fonts in drawn.items()
        if (not fonts and " ".join(text.split()) in shown)
        or not all(font.startswith(CJK_FONTS) for font in fonts)
    }
    assert not wrong, f"Chinese text drawn without a CJK font: {wrong}"
    tofu = page.evaluate(TOFU_CHARACTERS_JS, page.locator("body").inner_text())
    assert tofu == [], f"characters drawn as tofu boxes: {tofu}"
