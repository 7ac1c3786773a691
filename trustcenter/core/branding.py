"""The brand colour from company.yaml, made safe to read.

A company may pick any `primary_color`; a pale yellow or a near-black would make links
and buttons unreadable on one of the two colour schemes. So the configured colour is
used as it is only where it passes WCAG 2.2 AA (4.5:1 for text) against the page
backgrounds, and otherwise darkened (light scheme) or lightened (dark scheme) in small
steps, keeping its hue, until it does. Text on brand-coloured buttons is white in the
light scheme and the page background in the dark scheme, which the same ratio covers.
"""

import colorsys
from dataclasses import dataclass

# The backgrounds of static/css/site.css that links sit on, for each scheme: --bg, --surface and the
# notice colours (--warn-bg, --info-bg, --ok-bg, --del-bg). The brand colour must pass on every one.
LIGHT_BACKGROUNDS = ("#ffffff", "#f5f6f8", "#fef3c7", "#dbeafe", "#dcfce7", "#fde2e1")
DARK_BACKGROUNDS = ("#0f1115", "#181b22", "#3a2c0a", "#14233f", "#12301d", "#4a1d1d")
TEXT_CONTRAST = 4.5  # WCAG 2.2 SC 1.4.3, normal-size text


def _rgb(hex_color: str) -> tuple[float, float, float]:
    value = hex_color.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in rgb)


def relative_luminance(hex_color: str) -> float:
    """WCAG relative luminance of an sRGB colour like #1d4ed8."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours, from 1.0 to 21.0."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _min_contrast(color: str, backgrounds: tuple[str, ...]) -> float:
    return min(contrast_ratio(color, bg) for bg in backgrounds)


def _shift_until_readable(color: str, backgrounds: tuple[str, ...], *, darker: bool) -> str:
    """Move the lightness of `color` (hue and saturation kept) until it reads on `backgrounds`."""
    if _min_contrast(color, backgrounds) >= TEXT_CONTRAST:
        return color
    h, lightness, s = colorsys.rgb_to_hls(*_rgb(color))
    step = -0.01 if darker else 0.01
    while 0.0 < lightness < 1.0:
        lightness = min(max(lightness + step, 0.0), 1.0)
        candidate = _hex(colorsys.hls_to_rgb(h, lightness, s))
        if _min_contrast(candidate, backgrounds) >= TEXT_CONTRAST:
            return candidate
    # Black on the light backgrounds and white on the dark ones always pass.
    return "#000000" if darker else "#ffffff"


@dataclass(frozen=True)
class BrandPalette:
    configured: str
    light: str  # links, buttons and focus rings in the light scheme
    dark: str  # the same in the dark scheme

    def css(self) -> str:
        return (
            f":root {{ --brand: {self.light}; --on-brand: #ffffff; --brand-configured: {self.configured}; }}\n"
            "@media (prefers-color-scheme: dark) {\n"
            f"  :root {{ --brand: {self.dark}; --on-brand: {DARK_BACKGROUNDS[0]}; }}\n"
            "}\n"
        )


def brand_palette(color: str) -> BrandPalette:
    """The readable variants of a configured brand colour (#rrggbb)."""
    return BrandPalette(
        configured=color,
        light=_shift_until_readable(color, LIGHT_BACKGROUNDS, darker=True),
        dark=_shift_until_readable(color, DARK_BACKGROUNDS, darker=False),
    )


def brand_notice(color: str) -> str | None:
    """A note for content authors when their colour was too light for the light pages, else None.

    The dark scheme always gets its own lighter variant (no colour reads at 4.5:1 on both
    white and near-black), so only the light scheme's adjustment is worth telling about.
    """
    palette = brand_palette(color)
    if palette.light.lower() == color.lower():
        return None
    ratio = contrast_ratio(color, LIGHT_BACKGROUNDS[0])
    return (
        f"primary_color {color} reads at {ratio:.1f}:1 on white (text needs {TEXT_CONTRAST}:1 on every light "
        f"background), "
        f"so links and buttons use {palette.light} instead. Pick a darker colour to have it used as it is."
    )
