"""Cross-cutting records every app uses: users and roles, the audit log, closure days, in-app/email notifications."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    HUB = "hub", "Allocations hub staff"
    OFFENDER_MANAGER = "offender_manager", "Offender manager"
    TEAM_MANAGER = "team_manager", "Team manager (SPO)"
    HOSP = "hosp", "Head of Stakeholders and Partnerships"
    PARTNER = "partner", "Partner agency user"
    ADMIN = "admin", "Administrator"


STAFF_ROLES = frozenset({Role.HUB, Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.HOSP, Role.ADMIN})


class User(AbstractUser):
    """A person who signs in. The role decides what they see; a partner user's organisation is a membership row
    in `partners`, so this app never imports a business app."""

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.OFFENDER_MANAGER, db_index=True)
    job_title = models.CharField(max_length=120, blank=True)
    # Part of the session hash: raising it ends every session of this user at once (sign-out, 2FA reset).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret=None):
        # Django checks this on every request; mixing in session_epoch lets us end all sessions without a password
        # change (AbstractBaseUser uses the password hash alone).
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "probation.User.session_auth_hash", f"{self.password}|{self.session_epoch}", secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def is_staff_member(self) -> bool:
        """Works for the company (as opposed to a partner agency)."""
        return self.role in STAFF_ROLES

    def save(self, *args, **kwargs):
        # Administrators manage the service through Django admin; no other role may reach it.
        if self.role == Role.ADMIN:
            self.is_staff = True
        elif not self.is_superuser:
            self.is_staff = False
        super().save(*args, **kwargs)


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who did what to which record, when and from where. Append-only: the app, the API and the admin refuse to
    edit or delete rows, and on PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE too; the application's own
    database role may only INSERT and SELECT here (probation/db_roles.py)."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        LOGOUT = "logout", "Signed out"
        DENIED = "denied", "Access denied"
        API_TOKEN = "api_token", "API token used"
        API_TOKEN_REJECTED = "api_token_rejected", "API token rejected"
        LOCKOUT = "lockout", "Locked out"
        MFA_VERIFIED = "mfa_verified", "Two-factor verified"
        MFA_FAILED = "mfa_failed", "Two-factor code wrong"
        MFA_ENROLLED = "mfa_enrolled", "Two-factor set up"
        MFA_RESET = "mfa_reset", "Two-factor reset"
        PASSWORD_CHANGED = "password_changed", "Password changed"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey("probation.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The name typed or held at the time: kept even for failed sign-ins with no matching user.
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class ClosureDay(models.Model):
    """A date the service is closed beyond weekends and bank holidays (e.g. a one-off extra holiday)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d %b %Y}: {self.reason}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def email_due(self, now=None):
        now = now or timezone.now()
        return self.filter(email_sent_at__isnull=True, email_failed_at__isnull=True, email_next_attempt_at__lte=now)


class Notification(models.Model):
    """An outbox row: shown in the app at once, emailed by `send_pending_notifications`, which retries failures.
    `dedupe_key` is unique so a step that runs twice (two workers, a retry) still notifies once."""

    MAX_EMAIL_ATTEMPTS = 8

    recipient = models.ForeignKey("probation.User", on_delete=models.CASCADE, related_name="notifications")
    dedupe_key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_next_attempt_at = models.DateTimeField(default=timezone.now)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_failed_at = models.DateTimeField(null=True, blank=True)
    email_last_error = models.CharField(max_length=500, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Used by send_pending_notifications: only rows still to email are in the index.
            models.Index(
                fields=["email_next_attempt_at"],
                name="notification_email_due_idx",
                condition=models.Q(email_sent_at__isnull=True, email_failed_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient}"


class Deadline(models.Model):
    """One deadline step of one owner row (a MASH request, a screening, an API token ...), run by the deadline
    engine (`probation.deadlines`). Narrow on purpose: claiming a step rewrites this row and its two small indexes,
    not the owner's wide row and its many indexes. `due_at` is when the step next falls due (empty: nothing
    pending); `armed_for` the due time it was last set to, so setting the same deadline again changes nothing."""

    id = models.BigAutoField(primary_key=True)
    step = models.CharField(max_length=64, help_text="A step registered with the deadline engine.")
    owner_id = models.BigIntegerField(help_text="Primary key of the step's owner row.")
    due_at = models.DateTimeField(null=True, blank=True)
    armed_for = models.DateTimeField(null=True, blank=True)
    fired_count = models.PositiveIntegerField(default=0, help_text="Times it has fallen due since it was set.")
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "owner_id"], name="deadline_one_per_step_owner")]
        indexes = [
            # The engine's only read path: what is due, per step, earliest first. Only pending deadlines are in it.
            models.Index(fields=["step", "due_at"], name="deadline_due_idx", condition=models.Q(due_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.step} #{self.owner_id} due {self.due_at:%Y-%m-%d %H:%M}" if self.due_at else f"{self.step} #{self.owner_id}"
