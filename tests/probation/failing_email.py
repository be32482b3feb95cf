from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    """A mail server that is down: every send raises, as smtplib does when the connection is refused."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP is down")
