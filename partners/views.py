from datetime import timedelta
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from partners.forms import DirectorySearchForm
from partners.models import Borough, BoroughReport, Contact, HospArea, Organisation
from partners.reports import build_report, chart_js_config, month_start, parse_month, report_csv, report_pdf
from partners.selectors import directory_search, latest_reports
from probation.audit import Action, audit_record, audit_view
from probation.policy import can


def staff_permission(permission: str):
    """Only staff with `permission` (partner agency users get 403, audited); the API is theirs."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not can(request.user, permission):
                audit_record(action=Action.DENIED, request=request, detail={"permission": permission})
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@staff_permission("partners.view_directory")
def directory(request):
    form = DirectorySearchForm(request.GET or None)
    borough = organisations = page = None
    if form.is_valid():
        data = form.cleaned_data
        borough = data["borough"]
        page = Paginator(
            directory_search(borough=borough, service=data["service"], kind=data["kind"], text=data["q"]), 50
        ).get_page(request.GET.get("page"))
        organisations = page.object_list
    elif not form.is_bound:
        page = Paginator(directory_search(), 50).get_page(request.GET.get("page"))
        organisations = page.object_list
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "partners/directory.html", {
        "form": form, "borough": borough, "organisations": organisations, "page": page,
        "query": query.urlencode(), "areas": HospArea.objects.select_related("hosp").annotate(borough_count=Count("boroughs")),
    })


@staff_permission("partners.view_directory")
def organisation_detail(request, pk):
    organisation = get_object_or_404(
        Organisation.objects.prefetch_related(
            Prefetch("boroughs", queryset=Borough.objects.select_related("hosp_area__hosp")),
            "services", Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name")),
        ),
        pk=pk,
    )
    audit_view(request, organisation)
    return render(request, "partners/organisation_detail.html", {"organisation": organisation})


@staff_permission("partners.view_directory")
def hosp_area_detail(request, pk):
    area = get_object_or_404(HospArea.objects.select_related("hosp"), pk=pk)
    boroughs = list(area.boroughs.annotate(organisation_count=Count("organisations", distinct=True)).order_by("name"))
    reports = latest_reports(boroughs) if can(request.user, "partners.view_borough_report") else {}
    for borough in boroughs:
        borough.latest_report = reports.get(borough.pk)
    return render(request, "partners/hosp_area_detail.html", {"area": area, "boroughs": boroughs})


@staff_permission("partners.view_borough_report")
def report_index(request):
    boroughs = list(Borough.objects.select_related("hosp_area__hosp").order_by("hosp_area__name", "name"))
    reports = latest_reports(boroughs)
    for borough in boroughs:
        borough.latest_report = reports.get(borough.pk)
    mine = [b for b in boroughs if b.hosp_area and b.hosp_area.hosp_id == request.user.pk]
    return render(request, "partners/report_index.html", {
        "boroughs": boroughs, "mine": mine, "this_month": f"{timezone.localdate():%Y-%m}",
    })


def _report(code: str, month_text: str):
    """(borough, month, data, stored report or None) — stored snapshot if there is one, else built now for a month
    that has begun. Anything else is 404."""
    borough = get_object_or_404(Borough.objects.select_related("hosp_area__hosp"), code=code)
    month = parse_month(month_text)
    if month is None or month.year < 2000 or month > month_start(timezone.localdate()):
        raise Http404("No report for that month.")
    stored = BoroughReport.objects.filter(borough=borough, month=month).first()
    data = stored.data if stored else build_report(borough, month)
    return borough, month, data, stored


@staff_permission("partners.view_borough_report")
def borough_report(request, code, month):
    borough, month, data, stored = _report(code, month)
    sections = []
    for index, section in enumerate(data["sections"]):
        chart = section["data"].get("chart") if not section["error"] else None
        sections.append({
            **section, "chart_id": f"chart-{index}", "config_id": f"chart-{index}-config",
            "chart_config": chart_js_config(chart) if chart else None,
            # What a section's own template receives: its builder's dict as returned, plus key, title and data.
            "template_context": {**section, **section.get("raw", {})},
        })
    previous = month_start(month.replace(day=1) - timedelta(days=1))
    following = month_start(month.replace(day=28) + timedelta(days=4))
    return render(request, "partners/borough_report.html", {
        "borough": borough, "month": month, "report": data, "stored": stored, "sections": sections,
        "month_text": f"{month:%Y-%m}", "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{following:%Y-%m}" if following <= month_start(timezone.localdate()) else "",
    })


def _download(request, borough, month, stored, content: bytes | str, content_type: str, extension: str):
    audit_record(action=Action.EXPORT, request=request, obj=stored or borough,
                 detail={"report_month": f"{month:%Y-%m}", "format": extension})
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="borough-report-{borough.code}-{month:%Y-%m}.{extension}"'
    return response


@staff_permission("partners.view_borough_report")
def borough_report_csv(request, code, month):
    borough, month, data, stored = _report(code, month)
    return _download(request, borough, month, stored, report_csv(data), "text/csv; charset=utf-8", "csv")


@staff_permission("partners.view_borough_report")
def borough_report_pdf(request, code, month):
    borough, month, data, stored = _report(code, month)
    pdf = bytes(stored.pdf) if stored and stored.pdf else report_pdf(data, provisional=stored is None)
    return _download(request, borough, month, stored, pdf, "application/pdf", "pdf")
