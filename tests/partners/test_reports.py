import csv
import io
from datetime import date

import pytest
from django.utils import timezone

from partners import reports
from partners.models import BoroughReport, Service
from partners.reports import SectionShapeError, build_report, normalise_section, report_csv, report_pdf
from probation import registry
from probation.models import AuditEvent
from tests.partners.factories import OrganisationFactory, borough, hosp_area
from tests.probation.factories import HospUserFactory

pytestmark = pytest.mark.django_db

LAST_MONTH = reports.previous_month(timezone.localdate())
DOCUMENTED = {
    "summary": [("Caseload", 412), ("IOM nominals", 37)],
    "table": {"headers": ["Cohort", "People"], "rows": [["18-25", 80], ["Women", 41]]},
    "chart": {"type": "bar", "labels": ["Red", "Amber", "Green"],
              "datasets": [{"label": "MASH responses", "data": [2, 5, 30], "colours": ["red", "amber", "green"]}]},
    "notes": ["Figures are provisional."],
}


@pytest.fixture
def mash_section(monkeypatch):
    """Another app's section, registered as it would be from its AppConfig.ready()."""
    monkeypatch.setitem(
        registry._report_sections, "test-mash",
        registry.Entry(10, "test-mash", "MASH response performance", lambda b, m: DOCUMENTED, {"template": ""}),
    )


@pytest.fixture
def broken_section(monkeypatch):
    def builder(b, m):
        raise RuntimeError("database on fire")

    monkeypatch.setitem(
        registry._report_sections, "test-broken",
        registry.Entry(20, "test-broken", "Resettlement outcomes", builder, {"template": ""}),
    )


def test_the_documented_section_shape_is_accepted_and_made_json_ready():
    data = normalise_section(DOCUMENTED)
    assert data["summary"] == [["Caseload", 412], ["IOM nominals", 37]]
    assert data["chart"]["datasets"][0]["colours"] == ["red", "amber", "green"]


@pytest.mark.parametrize("bad", [
    [1, 2],
    {"foo": []},
    {"rows": [[1, 2]]},
    {"summary": [("only a label",)]},
    {"table": {"headers": ["A", "B"], "rows": [[1]]}},
    {"table": {"headers": ["A"], "rows": [[object()]]}},
    {"chart": {"type": "radar", "labels": [], "datasets": []}},
    {"chart": {"type": "bar", "labels": ["a", "b"], "datasets": [{"label": "x", "data": [1]}]}},
    {"chart": {"type": "bar", "labels": ["a"], "datasets": [{"label": "x", "data": ["1"]}]}},
    {"chart": {"type": "bar", "labels": ["a"], "datasets": [{"label": "x", "data": [1], "colours": ["pink"]}]}},
])
def test_malformed_sections_are_refused_with_a_reason(bad):
    with pytest.raises(SectionShapeError):
        normalise_section(bad)


def test_first_draft_shapes_summary_dict_and_rows_of_dicts_are_accepted():
    data = normalise_section({"summary": {"caseload": 3, "allocated_in_month": 1},
                              "rows": [{"cohort": "Women", "cases": 2}, {"cohort": "18-25", "cases": 1}]})
    assert data["summary"] == [["Caseload", 3], ["Allocated in month", 1]]
    assert data["table"] == {"headers": ["Cohort", "Cases"], "rows": [["Women", 2], ["18-25", 1]]}


def test_builders_get_the_borough_code_and_the_first_day_of_the_month(monkeypatch):
    calls = []
    monkeypatch.setitem(registry._report_sections, "test-spy", registry.Entry(
        5, "test-spy", "Spy", lambda b, m: calls.append((b, m)) or {}, {"template": ""}))
    build_report(borough("camden"), date(2026, 10, 17))
    assert calls == [("camden", date(2026, 10, 1))]


