from probation.audit import Action, audit_record


def audit_login(sender, request, user, **kwargs):
    audit_record(action=Action.LOGIN, request=request, user=user)


def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=Action.LOGOUT, request=request, user=user)


def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Never store the password tried: only the user name typed.
    audit_record(action=Action.LOGIN_FAILED, request=request, label=str(credentials.get("username", ""))[:150])
