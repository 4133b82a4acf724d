"""Pages of long lists that cost the same at page 1 and at page 4,000."""

from django.core.paginator import Paginator


class IdsFirstPaginator(Paginator):
    """Reads a page in two steps: the primary keys of its rows, then those rows.

    Under a deep OFFSET the database sorts and skips every row before the page; asking for the
    keys alone keeps that work to the sort columns, and the rows of the page (with the
    queryset's prefetching) are then read by key. The page keeps the queryset's order.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=keys)}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
