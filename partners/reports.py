"""The monthly borough report for Community Safety Partnerships, rendered generically from registered sections.

Each app contributes its own section with `probation.registry.register_report_section` (the dict shape is documented
in that module's docstring), so this module never imports `cases`, `safeguarding` or `resettlement`. Here:
- `build_report(borough, month)` runs every registered builder and returns the report as JSON-ready data;
- `report_csv(data)` and `report_pdf(data)` render that data (page rendering is in views/templates).
"""

import csv
import io
import json
import logging
from datetime import date, datetime, timedelta
from numbers import Number

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from probation.registry import report_sections

logger = logging.getLogger(__name__)

CHART_TYPES = ("bar", "line", "pie", "doughnut")
COLOURS = {
    "red": "#d4351c",
    "amber": "#f47738",
    "green": "#00703c",
    "blue": "#1d70b8",
    "grey": "#505a5f",
    "purple": "#4c2c92",
}
PALETTE = ["#1d70b8", "#00703c", "#f47738", "#4c2c92", "#d4351c", "#505a5f", "#28a197", "#912b88"]


class SectionShapeError(ValueError):
    pass


# --- Months ----------------------------------------------------------------------------------------------------------

def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def month_end(month: date) -> date:
    return month_start(month_start(month) + timedelta(days=32)) - timedelta(days=1)


