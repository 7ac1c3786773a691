"""Who may use the answer library and the questionnaire assistant.

The one place that decides it. Sales and security admins (`User.role`) work on
questionnaires; only security admins approve answers for the library, because an approved
answer is what the assistant offers to every salesperson. Django superusers may do
everything, as in the rest of the app. Django's `is_staff` flag alone ("may open the
admin") is not enough.
"""


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_use_questionnaires(user) -> bool:
    return _active(user) and (user.is_sales_or_admin or user.is_superuser)


def can_approve_answers(user) -> bool:
    return _active(user) and (user.is_security_admin or user.is_superuser)
