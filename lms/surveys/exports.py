"""Results as CSV (French Excel: `;`, BOM) and XLSX; every cell through lms.core.spreadsheets,
which makes text a spreadsheet would run inert (a free-text answer may start with "=")."""

import io

from django.utils.translation import gettext as _

from lms.core.spreadsheets import SafeCsvWriter, xlsx_append

from .enums import QuestionKind

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def results_sections(results, *, scope_label: str) -> list[tuple[str, list, list]]:
    survey = results.survey
    summary = [
        [_("Survey"), survey.title],
        [_("Kind"), survey.get_kind_display()],
        [_("Scope"), scope_label],
        [_("Invited"), results.invited],
        [_("Answered"), results.answered],
        [_("Response rate (%)"), results.rate if results.rate is not None else ""],
        [_("Responses"), results.responses],
    ]
    scores = []
    texts = []
    for question in results.questions:
        if question.kind == QuestionKind.TEXT:
            texts.extend([question.text, text] for text in question.texts)
            continue
        for bar in question.bars:
            scores.append([question.text, str(QuestionKind(question.kind).label),
                           question.answers,
                           question.mean if question.mean is not None else "",
                           bar.label, bar.count, bar.share])
    return [
        (_("Summary"), [_("Item"), _("Value")], summary),
        (_("Scores"), [_("Question"), _("Kind of answer"), _("Answers"), _("Mean (1 to 5)"),
                       _("Value"), _("Count"), _("Share (%)")], scores),
        (_("Free-text answers"), [_("Question"), _("Answer")], texts),
    ]


def as_csv(sections) -> bytes:
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
    workbook.properties.title = title[:250]
    workbook.remove(workbook.active)
    for index, (name, headers, rows) in enumerate(sections):
        sheet = workbook.create_sheet(name[:31] or str(index + 1))
        xlsx_append(sheet, headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            xlsx_append(sheet, row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