def parse_month(text: str) -> date | None:
    """'2026-10' → date(2026, 10, 1); None for anything else."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            return None
        return date(int(year), int(month), 1)
    except ValueError:
        return None


# --- Section data ------------------------------------------------------------------------------------------------------

def _cell(value, where: str):
    if value is None or isinstance(value, (str, bool)) or isinstance(value, Number):
        return value
    raise SectionShapeError(f"{where}: cells must be text, numbers or None, not {type(value).__name__}")


ACRONYMS = {"iom": "IOM", "gto": "GtO", "nps": "NPS", "crc": "CRC", "mash": "MASH", "rag": "RAG", "bcst": "BCST",
            "hosp": "HOSP", "ttg": "TTG", "csp": "CSP", "om": "OM"}


def _humanise(key) -> str:
    words = str(key).replace("_", " ").strip().split()
    text = " ".join(ACRONYMS.get(w.lower(), w) for w in words)
    return text[:1].upper() + text[1:]


def normalise_section(data) -> dict:
    """Check a builder's dict against the documented shape and return it in canonical, JSON-ready form
    (tuples → lists). Raises SectionShapeError with the reason.

    Also accepted, for builders written to the registry's first draft: "summary" as a dict {key: value} (labels made
    from the keys) and "rows" as a list of dicts (a table whose headers are made from the first row's keys)."""
    if not isinstance(data, dict):
        raise SectionShapeError("a section builder must return a dict")
    unknown = set(data) - {"summary", "table", "chart", "notes", "rows"}
    if unknown:
        raise SectionShapeError(f"unknown keys: {', '.join(sorted(unknown))}")
    data = dict(data)
    if isinstance(data.get("summary"), dict):
        data["summary"] = [(_humanise(k), v) for k, v in data["summary"].items()]
    if data.get("rows") is not None:
        if data.get("table") is not None:
            raise SectionShapeError("give either 'table' or 'rows', not both")
        rows = list(data.pop("rows"))
        if not all(isinstance(row, dict) for row in rows):
            raise SectionShapeError("'rows' must be a list of dicts (or use 'table' with headers)")
        keys = list(rows[0]) if rows else []
        data["table"] = {"headers": [_humanise(k) for k in keys], "rows": [[row.get(k) for k in keys] for row in rows]}
    else:
        data.pop("rows", None)
    out = {}
    if data.get("summary") is not None:
        summary = []
        for item in data["summary"]:
            if not isinstance(item, (list, tuple)) or len(item) != 2:
                raise SectionShapeError("summary items must be (label, value) pairs")
            summary.append([str(item[0]), _cell(item[1], "summary")])
        out["summary"] = summary
    if data.get("table") is not None:
        table = data["table"]
        if not isinstance(table, dict) or not isinstance(table.get("headers"), (list, tuple)):
            raise SectionShapeError("table must be {'headers': [...], 'rows': [[...]]}")
        headers = [str(h) for h in table["headers"]]
        rows = []
        for row in table.get("rows") or []:
            if not isinstance(row, (list, tuple)) or len(row) != len(headers):
                raise SectionShapeError("each table row must have one cell per header")
            rows.append([_cell(c, "table") for c in row])
        out["table"] = {"headers": headers, "rows": rows}
    if data.get("chart") is not None:
        chart = data["chart"]
        if not isinstance(chart, dict) or chart.get("type") not in CHART_TYPES:
            raise SectionShapeError(f"chart type must be one of {', '.join(CHART_TYPES)}")
        labels = [str(label) for label in chart.get("labels") or []]
        datasets = []
        for dataset in chart.get("datasets") or []:
            values = list(dataset.get("data") or [])
            if len(values) != len(labels) or not all(isinstance(v, Number) and not isinstance(v, bool) for v in values):
                raise SectionShapeError("each chart dataset needs one number per label")
            colours = list(dataset.get("colours") or [])
            if any(c not in COLOURS for c in colours):
                raise SectionShapeError(f"chart colours must be among {', '.join(COLOURS)}")
            datasets.append({"label": str(dataset.get("label", "")), "data": values, "colours": colours})
        out["chart"] = {"type": chart["type"], "labels": labels, "datasets": datasets}
    if data.get("notes") is not None:
        out["notes"] = [str(note) for note in data["notes"]]
    return out


def _json_ready(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def build_report(borough, month: date) -> dict:
    """Run every registered section for `borough` and `month`. One failing section never stops the others.

    Builders are called with the borough's code (a str) and the first day of the month. A section registered with
    its own template also keeps its builder's dict as it came ("raw", JSON-ready) for that template."""
    month = month_start(month)
    sections = []
    for entry in report_sections():
        template = entry.extra.get("template", "")
        section = {"key": entry.key, "title": entry.title, "template": template, "data": {}, "error": ""}
        try:
            raw = entry.callable(borough.code, month)
            section["data"] = normalise_section(raw)
            if template:
                section["raw"] = _json_ready(raw)
        except Exception as exc:  # a broken section is reported, never fatal
            logger.exception("report section %s failed for %s %s", entry.key, borough.code, month)
            section["error"] = "This section could not be produced." + (
                f" ({exc})" if isinstance(exc, SectionShapeError) else ""
            )
        sections.append(section)
    area = borough.hosp_area
    return {
        "borough": {"code": borough.code, "name": borough.name, "gss_code": borough.gss_code},
        "hosp_area": area.name if area else "",
        "hosp": (area.hosp.get_full_name() or area.hosp.username) if area and area.hosp else "",
        "month": month.isoformat(),
        "period_end": month_end(month).isoformat(),
        "built_at": timezone.now().isoformat(),
        "sections": sections,
    }


def chart_js_config(chart: dict) -> dict:
    """Chart.js configuration for a normalised chart (colours by name, or the GOV.UK palette)."""
    datasets = []
    for index, dataset in enumerate(chart["datasets"]):
        if dataset["colours"]:
            colour = [COLOURS[c] for c in dataset["colours"]]
        elif chart["type"] in ("pie", "doughnut"):
            colour = [PALETTE[i % len(PALETTE)] for i in range(len(chart["labels"]))]
        else:
            colour = PALETTE[index % len(PALETTE)]
        datasets.append({"label": dataset["label"], "data": dataset["data"], "backgroundColor": colour, "borderColor": colour})
    return {
        "type": chart["type"],
        "data": {"labels": chart["labels"], "datasets": datasets},
        "options": {"responsive": True, "animation": False, "plugins": {"legend": {"display": len(datasets) > 1 or chart["type"] in ("pie", "doughnut")}}},
    }


# --- CSV -----------------------------------------------------------------------------------------------------------

def _csv_safe(value):
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


class _SafeCsvWriter:
    """csv.writer whose every cell, header rows included, is neutralised (names and titles come from admin)."""

    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row):
        self._writer.writerow([_csv_safe(cell) for cell in row])


def report_csv(report: dict) -> str:
    out = io.StringIO()
    writer = _SafeCsvWriter(out)
    writer.writerow(["Borough report", report["borough"]["name"], report["month"][:7]])
    writer.writerow(["HOSP area", report["hosp_area"], report["hosp"]])
    for section in report["sections"]:
        writer.writerow([])
        writer.writerow([section["title"]])
        if section["error"]:
            writer.writerow([section["error"]])
            continue
        data = section["data"]
        for label, value in data.get("summary", []):
            writer.writerow([label, value])
        if "table" in data:
            writer.writerow(data["table"]["headers"])
            for row in data["table"]["rows"]:
                writer.writerow(row)
        if "chart" in data and "table" not in data:
            chart = data["chart"]
            writer.writerow([""] + [d["label"] for d in chart["datasets"]])
            for i, label in enumerate(chart["labels"]):
                writer.writerow([label] + [d["data"][i] for d in chart["datasets"]])
        for note in data.get("notes", []):
            writer.writerow([note])
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------------------------------

def _pdf_chart(chart: dict):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    if not chart["labels"] or not chart["datasets"]:
        return None
    if chart["type"] in ("pie", "doughnut"):
        drawing = Drawing(440, 180)
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 150, 10, 150, 150
        dataset = chart["datasets"][0]
        if not any(dataset["data"]):
            return None
        pie.data = dataset["data"]
        pie.labels = [f"{label} ({value})" for label, value in zip(chart["labels"], dataset["data"])]
        for i in range(len(pie.data)):
            name = dataset["colours"][i] if i < len(dataset["colours"]) else None
            pie.slices[i].fillColor = colors.HexColor(COLOURS[name] if name else PALETTE[i % len(PALETTE)])
        drawing.add(pie)
        return drawing
    plot = VerticalBarChart() if chart["type"] == "bar" else HorizontalLineChart()
    several = len(chart["datasets"]) > 1
    drawing = Drawing(440, 215 if several else 190)
    plot.x, plot.y, plot.width, plot.height = 40, 70 if several else 45, 380, 125
    plot.data = [tuple(d["data"]) for d in chart["datasets"]]
    # Whole labels, wrapped onto short lines ("Young adult men", not "Young adult me"; "Accommodation settled" and
    # "Accommodation not settled", not two bars both called "Accommodation").
    plot.categoryAxis.categoryNames = pdf_axis_labels(chart["labels"])
    plot.categoryAxis.labels.angle = 0
    plot.categoryAxis.labels.boxAnchor = "n"
    plot.categoryAxis.labels.fontSize = 7 if len(chart["labels"]) <= 8 else 6
    plot.valueAxis.valueMin = 0
    top = max((max(d["data"]) for d in chart["datasets"] if d["data"]), default=0)
    plot.valueAxis.valueMax = max(top * 1.1, 1)
    for i, dataset in enumerate(chart["datasets"]):
        target = plot.bars if chart["type"] == "bar" else plot.lines
        target[i].fillColor = colors.HexColor(PALETTE[i % len(PALETTE)])
        target[i].strokeColor = colors.HexColor(PALETTE[i % len(PALETTE)])
        if chart["type"] == "bar" and dataset["colours"]:
            for j, name in enumerate(dataset["colours"]):
                plot.bars[(i, j)].fillColor = colors.HexColor(COLOURS[name])
    drawing.add(plot)
    if several:
        # Which colour is which series ("On time", "Late or overdue"), as the page's chart shows.
        from reportlab.graphics.charts.legends import Legend

        legend = Legend()
        legend.x, legend.y, legend.alignment, legend.fontSize = 40, 12, "right", 8
        legend.columnMaximum, legend.dxTextSpace = 1, 4
        legend.colorNamePairs = [
            (colors.HexColor(COLOURS[d["colours"][0]] if d["colours"] else PALETTE[i % len(PALETTE)]), d["label"])
            for i, d in enumerate(chart["datasets"])
        ]
        drawing.add(legend)
    return drawing


def pdf_axis_labels(labels: list[str], width: int = 14) -> list[str]:
    """Each label whole, on lines of about `width` characters (reportlab draws "\n" as a new line)."""
    import textwrap

    return ["\n".join(textwrap.wrap(label, width, break_long_words=False)) or label for label in labels]


def report_pdf(report: dict, *, provisional: bool = False) -> bytes:
    """The report as a PDF. `provisional`: built from today's data before the month's report is produced, and says
    so under its title."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    month = date.fromisoformat(report["month"])
    title = f"{report['borough']['name']}: borough report for {month:%B %Y}" + (" (provisional)" if provisional else "")
    built = timezone.localtime(datetime.fromisoformat(report["built_at"]))
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author="London CRC – Probation Ops",
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
    )
    story = [
        Paragraph("OFFICIAL-SENSITIVE", styles["Normal"]),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(f"For the {report['borough']['name']} Community Safety Partnership. HOSP area: "
                   f"{report['hosp_area'] or 'not assigned'}" + (f" ({report['hosp']})" if report["hosp"] else "")),
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]
    if provisional:
        story.insert(3, Paragraph(
            f"<b>PROVISIONAL</b>: built {built.day} {built:%B %Y at %H:%M} from the data as it stood then. The monthly "
            f"report is produced on the 1st of the following month; figures may still change.", styles["Normal"]))
    grid = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b1b4b6")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])
    for section in report["sections"]:
        story.append(Paragraph(escape(section["title"]), styles["Heading2"]))
        if section["error"]:
            story.append(Paragraph(escape(section["error"]), styles["Normal"]))
            continue
        data = section["data"]
        if data.get("summary"):
            summary = Table([[escape(str(k)), "" if v is None else str(v)] for k, v in data["summary"]], hAlign="LEFT")
            summary.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 9), ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#b1b4b6"))]))
            story += [summary, Spacer(1, 3 * mm)]
        if data.get("chart"):
            drawing = _pdf_chart(data["chart"])
            if drawing is not None:
                story += [drawing, Spacer(1, 3 * mm)]
        if data.get("table") and data["table"]["rows"]:
            cell = styles["BodyText"].clone("cell", fontSize=8, leading=10)
            rows = [[Paragraph(escape(str(h)), cell) for h in data["table"]["headers"]]]
            rows += [[Paragraph(escape("" if c is None else str(c)), cell) for c in row] for row in data["table"]["rows"]]
            table = Table(rows, repeatRows=1, hAlign="LEFT")
            table.setStyle(grid)
            story += [table, Spacer(1, 3 * mm)]
        for note in data.get("notes", []):
            story.append(Paragraph(escape(note), styles["Italic"]))
    story += [Spacer(1, 6 * mm), Paragraph(escape(f"Produced {built.day} {built:%B %Y at %H:%M} (London time)."), styles["Normal"])]
    doc.build(story)
    return buffer.getvalue()
