"""Who may see a policy or a document: anyone, or only readers the access rule lets in."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    NDA = "nda", _("Under NDA")
