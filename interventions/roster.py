"""A session's roster as a PDF (reportlab) for the supervisor to take to the site: who is booked, their hours
ordered and remaining, and columns to sign in and out."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone

from interventions.models import LONDON


def render_roster(session, bookings) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    title = f"Community Payback roster: {session.project.name}"
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm, title=title, author="London CRC")
    styles = getSampleStyleSheet()
    start = timezone.localtime(session.starts_at, LONDON)
    end = timezone.localtime(session.ends_at, LONDON)
    story = [
        Paragraph("OFFICIAL-SENSITIVE", styles["Normal"]),
        Paragraph(escape(title), styles["Heading1"]),
        Paragraph(escape(f"{start:%A %d %B %Y}, {start:%H:%M} to {end:%H:%M} · {session.project.address}"),
                  styles["Normal"]),
        Paragraph(escape(f"Supervisor: {session.supervisor or session.project.supervisor or 'to be confirmed'} · "
                         f"Placement partner: {session.project.partner}"), styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    rows = [["CRN", "Name", "Outcome", "Time in", "Time out", "Stood down", "Signature"]]
    for booking in bookings:
        rows.append([booking.person.crn, f"{booking.person.first_name} {booking.person.last_name}",
                     booking.appointment.get_outcome_display() if booking.appointment.outcome else "", "", "", "", ""])
    if len(rows) == 1:
        rows.append(["", "Nobody booked", "", "", "", "", ""])
    table = Table(rows, colWidths=[25 * mm, 60 * mm, 45 * mm, 25 * mm, 25 * mm, 25 * mm, 55 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                               ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.whitesmoke]),
                               ("TOPPADDING", (0, 1), (-1, -1), 8), ("BOTTOMPADDING", (0, 1), (-1, -1), 8)]))
    story.append(table)
    document.build(story)
    return buffer.getvalue()
