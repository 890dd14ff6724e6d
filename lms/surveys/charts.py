"""SVG geometry of the results: one horizontal bar per value of a question. Coordinates are
formatted here, with a dot, whatever the page's language (a French locale would print
decimal commas, which SVG does not read)."""

from dataclasses import dataclass

WIDTH = 320
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
ROW = LABEL_HEIGHT + BAR_HEIGHT + 8
BAR_MAX = 250  # the rest of the width holds the count


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass
class ChartRow:
    label: str
    count: int
    share: float
    label_y: str
    bar_y: str
    bar_width: str
    value_x: str
    value_y: str


@dataclass
class Chart:
    width: int
    height: int
    rows: list[ChartRow]


def bar_chart(bars) -> Chart:
    rows = []
    for index, bar in enumerate(bars):
        top = index * ROW
        width = BAR_MAX * bar.share / 100
        rows.append(ChartRow(
            label=bar.label, count=bar.count, share=bar.share,
            label_y=_n(top + 12), bar_y=_n(top + LABEL_HEIGHT),
            bar_width=_n(max(width, 1.0) if bar.count else 0.0),
            value_x=_n(width + 6), value_y=_n(top + LABEL_HEIGHT + 11)))
    return Chart(width=WIDTH, height=max(len(bars) * ROW, ROW), rows=rows)
