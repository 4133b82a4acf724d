"""Import errors in the curator's words: row, column, value and what is wrong."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _


def describe_errors(result, dataset, offset: int = 0) -> list[str]:
    """One line per problem, e.g. `Row 3, column doi (value “10.x”): “10.x” is not a DOI.`"""
    lines = [_("The file: %(message)s") % {"message": error.error} for error in result.base_errors]
    headers = dataset.headers or []
    for number, errors in result.row_errors():
        for error in errors:
            lines.append(row_problem(number + offset, message=error.error))
    for invalid in result.invalid_rows:
        row = dict(zip(headers, dataset[invalid.number - 1], strict=False))
        for column, messages in invalid.error_dict.items():
            for message in messages:
                lines.append(
                    row_problem(
                        invalid.number + offset,
                        column=None if column == NON_FIELD_ERRORS else column,
                        value=row.get(column),
                        message=message,
                    )
                )
    return lines


def row_problem(number: int, *, message, column: str | None = None, value=None) -> str:
    """`Row 3, column doi (value “10.x”): “10.x” is not a DOI.`, as far as the parts are known."""
    names = {"row": number, "column": column, "value": str(value)[:80], "message": message}
    shown = value not in ("", None)
    if column and shown:
        return _("Row %(row)s, column %(column)s (value “%(value)s”): %(message)s") % names
    if column:
        return _("Row %(row)s, column %(column)s: %(message)s") % names
    if shown:
        return _("Row %(row)s (value “%(value)s”): %(message)s") % names
    return _("Row %(row)s: %(message)s") % names
