"""Charts as a browser draws them: readable text at phone and desktop widths, and the
server's text-width estimate (used to keep labels apart) never smaller than the real text."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SCREENSHOT_DIR

CHART_PAGES = (
    "/calculators/pnl/",
    "/calculators/target-price/",
    "/calculators/liquidation-price/",
    "/calculators/margin-level/",
    "/calculators/margin-liquidation-price/",
)

# For every visible chart text: its font size on screen (font size in drawing units × the
# drawing's scale), and its real width next to the box the server estimated.
MEASURE = """
() => [...document.querySelectorAll('#calc-result svg.chart')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map(text => ({
      text: text.textContent.trim(),
      layout: svg.classList.contains('chart-narrow') ? 'narrow' : 'wide',
      px: parseFloat(getComputedStyle(text).fontSize) * scale,
      boxes: [...(text.querySelectorAll('tspan').length ? text.querySelectorAll('tspan') : [text])]
        .map(part => ({ text: part.textContent.trim(), width: part.getComputedTextLength(),
                        size: parseFloat(getComputedStyle(text).fontSize),
                        bold: text.getAttribute('font-weight') === '600' })),
    }));
  })
"""


@pytest.mark.parametrize("width,layout", [(375, "narrow"), (1280, "wide")])
def test_chart_text_is_at_least_11px(page, base_url, screenshot, width, layout):
    from decimal import Decimal

    from calculators.charts import text_width

    page.set_viewport_size({"width": width, "height": 900})
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    for path in CHART_PAGES:
        page.goto(base_url + path)
        texts = page.evaluate(MEASURE)
        assert texts, f"no chart drawn on {path}"
        assert {t["layout"] for t in texts} == {layout}, f"{path} at {width}px"
        for text in texts:
            assert text["px"] >= 11, f"{text['text']!r} is {text['px']:.1f}px on {path}"
            for part in text["boxes"]:
                estimate = text_width(part["text"], Decimal(str(part["size"])), bold=part["bold"])
                assert estimate >= Decimal(str(part["width"])), (
                    f"{part['text']!r}: estimated {estimate}, drawn {part['width']:.1f} wide"
                )
        name = path.strip("/").split("/")[-1]
        screenshot(f"chart-{name}-{width}")
        # The chart alone too, at its real size on screen, to look at the labels.
        page.locator("#calc-result .chart-wrap").screenshot(
            path=SCREENSHOT_DIR / f"chart-{name}-{width}-figure.png"
        )
    assert errors == []
