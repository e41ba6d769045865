"""The funnel page's chart: daily counts as the geometry of an inline SVG line chart, drawn by
the page's template (no script, no library: the console's CSP runs none, and the numbers are
few). Pure functions of the counts, so the drawing is checked without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 36  # room for the axis labels


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str  # 3:1 or more against white (WCAG 1.4.11), and each with its own dash
    dash: str
    values: tuple[int, ...]
    points: str  # the polyline's "x,y x,y …"


@dataclass(frozen=True)
class Tick:
    at: float  # x or y in the chart's coordinates
    label: str


@dataclass(frozen=True)
class Chart:
    series: tuple[Series, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    top: int  # the count at the top of the y axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM
    upper: int = TOP


STYLES = (  # key, label, colour, dash
    ("requested", "Links requested", "#1f4fbf", ""),
    ("sent", "Emails sent", "#a34a00", "8 5"),
    ("signIns", "Sign-ins", "#1e6b34", "2 4"),
)


def _nice_top(largest: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``largest`` (at least 4), so
    that the ticks at its quarters are whole numbers often and round always."""
    if largest <= 4:
        return 4
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale * 4 >= largest:
                return step * scale * 4
        scale *= 10


def _x(index: int, days: int) -> float:
    span = WIDTH - RIGHT - LEFT
    return LEFT + (span * index / (days - 1) if days > 1 else span / 2)


def _y(value: int, top: int) -> float:
    return (HEIGHT - BOTTOM) - (HEIGHT - BOTTOM - TOP) * value / top


def chart(dates: Sequence[date], counts: dict[str, Sequence[int]]) -> Chart:
    """The chart of ``counts`` (one value per date, for each key of ``STYLES``)."""
    days = len(dates)
    top = _nice_top(max((max(values, default=0) for values in counts.values()), default=0))
    series = tuple(
        Series(
            key,
            label,
            colour,
            dash,
            tuple(counts[key]),
            " ".join(
                f"{_x(i, days):.1f},{_y(value, top):.1f}" for i, value in enumerate(counts[key])
            ),
        )
        for key, label, colour, dash in STYLES
    )
    y_ticks = tuple(Tick(_y(top * part // 4, top), f"{top * part // 4:,}") for part in range(5))
    marks = sorted({0, days // 2, days - 1}) if days else []
    x_ticks = tuple(Tick(_x(i, days), dates[i].strftime("%b %-d")) for i in marks)
    return Chart(series, y_ticks, x_ticks, top)
