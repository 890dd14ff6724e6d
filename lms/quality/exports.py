"""CSV and XLSX of the register and of the BPF figures. Every cell goes through
lms.core.spreadsheets, which makes text a spreadsheet would run inert."""

import io

from django.utils.translation import gettext as _

from lms.core.spreadsheets import SafeCsvWriter, xlsx_append

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _name(obj) -> str:
    return str(obj) if obj is not None else ""


def complaint_headers() -> list[str]:
    return [_("Number"), _("Received on"), _("From"), _("Name"), _("Contact"), _("Channel"),
            _("Group"), _("Path"), _("Description"), _("Handling"), _("Answer"),
            _("Answered on"), _("Closed on"), _("Status")]


def complaint_rows(complaints):
    for c in complaints:
        yield [c.pk, c.received_on, c.get_complainant_kind_display(), c.complainant_name,
               c.complainant_contact, c.get_channel_display(),
               c.cohort.name if c.cohort else "", c.path.title if c.path else "",
               c.description, c.handling, c.answer, c.answered_on, c.closed_on,
               c.get_status_display()]


def improvement_headers() -> list[str]:
    return [_("Number"), _("Identified on"), _("Source"), _("Complaint"), _("Description"),
            _("Decision"), _("Owner"), _("Due date"), _("Done on"), _("Status")]


def improvement_rows(improvements):
    for i in improvements:
        yield [i.pk, i.identified_on, i.get_source_display(), _name(i.complaint),
               i.description, i.decision, i.owner, i.due_on, i.done_on,
               i.get_status_display()]


def bpf_sections(figures) -> list[tuple[str, list, list]]:
    """(title, headers, rows) of each part of the BPF figures, in the order printed."""
    count_headers = [_("Trainees"), _("Trainee-hours (realised)")]
    return [
        (_("By funding"), [_("Funding"), *count_headers],
         [[line.label, line.trainees, line.hours] for line in figures.by_funding]
         + [[_("Total"), figures.trainees, figures.hours]]),
        (_("By objective"), [_("Objective"), *count_headers],
         [[line.label, line.trainees, line.hours] for line in figures.by_objective]
         + [[_("Total"), figures.trainees, figures.hours]]),
        (_("Funding to record"), [_("Learner"), _("Group"), _("Path"),
                                  _("Trainee-hours (realised)")],
         [[e.learner.get_full_name() or e.learner.username, e.cohort.name, e.path.title,
           figures.hours_by_enrollment.get(e.pk)] for e in figures.unfunded]),
        (_("Sheets to lock"), [_("Group"), _("Date"), _("Start"), _("End")],
         [[s.cohort.name, s.date, s.start_time.strftime("%H:%M"), s.end_time.strftime("%H:%M")]
          for s in figures.open_sheets]),
    ]


def as_csv(sections) -> bytes:
    """UTF-8 with a BOM, `;` between fields; sections follow each other after a blank line
    and their title. The first line is the first section's headers, so that a spreadsheet
    (and a reader guessing the delimiter) sees the columns first."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    for index, (title, headers, rows) in enumerate(sections):
        if index:
            writer.writerow([])
            writer.writerow([title])
        writer.writerow(headers)
        writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(sections, *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.properties.title = title
    workbook.remove(workbook.active)
    for index, (name, headers, rows) in enumerate(sections):
        # Sheet names: 31 characters at most, none of []:*?/\ (ours are fixed labels).
        sheet = workbook.create_sheet((name or title)[:31] or str(index + 1))
        xlsx_append(sheet, headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            xlsx_append(sheet, row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
