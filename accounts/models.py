"""The learner's margin activation: the one fact the sandbox needs from the quiz.

It lives here, not in ``learn/``, so that the sandbox can gate margin and futures on
it without importing the learning app (imports run one way: learn calls accounts).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MarginActivation(models.Model):
    """Recorded once, when a learner has passed the margin quiz and accepted the risk statement."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="margin_activation",
        verbose_name=_("learner"),
    )
    activated_at = models.DateTimeField(_("activated at"))
    # The passing attempt's id, kept as a plain number: a foreign key would make
    # accounts depend on learn, and the activation must outlive any quiz clean-up.
    attempt_id = models.PositiveBigIntegerField(_("passing attempt id"))
    statement_version = models.CharField(_("risk statement version"), max_length=32)

    class Meta:
        verbose_name = _("margin activation")
        verbose_name_plural = _("margin activations")

    def __str__(self) -> str:
        return f"{self.user} · {self.activated_at:%Y-%m-%d %H:%M} UTC"


class LearnerPreferences(models.Model):
    """What a learner chose for how the site speaks to them, kept across devices.

    Written when a signed-in learner uses the language switcher; read once at log-in
    (``accounts.signals``) into the session, so pages never pay a query for it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preferences",
        verbose_name=_("learner"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("learner preferences")
        verbose_name_plural = _("learner preferences")

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"
