"""The partners app's own section of the borough report: the partnership landscape in the borough."""

from collections import Counter
from datetime import date

from django.db.models import Prefetch

from partners.models import Borough, Organisation, Service
from partners.reports import month_end


def partners_section(borough, month: date) -> dict:
    """`borough`: a Borough or its code."""
    if isinstance(borough, str):
        borough = Borough.objects.get(code=borough)
    organisations = list(
        Organisation.objects.filter(boroughs=borough, is_active=True)
        .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("name")))
        .order_by("name")
    )
    kinds = Counter(o.get_kind_display() for o in organisations)
    services = Counter(s.name for o in organisations for s in o.services.all())
    new_this_month = sum(1 for o in organisations if month <= o.created_at.date() <= month_end(month))
    service_names = sorted(services)
    return {
        "summary": [
            ("Active partner organisations", len(organisations)),
            ("Statutory partners", sum(1 for o in organisations if o.is_statutory)),
            ("Supply-chain partners", sum(1 for o in organisations if o.is_supply_chain)),
            ("Joined the directory this month", new_this_month),
            ("Services not offered by any partner here",
             Service.objects.exclude(organisations__in=organisations).distinct().count() if organisations else Service.objects.count()),
        ],
        "table": {
            "headers": ["Organisation", "Kind", "Services"],
            "rows": [[o.name, o.get_kind_display(), ", ".join(s.name for s in o.services.all())] for o in organisations],
        },
        "chart": {
            "type": "bar",
            "labels": service_names,
            "datasets": [{"label": "Organisations offering the service", "data": [services[n] for n in service_names]}],
        },
        "notes": [f"Organisations by kind: {', '.join(f'{k} {v}' for k, v in sorted(kinds.items())) or 'none'}."],
    }