def test_a_section_with_its_own_template_gets_its_builders_dict(client, hosp_user, monkeypatch, settings):
    monkeypatch.setitem(registry._report_sections, "test-own", registry.Entry(
        5, "test-own", "Own template", lambda b, m: {"summary": {"caseload": 41}},
        {"template": "partners/_test_section.html"}))
    own = "<p id=own>{{ section.title }}: {{ section.summary.caseload }}</p>"
    template_settings = {**settings.TEMPLATES[0], "APP_DIRS": False}
    template_settings["OPTIONS"] = {**template_settings["OPTIONS"], "loaders": [
        ("django.template.loaders.locmem.Loader", {"partners/_test_section.html": own}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]}
    settings.TEMPLATES = [template_settings]
    client.force_login(hosp_user)
    html = client.get(f"/partners/reports/camden/{LAST_MONTH:%Y-%m}/").content.decode()
    assert "<p id=own>Own template: 41</p>" in html


def test_the_report_renders_every_registered_section_in_order_and_survives_a_broken_one(mash_section, broken_section):
    data = build_report(borough("camden"), date(2026, 10, 17))
    assert data["month"] == "2026-10-01" and data["period_end"] == "2026-10-31"
    keys = [s["key"] for s in data["sections"]]
    assert keys.index("test-mash") < keys.index("test-broken") < keys.index("partners")
    broken = next(s for s in data["sections"] if s["key"] == "test-broken")
    assert broken["error"] == "This section could not be produced." and broken["data"] == {}
    assert "database on fire" not in str(data)


def test_the_partners_section_counts_organisations_and_services_in_the_borough():
    accommodation = Service.objects.get(code="accommodation")
    OrganisationFactory(name="St Mungo's", kind="voluntary", borough_codes=["camden"]).services.add(accommodation)
    OrganisationFactory(name="Camden MASH", kind="mash", borough_codes=["camden"])
    OrganisationFactory(name="Croydon MASH", kind="mash", borough_codes=["croydon"])
    section = next(s for s in build_report(borough("camden"), LAST_MONTH)["sections"] if s["key"] == "partners")
    summary = dict(section["data"]["summary"])
    assert summary["Active partner organisations"] == 2
    assert summary["Statutory partners"] == 1
    assert [row[0] for row in section["data"]["table"]["rows"]] == ["Camden MASH", "St Mungo's"]
    chart = section["data"]["chart"]
    assert chart["labels"] == ["Accommodation"] and chart["datasets"][0]["data"] == [1]


def test_csv_lists_each_section_and_neutralises_formulas(mash_section):
    data = build_report(borough("camden"), LAST_MONTH)
    mash = next(s for s in data["sections"] if s["key"] == "test-mash")
    mash["data"]["table"]["rows"].append(["=HYPERLINK(\"x\")", 1])
    text = report_csv(data)
    assert "MASH response performance" in text and "Caseload,412" in text and "18-25,80" in text
    assert "'=HYPERLINK" in text


def test_csv_neutralises_formulas_in_header_rows_too(mash_section):
    data = build_report(borough("camden"), LAST_MONTH)
    data["borough"]["name"] = "=cmd|' /C calc'!A0"
    data["hosp_area"], data["hosp"] = "+North West", "@SUM(A1)"
    mash = next(s for s in data["sections"] if s["key"] == "test-mash")
    mash["title"] = "-2+3"
    mash["data"]["table"]["headers"][0] = "=HEADER()"
    rows = list(csv.reader(io.StringIO(report_csv(data))))
    cells = [cell for row in rows for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'+North West" in cells and "'@SUM(A1)" in cells
    assert "'-2+3" in cells and "'=HEADER()" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_pdf_is_a_real_pdf_with_charts_and_tables(mash_section):
    pdf = report_pdf(build_report(borough("camden"), LAST_MONTH))
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


@pytest.mark.parametrize("persona, status", [
    ("hosp_user", 200), ("hub_user", 200), ("admin_user", 200), ("offender_manager", 403), ("team_manager", 403),
    ("partner_user", 403),
])
def test_borough_reports_are_for_hosps_the_hub_and_administrators(request, client, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/partners/reports/camden/{LAST_MONTH:%Y-%m}/").status_code == status
    assert client.get("/partners/reports/").status_code == status


def test_the_report_page_draws_charts_from_the_section_data(client, hosp_user, mash_section):
    client.force_login(hosp_user)
    response = client.get(f"/partners/reports/camden/{LAST_MONTH:%Y-%m}/")
    html = response.content.decode()
    assert "chart.umd.min.js" in html and "report-charts.js" in html
    index = [s["key"] for s in response.context["report"]["sections"]].index("test-mash")
    assert f'data-chart-config="chart-{index}-config"' in html and f'id="chart-{index}-config"' in html
    assert "#d4351c" in html  # the red RAG colour reached the Chart.js config
    assert "Provisional" in html and "MASH response performance" in html


def test_a_stored_report_is_shown_and_downloaded_as_produced(client, hosp_user):
    stored = BoroughReport.objects.create(
        borough=borough("camden"), month=LAST_MONTH, pdf=b"%PDF-stored",
        data={**build_report(borough("camden"), LAST_MONTH), "sections": [
            {"key": "old", "title": "Snapshot section", "template": "", "error": "", "data": {"summary": [["Old figure", 7]]}}
        ]},
    )
    client.force_login(hosp_user)
    page = client.get(f"/partners/reports/camden/{LAST_MONTH:%Y-%m}/")
    assert "Snapshot section" in page.content.decode() and "Produced" in page.content.decode()
    pdf = client.get(f"/partners/reports/camden/{LAST_MONTH:%Y-%m}/report.pdf")
    assert pdf.status_code == 200 and pdf.content == b"%PDF-stored"
    assert pdf["Content-Disposition"] == f'attachment; filename="borough-report-camden-{LAST_MONTH:%Y-%m}.pdf"'
    csv = client.get(f"/partners/reports/camden/{LAST_MONTH:%Y-%m}/report.csv")
    assert "Old figure,7" in csv.content.decode()
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_id=str(stored.pk))
    assert sorted(e.detail["format"] for e in exports) == ["csv", "pdf"]


def test_a_live_pdf_is_built_when_no_report_is_stored(client, hub_user):
    client.force_login(hub_user)
    response = client.get(f"/partners/reports/hackney/{timezone.localdate():%Y-%m}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


@pytest.mark.parametrize("url", [
    "/partners/reports/atlantis/2026-01/",
    "/partners/reports/camden/2026-13/",
    "/partners/reports/camden/not-a-month/",
    "/partners/reports/camden/1999-01/",
    "/partners/reports/camden/2999-01/",
    "/partners/reports/camden/2999-01/report.csv",
])
def test_unknown_boroughs_and_impossible_months_answer_404(client, hosp_user, url):
    client.force_login(hosp_user)
    assert client.get(url).status_code == 404


def test_the_report_names_the_boroughs_hosp():
    area = hosp_area("North West London")
    area.hosp = HospUserFactory(first_name="Helen", last_name="Osei")
    area.save()
    data = build_report(borough("camden"), LAST_MONTH)
    assert data["hosp_area"] == "North West London" and data["hosp"] == "Helen Osei"


def _pdf_text(pdf: bytes) -> str:
    """The text drawn in a reportlab PDF: its content streams, inflated."""
    import re
    import zlib

    import base64

    text = []
    for stream in re.findall(rb"\bstream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        if data.endswith(b"~>"):  # reportlab's default: ASCII85, then deflate
            data = base64.a85decode(data, adobe=True)
        try:
            text.append(zlib.decompress(data).decode("latin-1"))
        except zlib.error:
            text.append(data.decode("latin-1"))
    assert text, "no content streams found"
    return "\n".join(text)


def test_a_provisional_pdf_says_so_and_gives_london_time(monkeypatch):
    import datetime

    data = build_report(borough("camden"), LAST_MONTH)
    data["built_at"] = datetime.datetime(2026, 7, 1, 8, 30, tzinfo=datetime.timezone.utc).isoformat()  # 09:30 BST
    text = _pdf_text(report_pdf(data, provisional=True))
    assert "(PROVISIONAL) Tj" in text and "\\(provisional\\)" in text  # PDF strings escape brackets
    assert "Produced 1 July 2026 at 09:30 \\(London time\\)" in text and "UTC" not in text
    final = _pdf_text(report_pdf(data))
    assert "PROVISIONAL" not in final


def test_pdf_chart_labels_are_whole_and_distinct_and_a_two_series_chart_has_a_legend():
    from reportlab.graphics.charts.legends import Legend

    labels = ["Accommodation settled", "Accommodation not settled", "Young adult men (18-25)"]
    wrapped = reports.pdf_axis_labels(labels)
    assert [w.replace("\n", " ") for w in wrapped] == labels  # nothing cut off
    assert len(set(wrapped)) == len(labels)
    chart = {"type": "bar", "labels": ["Red", "Amber", "Green"], "datasets": [
        {"label": "On time", "data": [1, 2, 3], "colours": ["green"] * 3},
        {"label": "Late or overdue", "data": [0, 1, 0], "colours": ["red"] * 3}]}
    drawing = reports._pdf_chart(chart)
    legends = [c for c in drawing.contents if isinstance(c, Legend)]
    assert legends and [name for _, name in legends[0].colorNamePairs] == ["On time", "Late or overdue"]


def test_the_live_pdf_download_is_marked_provisional(client, hub_user):
    client.force_login(hub_user)
    response = client.get(f"/partners/reports/hackney/{timezone.localdate():%Y-%m}/report.pdf")
    assert response.content.startswith(b"%PDF"), response.content[:200]
    assert "PROVISIONAL" in _pdf_text(response.content), response.content[:1500]
