"""Landing-page panels (registered in apps.py): each runs a fixed, small number of queries."""

from safeguarding import selectors


def hub_panel(request):
    return {"counts": selectors.queue_counts(), "next": list(selectors.queue()[:5])}


def mine_panel(request):
    return {"requests": list(selectors.assigned_to(request.user)[:5])}


def team_panel(request):
    return {"requests": list(selectors.team_requests(request.user)[:5])}
