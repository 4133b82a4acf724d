"""Pages of long lists that cost the same at page 1 and at page 4,000."""

from django.core.paginator import Paginator


class IdsFirstPaginator(Paginator):
    """Reads a page in two steps: the primary keys of its rows, then those rows.

    Under a deep OFFSET the database sorts and skips every row before the page; asking for the
    keys alone keeps that work to the sort columns, and the rows of the page (with the
    queryset's prefetching) are then read by key, without its filters, which the keys already
    passed: a search would otherwise look its words up again. The page keeps the queryset's
    order.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self._rows_by_key(keys)}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)

    def _rows_by_key(self, keys):
        listed = self.object_list
        if listed.query.annotations or listed.query.extra:
            # Annotations may count through the filters' joins: read them as they were.
            return listed.order_by().filter(pk__in=keys)
        rows = listed.model._base_manager.filter(pk__in=keys)
        rows.query.select_related = listed.query.select_related
        rows.query.deferred_loading = listed.query.deferred_loading
        return rows.prefetch_related(*listed._prefetch_related_lookups)
