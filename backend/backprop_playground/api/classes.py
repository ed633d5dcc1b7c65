"""Live classes: a lecturer's view published to the students' screens (API.md, "Live classes")."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["classes"])
