"""Import errors in the curator's words: row, column, value and what is wrong."""

from django.core.exceptions import NON_FIELD_ERRORS


def describe_errors(result, dataset, offset: int = 0) -> list[str]:
    """One line per problem, e.g. `Row 3, column doi (value “10.x”): “10.x” is not a DOI.`"""
    lines = [f"The file: {error.error}" for error in result.base_errors]
    headers = dataset.headers or []
    for number, errors in result.row_errors():
        for error in errors:
            lines.append(f"Row {number + offset}: {error.error}")
    for invalid in result.invalid_rows:
        row = dict(zip(headers, dataset[invalid.number - 1], strict=False))
        for column, messages in invalid.error_dict.items():
            where = "" if column == NON_FIELD_ERRORS else f", column {column}"
            value = row.get(column)
            shown = f" (value “{str(value)[:80]}”)" if value not in ("", None) else ""
            for message in messages:
                lines.append(f"Row {invalid.number + offset}{where}{shown}: {message}")
    return lines
