"""Activity request rules and responses (upstream `dtos/activity.dto.ts`)."""

from __future__ import annotations

from typing import Self

from pydantic import ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from photonest.records import Activity, User
from photonest.schemas import generated as g
from photonest.schemas.mappers import map_user


class ActivityCreateDto(g.ActivityCreateDto):
    @model_validator(mode="after")
    def _comment_for_comments(self) -> Self:
        """A comment needs a non-empty `comment` (upstream's `@ValidateIf(type === comment) @IsNotEmpty @IsString`)."""
        if self.type != g.ReactionType.COMMENT or self.comment:
            return self
        errors = []
        if self.comment is None:
            errors.append(_comment_error("string_type", "must be a string", self.comment))
        errors.append(_comment_error("not_empty", "should not be empty", self.comment))
        raise ValidationError.from_exception_data(type(self).__name__, errors)


def _comment_error(kind: str, message: str, value: str | None) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=("comment",), input=value)


def map_activity(activity: Activity, user: User) -> g.ActivityResponseDto:
    return g.ActivityResponseDto(
        id=str(activity.id),
        asset_id=str(activity.asset_id) if activity.asset_id else None,
        created_at=activity.created_at,
        comment=activity.comment,
        type=g.ReactionType.LIKE if activity.is_liked else g.ReactionType.COMMENT,
        user=map_user(user),
    )
