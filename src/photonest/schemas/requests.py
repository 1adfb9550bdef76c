"""Request models that add upstream's validation to the generated ones (same component names)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from photonest.schemas import generated as g
from photonest.schemas.validators import PinCode


class PinCodeSetupDto(g.PinCodeSetupDto):
    pin_code: Annotated[PinCode, Field(alias="pinCode", examples=["123456"])]


class PinCodeChangeDto(g.PinCodeChangeDto):
    new_pin_code: Annotated[PinCode, Field(alias="newPinCode", examples=["123456"])]
    pin_code: Annotated[PinCode | None, Field(alias="pinCode", examples=["123456"])] = None


class PinCodeResetDto(g.PinCodeResetDto):
    pin_code: Annotated[PinCode | None, Field(alias="pinCode", examples=["123456"])] = None


class SessionUnlockDto(g.SessionUnlockDto):
    pin_code: Annotated[PinCode | None, Field(alias="pinCode", examples=["123456"])] = None


class APIKeyUpdateDto(g.APIKeyUpdateDto):
    # Later API versions accept new permissions here; the same grant rule applies.
    permissions: Annotated[list[g.Permission] | None, Field(min_length=1)] = None
