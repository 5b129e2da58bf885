from django.db.models import Count, QuerySet, Window
from rest_framework import pagination
from rest_framework.exceptions import NotFound

TOTAL = "_page_total"
MAX_OFFSET = 2**62


class CountedPage:
    """A queryset the Django paginator can count and slice, fetched as one
    query: the requested page with `COUNT(*) OVER ()` beside each row. A
    separate COUNT over an annotated list costs as much to build and run as
    the page itself.

    The page the request asks for is fetched first; the paginator's count()
    and its slice of that page are then answered from it. Only a page past
    the end (no rows, so no total) costs a plain COUNT to tell the paginator
    how many pages there are."""

    ordered = True  # the paginator's warning about unordered lists: the queryset is checked below

    def __init__(self, rows, offset: int, limit: int):
        self.source, self.offset, self.limit = rows, offset, limit
        self._rows: list | None = None
        self._total: int | None = None

    @staticmethod
    def applies(queryset) -> bool:
        if isinstance(queryset, PageRows):
            return True
        query = getattr(queryset, "query", None)
        return (isinstance(queryset, QuerySet) and query is not None and queryset.ordered
                and not query.distinct and not query.combinator and query.group_by is None
                and not query.is_sliced)

    def _fetch(self, offset: int, limit: int) -> list:
        if isinstance(self.source, PageRows):
            rows = self.source.page(offset, limit)
        else:
            rows = list(self.source.annotate(**{TOTAL: Window(Count("*"))})[offset:offset + limit])
        if rows:
            first = rows[0]
            self._total = first[TOTAL] if isinstance(first, dict) else getattr(first, TOTAL)
            if isinstance(first, dict):
                for row in rows:
                    del row[TOTAL]
        elif offset == 0:
            self._total = 0
        return rows

    def count(self) -> int:
        if self._total is None:
            self._rows = self._fetch(self.offset, self.limit)
        if self._total is None:  # a page past the end
            self._total = self.source.count()
        return self._total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("CountedPage is sliced by the paginator only")
        start, stop = key.start or 0, key.stop
        if self._rows is not None and start == self.offset and stop is not None and stop <= self.offset + self.limit:
            return self._rows[:stop - start]
        return self._fetch(start, (stop - start) if stop is not None else self.limit)


class PageRows:
    """A list the paginator reads a page at a time: `page(offset, limit)`
    returns that page's rows (dicts), each with the whole list's size under
    TOTAL; `count()` answers when a page holds no rows, and is only ever
    called after `page` (CountedPage.count), so a check `page` makes covers it."""

    def __init__(self, page, count):
        self.page, self.count = page, count


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        if page_size and CountedPage.applies(queryset):
            try:
                number = int(request.query_params.get(self.page_query_param) or 1)
            except ValueError:  # "last", or not a number: the paginator decides, from page 1's count
                number = 1
            offset = (max(number, 1) - 1) * page_size
            # A page number far past any list (fuzzers send 10**35) would not
            # fit the database's OFFSET: it is a page past the end (404).
            if offset >= MAX_OFFSET:
                raise NotFound(self.invalid_page_message.format(
                    page_number=number, message="That page contains no results"))
            queryset = CountedPage(queryset, offset, page_size)
        return super().paginate_queryset(queryset, request, view)
