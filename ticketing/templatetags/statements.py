from django import template

from ticketing.statements.render import cell_text

register = template.Library()


@register.simple_tag
def statement_cell(row, column, currency="EUR"):
    """One cell of a statement's section, as the CSV and the PDF write it."""
    return cell_text((row or {}).get(column.key), column.kind, currency)
