"""The models of HTTP answers. A route declares one (`response_model=`), so its OpenAPI
document shows the shape, and its value is checked against it on the way out."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, WithJsonSchema


class OutputModel(BaseModel):
    """Base of every answer's model: a key the model does not declare fails the answer (a 500
    the tests see) instead of vanishing from it, so model and query cannot drift apart."""

    model_config = ConfigDict(extra="forbid")


# A moment a query already wrote as ISO 8601 text (jsonable_encoder's `…+00:00`, where pydantic
# would write `…Z`): passed on as written, documented as the date-time it is.
MomentText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]

__all__ = ["MomentText", "OutputModel"]
