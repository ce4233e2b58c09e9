"""Query parameters of the release listings, shared by the page and the API (same names, same checks).

Why empty strings count as "any": the filter form submits every field, and a person who leaves "status" on
"any" sends `status=`; that must list everything, not fail validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query

from bot.web.errors import BadQuery
from bot.web.views import STATUS_LABELS
from norms import NEEDS
from storage import ReleaseFilter

__all__ = ["PER_PAGE", "STATUSES", "ListingQuery", "listing_query"]

PER_PAGE = 25
STATUSES = tuple(STATUS_LABELS)


@dataclass(frozen=True, slots=True)
class ListingQuery:
    """A validated listing request."""

    filter: ReleaseFilter
    page: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * PER_PAGE

    def as_params(self) -> dict[str, str]:
        """The non-empty filters, as query parameters (pagination links keep them)."""
        f = self.filter
        values = {"q": f.search, "status": f.status, "model_type": f.model_type, "base_model": f.base_model}
        values["need"] = f.need
        return {k: v for k, v in values.items() if v}

    def url(self, path: str, page: int) -> str:
        """The URL of another page of the same listing."""
        return f"{path}?{urlencode({**self.as_params(), 'page': str(page)})}"


def _blank(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    return value or None


def listing_query(
    status: Annotated[
        str | None, Query(max_length=40, description="Release status", json_schema_extra={"enum": list(STATUSES)})
    ] = None,
    model_type: Annotated[str | None, Query(max_length=40, description="Model type, e.g. lora")] = None,
    base_model: Annotated[str | None, Query(max_length=100, description="Base model, e.g. SDXL 1.0")] = None,
    need: Annotated[
        str | None,
        Query(
            max_length=16,
            description="Only releases whose latest norm check has a failing norm of this need",
            json_schema_extra={"enum": list(NEEDS)},
        ),
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Search in model names")] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number (25 releases a page)")] = 1,
) -> ListingQuery:
    """Validate and normalise the listing parameters."""
    status, need = _blank(status), _blank(need)
    if status is not None and status not in STATUSES:
        raise BadQuery("status", f"unknown status “{status}” (one of {', '.join(STATUSES)})")
    if need is not None and need not in NEEDS:
        raise BadQuery("need", f"unknown need “{need}” (one of {', '.join(NEEDS)})")
    flt = ReleaseFilter(
        status=status, model_type=_blank(model_type), base_model=_blank(base_model), need=need, search=_blank(q)
    )
    return ListingQuery(flt, page)
