"""The models of HTTP answers. A route declares one (`response_model=`), so its OpenAPI
document shows the shape, and its value is checked against it on the way out."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class OutputModel(BaseModel):
    """Base of every answer's model: a key the model does not declare fails the answer (a 500
    the tests see) instead of vanishing from it, so model and query cannot drift apart."""

    model_config = ConfigDict(extra="forbid")


__all__ = ["OutputModel"]
