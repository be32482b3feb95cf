"""Letters to the person as PDF (reportlab). Built from the case record; stored once per dedupe key by
services._store_letter, so a failure produces one letter whoever records or decides it."""

from __future__ import annotations

import io

from django.utils import timezone

from supervision.models import LONDON, Step


def render_pdf(*, title: str, person, paragraphs: list[str], reference: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from xml.sax.saxutils import escape

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                                 bottomMargin=20 * mm, title=title, author="London CRC")
    styles = getSampleStyleSheet()
    story = [
        Paragraph("OFFICIAL-SENSITIVE", styles["Normal"]),
        Spacer(1, 6 * mm),
        Paragraph(escape(f"{person.first_name} {person.last_name}"), styles["Normal"]),
        Paragraph(escape(f"Case reference: {person.crn}   Our reference: {reference}"), styles["Normal"]),
        Paragraph(timezone.localdate().strftime("%d %B %Y"), styles["Normal"]),
        Spacer(1, 8 * mm),
        Paragraph(escape(title), styles["Heading1"]),
    ]
    for text in paragraphs:
        story += [Paragraph(escape(text), styles["BodyText"]), Spacer(1, 3 * mm)]
    document.build(story)
    return buffer.getvalue()


def _when(moment) -> str:
    return moment.astimezone(LONDON).strftime("%A %d %B %Y at %H:%M")


def appointment_letter(*, appointment) -> dict:
    run_by = appointment.run_by
    return {
        "title": "Your next appointment",
        "person": appointment.person,
        "reference": f"A{appointment.pk}",
        "paragraphs": [
            f"You must attend a {appointment.get_type_display().lower()} appointment on {_when(appointment.starts_at)} "
            f"({appointment.get_place_display().lower()}) with {run_by}.",
            "If you cannot attend, contact your probation officer before the appointment and bring evidence of the "
            "reason (for example a fit note or a letter from your employer). Missing an appointment without an "
            "acceptable reason is a failure to comply with your order or licence.",
        ],
    }


def failure_letter(*, enforcement, failure) -> dict:
    person = enforcement.person
    when = failure.occurred_on.strftime("%d %B %Y")
    what = failure.get_kind_display().lower()
    if enforcement.decision == Step.WARNING:
        title = "Warning: failure to comply"
        body = [
            f"On {when} you failed to comply with your {enforcement.get_path_display().split(' (')[0].lower()} "
            f"({what}). This letter is a formal warning.",
            f"This warning stays on your record until {enforcement.warning_expires_on:%d %B %Y}. If you fail to "
            "comply again before then without an acceptable reason, you will be returned to court or recalled.",
        ]
    elif enforcement.decision == Step.RECALL:
        title = "Notice: recall request"
        body = [f"On {when} you failed to comply with your licence ({what}), after a warning. A request to recall "
                "you to custody has been sent to the National Probation Service."]
    else:
        court = "the magistrates' court" if enforcement.decision == Step.MAGISTRATES_BREACH else "court"
        title = "Notice: breach proceedings"
        body = [f"On {when} you failed to comply ({what}), after a warning within the last 12 months. Breach "
                f"proceedings are being started and you will be told when you must attend {court}."]
    body.append("Keep attending all your appointments in the meantime.")
    return {"title": title, "person": person, "reference": f"F{failure.pk}", "paragraphs": body}
