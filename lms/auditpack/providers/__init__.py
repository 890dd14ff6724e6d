"""The indicators a pack covers, and the providers of each one's evidence (one small module
per kind of evidence). A provider serving several indicators runs once; its files are listed
under each. An indicator whose providers find nothing is listed as without evidence."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import alerts, convocations, documents, positionings, programme, quality, results, surveys


@dataclass(frozen=True)
class Indicator:
    number: int | None  # None: a section that is no RNQ indicator (the BPF)
    title: str
    providers: tuple
    # Only a year's pack has it (the BPF is yearly): a group's pack leaves the section out.
    year_only: bool = False


INDICATORS = (
    Indicator(1, _("Information of the public on the services: the programme as published"),
              (programme.published_programme,)),
    Indicator(2, _("Results published: completion and drop-out"), (results.group_results,)),
    Indicator(4, _("Needs analysed: prerequisites and initial positioning"),
              (programme.published_programme, positionings.initial_positionings)),
    Indicator(5, _("Operational, assessable objectives"),
              (programme.published_programme, programme.competence_targets)),
    Indicator(8, _("Positioning and entry assessment"), (positionings.initial_positionings,)),
    Indicator(9, _("Conditions given to the public: convocations sent"),
              (convocations.sent_messages,)),
    Indicator(10, _("Adaptation and follow-up: signed and countersigned attendance sheets"),
              (documents.sheets,)),
    Indicator(11, _("Assessment of what was achieved: validations, final positioning, "
                    "attestations and certificates"),
              (positionings.validations, positionings.final_positionings,
               documents.attestations)),
    Indicator(12, _("Engagement and drop-out prevention: absence alerts and actions taken"),
              (alerts.alerts_and_actions, documents.sheets)),
    Indicator(30, _("Stakeholders' assessments collected: satisfaction surveys"),
              (surveys.survey_results,)),
    Indicator(31, _("Difficulties and complaints handled"), (quality.complaints,)),
    Indicator(32, _("Continuous improvement"), (quality.improvements,)),
    Indicator(None, _("BPF figures (bilan pédagogique et financier)"), (quality.bpf,),
              year_only=True),
)


def distinct_providers() -> list:
    seen = []
    for indicator in INDICATORS:
        for provider in indicator.providers:
            if provider not in seen:
                seen.append(provider)
    return seen
