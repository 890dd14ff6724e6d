from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from .enums import Role
from .validators import (
    person_name_normalize,
    validate_nda,
    validate_person_name,
    validate_sane_date,
    validate_siret,
)


class UserQuerySet(models.QuerySet):
    def learners(self):
        return self.filter(is_learner=True)

    def trainers(self):
        return self.filter(is_trainer=True)

    def insertion_staff(self):
        return self.filter(is_insertion_staff=True)

    def managers(self):
        return self.filter(is_manager=True)

    def with_role(self, role: Role):
        return self.filter(**{User.ROLE_FIELDS[role]: True})

    def without_staff_role(self):
        """Accounts that hold no staff role: see User.has_staff_role."""
        return self.filter(is_trainer=False, is_insertion_staff=False, is_manager=False,
                           is_staff=False, is_superuser=False)


class ParcoursUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person: learners, trainers, insertion staff and managers are all users.

    Roles are independent flags because one person often holds several (a trainer who is
    also insertion staff, a manager who trains)."""

    ROLE_FIELDS = {
        Role.LEARNER: "is_learner",
        Role.TRAINER: "is_trainer",
        Role.INSERTION_STAFF: "is_insertion_staff",
        Role.MANAGER: "is_manager",
    }

    # Names in any script: no length squeeze on compound or transliterated names.
    # Invisible and direction-changing characters are refused by every form, serializer and
    # service that validates the model (validate_person_name); save() stores names in NFC
    # whatever the way in (bulk imports included, which normalise themselves).
    first_name = models.CharField(_("first name"), max_length=150, blank=True,
                                  validators=[validate_person_name])
    last_name = models.CharField(_("last name"), max_length=150, blank=True,
                                 validators=[validate_person_name])
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True,
                                  validators=[validate_sane_date])
    employer = models.CharField(
        _("employer"), max_length=200, blank=True,
        help_text=_("Printed on the certificate of completion when known."),
    )
    is_learner = models.BooleanField(_("learner"), default=False)
    is_trainer = models.BooleanField(_("trainer"), default=False)
    is_insertion_staff = models.BooleanField(_("insertion staff"), default=False)
    is_manager = models.BooleanField(_("manager"), default=False)
    # Set by lms.privacy.erasure.personal_data_erase: the account stays, anonymised, for
    # the figures and the documents kept until their retention ends; nothing new is issued
    # in its name.
    erased_at = models.DateTimeField(_("personal data erased on"), null=True, blank=True,
                                     editable=False)

    # When the person last chose their own password (a one-time link, "forgotten password",
    # changing it): from then on only a manager may give them a way in (lms.accounts.services),
    # so that nobody else can replace a password the person chose.
    password_set_by_owner_at = models.DateTimeField(
        _("password chosen by the person on"), null=True, blank=True, editable=False)

    objects = ParcoursUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            # An address leads to one account (password reset, "Donner l'accès" by e-mail);
            # many people have none. The forms and the import say so first; this holds
            # against a race and any other way in.
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="user_email_unique",
                violation_error_message=_("Another account already uses this e-mail address."),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def _normalize_names(self):
        self.first_name = person_name_normalize(self.first_name)
        self.last_name = person_name_normalize(self.last_name)

    def clean(self):
        super().clean()
        self._normalize_names()

    def save(self, *args, **kwargs):
        self._normalize_names()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip()

    @property
    def roles(self) -> list[Role]:
        return [role for role, field in self.ROLE_FIELDS.items() if getattr(self, field)]

    def has_role(self, role: Role) -> bool:
        return getattr(self, self.ROLE_FIELDS[role])

    @property
    def sees_everything(self) -> bool:
        """A manager or an admin: every scope (`visible_to`, `managed_by`…) lets them see and
        act on every record. The one place this rule is written."""
        return bool(self.is_manager or self.is_superuser)

    @property
    def has_staff_role(self) -> bool:
        """Trainer, insertion staff, manager or admin: an account that acts on other people's
        records, so staff never hand out a way into it."""
        return bool(self.is_trainer or self.is_insertion_staff or self.is_manager
                    or self.is_staff or self.is_superuser)

    @property
    def has_own_password(self) -> bool:
        """Whether the person chose the password they log in with (see
        password_set_by_owner_at)."""
        return self.password_set_by_owner_at is not None and self.has_usable_password()

    @property
    def may_be_given_access(self) -> bool:
        """Whether staff who follow this person may make them a link to choose a password
        (lms.accounts.services): active accounts without any staff role."""
        return self.is_active and not self.has_staff_role


@register_setting(icon="home")
class Organisation(BaseGenericSetting):
    """The tiers-lieu running the training: its legal identity is printed on every document."""

    name = models.CharField(_("name"), max_length=200, default="Parcours")
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, validators=[validate_siret],
        help_text=_("14 digits, without spaces."),
    )
    nda = models.CharField(
        _("provider declaration number (NDA)"), max_length=11, blank=True,
        validators=[validate_nda],
        help_text=_("Numéro de déclaration d'activité: 11 digits."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ForeignKey("wagtailimages.Image", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name=_("logo"))
    signatory_name = models.CharField(_("signatory's name"), max_length=150, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=150, blank=True)
    signature_image = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("signature image"),
    )
    stamp_image = models.ForeignKey("wagtailimages.Image", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("stamp"))
    default_place = models.CharField(
        _("place of signature"), max_length=120, blank=True,
        help_text=_("Printed as “Fait à …” on documents; defaults to the city."),
    )
    # Printed on convocations (Qualiopi indicator 9): how to get there, and whom to ask for
    # an adaptation.
    access_information = models.TextField(
        _("access information"), blank=True,
        help_text=_("How to get there: public transport, parking, entrance, floor, lift."),
    )
    accessibility_referent_name = models.CharField(
        _("accessibility referent's name"), max_length=150, blank=True)
    accessibility_referent_email = models.EmailField(
        _("accessibility referent's email"), blank=True)
    accessibility_referent_phone = models.CharField(
        _("accessibility referent's phone"), max_length=30, blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("legal_name")], heading=_("Identity")),
        MultiFieldPanel(
            [FieldPanel("address"), FieldPanel("postcode"), FieldPanel("city")],
            heading=_("Address"),
        ),
        MultiFieldPanel([FieldPanel("siret"), FieldPanel("nda")], heading=_("Registration")),
        MultiFieldPanel(
            [FieldPanel("email"), FieldPanel("phone"), FieldPanel("website")],
            heading=_("Contact"),
        ),
        MultiFieldPanel(
            [FieldPanel("logo"), FieldPanel("signatory_name"), FieldPanel("signatory_title"),
             FieldPanel("signature_image"), FieldPanel("stamp_image"),
             FieldPanel("default_place")],
            heading=_("Documents"),
        ),
        MultiFieldPanel(
            [FieldPanel("access_information"), FieldPanel("accessibility_referent_name"),
             FieldPanel("accessibility_referent_email"),
             FieldPanel("accessibility_referent_phone")],
            heading=_("Convocations"),
        ),
    ]

    class Meta:
        verbose_name = _("organisation")

    def __str__(self):
        return self.name

    @property
    def place(self) -> str:
        return self.default_place or self.city

    @property
    def full_address(self) -> str:
        town = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (self.address, town) if part)
