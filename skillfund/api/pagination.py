"""Pages of API lists (?limit=&offset=) whose numbers never reach the database out of range.

DRF's LimitOffsetPagination slices the queryset with whatever integer it is given, so
?limit=99999999999999999999 became an SQL LIMIT beyond a bigint (a 500 on both databases), and it
silently replaces a malformed number with the default. Here a limit or offset that is not a
whole number is a 400 in the API's error shape, the limit is clamped to MAX_LIMIT, and an offset
past the end is an empty page (DRF answers that without a query)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_LIMIT = 1000


def _whole_number(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()):
        raise ValidationError({name: ["须为非负整数 / must be a whole number ≥ 0"]})
    return int(text)


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = settings.REST_FRAMEWORK["PAGE_SIZE"]
    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int:
        limit = _whole_number(request, self.limit_query_param)
        return self.default_limit if not limit else min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return _whole_number(request, self.offset_query_param) or 0
