"""Bar charts drawn on the server as SVG: no script, readable by screen readers (role="img",
<title> and <desc>), and always shown next to a table with the same numbers."""

from dataclasses import dataclass

WIDTH = 720
HEIGHT = 200
PAD = 24


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    bars: list[Bar]
    maximum: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - PAD


def bar_chart(*, title: str, description: str, series: list[tuple[str, int]]) -> Chart:
    maximum = max((value for _label, value in series), default=0)
    slot = (WIDTH - 2 * PAD) / max(len(series), 1)
    usable = HEIGHT - 2 * PAD
    bars = []
    for index, (label, value) in enumerate(series):
        height = usable * value / maximum if maximum else 0
        bars.append(
            Bar(label, value, round(PAD + index * slot + slot * 0.1, 2), round(HEIGHT - PAD - height, 2),
                round(max(slot * 0.8, 1), 2), round(height, 2))
        )  # fmt: skip
    return Chart(title=title, description=description, bars=bars, maximum=maximum)
