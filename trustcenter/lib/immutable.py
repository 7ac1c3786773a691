"""Rows that are fixed once written: a published policy version, a published NDA text.

History, permalinks, diffs and signatures point at these rows, so changing one would change
what a reader was shown or what a signer agreed to. New rows are written; existing ones are
never updated or deleted, whichever way the code asks (an instance or a QuerySet).
"""

from django.db import models


class ImmutableError(Exception):
    """Code tried to change or delete a row that is fixed once written."""


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError(f"{self.model._meta.verbose_name} rows are never changed once published")

    def delete(self):
        raise ImmutableError(f"{self.model._meta.verbose_name} rows are never deleted once published")


class ImmutableModel(models.Model):
    """A model whose rows can be created, never changed or deleted (publish a new one instead)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"{self} was published and is never changed; publish a new version instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{self} was published and is never deleted")
