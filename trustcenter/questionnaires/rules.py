"""Who may use the answer library and the questionnaire assistant.

The one place that decides it, so the roles from the accounts work replace the rule here
and every view follows. Sales and security admins work on questionnaires; only security
admins approve answers for the library (an approved answer is what the assistant offers
to every salesperson).
"""


def can_use_questionnaires(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    role_check = getattr(user, "is_sales_or_admin", None)
    if role_check is not None:
        return bool(role_check)
    # Until `User.role` exists, Django's staff flag marks sales and security staff.
    return bool(user.is_staff)


def can_approve_answers(user) -> bool:
    if not can_use_questionnaires(user):
        return False
    role_check = getattr(user, "is_security_admin", None)
    if role_check is not None:
        return bool(role_check)
    return bool(user.is_superuser)
