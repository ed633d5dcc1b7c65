"""Small pictures of the generated data sets, for the page's data-set chooser."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["data"])
