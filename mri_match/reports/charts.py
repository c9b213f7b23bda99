"""Server-side SVG bar charts: the geometry is computed here, ``reports/_chart.html`` draws it.

Charts are images with a title and a description for screen readers; every bar carries its
value as text so colour is never the only cue, and a data table sits beside each chart. Only
SVG presentation attributes are used (the content security policy forbids inline styles).
"""

from dataclasses import dataclass, field

# Colours with at least 4.5:1 contrast on white, so bars and their labels read for everyone.
SERIES_COLOURS = ("#0a58ca", "#8a4b00", "#146c43")
TEXT_COLOUR = "#212529"

WIDTH = 720
LABEL_WIDTH = 230  # category labels, right-aligned before the bars
VALUE_SPACE = 110  # room after the longest bar for its value
BAR_HEIGHT = 18
BAR_GAP = 4
ROW_GAP = 12
TOP = 12
LEGEND_HEIGHT = 26
MAX_LABEL_CHARS = 34


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    unit: str = ""  # appended to values, e.g. "%"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Row:
    label: str
    full_label: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class LegendItem:
    name: str
    fill: str
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    axis_x: float
    rows: list[Row] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    categories: list[str],
    series: list[Series],
    empty_text: str = "No data yet.",
) -> Chart:
    """Horizontal bars, one group per category and one bar per series, on a shared scale."""
    many = len(series) > 1
    top = TOP + (LEGEND_HEIGHT if many else 0)
    legend = [
        LegendItem(s.name, SERIES_COLOURS[i % len(SERIES_COLOURS)], LABEL_WIDTH + 150 * i, TOP)
        for i, s in enumerate(series)
        if many
    ]
    if not categories:
        return Chart(chart_id, title, f"{desc} {empty_text}", WIDTH, 40, LABEL_WIDTH)
    largest = max((max(s.values, default=0) for s in series), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_SPACE
    group_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    rows = []
    y = top
    for index, category in enumerate(categories):
        bars = []
        for i, s in enumerate(series):
            value = s.values[index]
            bar_y = y + i * (BAR_HEIGHT + BAR_GAP)
            width = round(span * max(value, 0) / largest, 1)
            text = f"{_number(value)}{s.unit}"
            bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=bar_y,
                    width=width,
                    height=BAR_HEIGHT,
                    fill=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    text=f"{s.name}: {text}" if many else text,
                    text_x=LABEL_WIDTH + width + 6,
                    text_y=bar_y + BAR_HEIGHT / 2,
                )
            )
        rows.append(Row(_short(category), category, y + group_height / 2, bars))
        y += group_height + ROW_GAP
    return Chart(chart_id, title, desc, WIDTH, int(y), LABEL_WIDTH, rows, legend)
