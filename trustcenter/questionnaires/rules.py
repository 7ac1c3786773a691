"""Who may use the answer library and the questionnaire assistant.

The roles are defined once, on the user model: staff (`User.has_staff_role`: sales,
security admins, superusers) work on questionnaires; only security admins and superusers
(`User.can_approve_answers`) approve answers for the library, because an approved answer
is what the assistant offers to every salesperson. Django's `is_staff` flag alone ("may
open the admin") is not enough.
"""


def can_use_questionnaires(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_staff_role)


def can_approve_answers(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.can_approve_answers)
