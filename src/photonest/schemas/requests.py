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


class SessionCreateDto(g.SessionCreateDto):
    # Upstream takes whole seconds only (`@IsInt()`), at least one.
    duration: Annotated[int | None, Field(description="session duration, in seconds", ge=1)] = None


# --- Users and Users (admin) ---

import re  # noqa: E402
from datetime import datetime  # noqa: E402
from typing import Any  # noqa: E402

from pydantic import AfterValidator, BeforeValidator  # noqa: E402
from pydantic_core import PydanticCustomError  # noqa: E402

from photonest.schemas.types import Email  # noqa: E402

LICENSE_KEY_PATTERN = "/IM(SV|CL)(-[\\dA-Za-z]{4}){8}/"
_LICENSE_KEY = re.compile(r"IM(SV|CL)(-[\dA-Za-z]{4}){8}")


def _not_empty(value: str) -> str:
    if value == "":
        raise PydanticCustomError("not_empty", "should not be empty")
    return value


def _not_null(message: str) -> BeforeValidator:
    """Reject an explicit null where upstream's `@Optional()` only skips undefined."""

    def check(value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("not_null", message)
        return value

    return BeforeValidator(check)


def _license_key(value: str) -> str:
    # class-validator's @Matches searches, it does not anchor.
    if not _LICENSE_KEY.search(value):
        raise PydanticCustomError("license_key", f"must match {LICENSE_KEY_PATTERN} regular expression")
    return value


def _iso_date_string(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("iso_date", "must be a valid ISO 8601 date string") from None
    return value


def _empty_to_null(value: Any) -> Any:
    return None if value == "" else value


NotEmpty = Annotated[str, AfterValidator(_not_empty)]
OptionalText = Annotated[NotEmpty | None, _not_null("must be a string")]
OptionalEmail = Annotated[Email | None, _not_null("must be an email")]
OptionalFlag = Annotated[bool | None, _not_null("must be a boolean value")]
LicenseKey = Annotated[
    NotEmpty, AfterValidator(_license_key), Field(json_schema_extra={"pattern": LICENSE_KEY_PATTERN})
]


class UserUpdateMeDto(g.UserUpdateMeDto):
    email: OptionalEmail = None
    name: OptionalText = None
    password: OptionalText = None


class UserAdminCreateDto(g.UserAdminCreateDto):
    name: NotEmpty
    password: NotEmpty
    should_change_password: Annotated[OptionalFlag, Field(alias="shouldChangePassword")] = None
    notify: OptionalFlag = None


class UserAdminUpdateDto(g.UserAdminUpdateDto):
    email: OptionalEmail = None
    name: OptionalText = None
    password: OptionalText = None
    # Upstream: `@PinCode({optional: true, nullable: true, emptyToNull: true})`; null clears the PIN code.
    pin_code: Annotated[
        PinCode | None, BeforeValidator(_empty_to_null), Field(alias="pinCode", examples=["123456"])
    ] = None
    should_change_password: Annotated[OptionalFlag, Field(alias="shouldChangePassword")] = None


class LicenseKeyDto(g.LicenseKeyDto):
    # The spec's pattern keeps its slashes (a JavaScript regex literal), so the generated rule never matches.
    activation_key: Annotated[NotEmpty, Field(alias="activationKey")]
    license_key: Annotated[LicenseKey, Field(alias="licenseKey")]


class LicenseResponseDto(g.LicenseResponseDto):
    license_key: Annotated[str, Field(alias="licenseKey", json_schema_extra={"pattern": LICENSE_KEY_PATTERN})]


class PurchaseUpdate(g.PurchaseUpdate):
    hide_buy_button_until: Annotated[
        Annotated[str, AfterValidator(_iso_date_string)] | None, Field(alias="hideBuyButtonUntil")
    ] = None


class UserPreferencesUpdateDto(g.UserPreferencesUpdateDto):
    purchase: PurchaseUpdate | None = None


# --- System Config: upstream's class-validator rules where the spec's types say something else ---


def _positive(value: int) -> int:
    # class-validator's @IsPositive message, not the "must not be less than 1" a minimum would give.
    if value <= 0:
        raise PydanticCustomError("is_positive", "must be a positive number")
    return value


PositiveInt = Annotated[int, AfterValidator(_positive)]
# Upstream validates these URLs with conditions on sibling fields (and allows ""), so the body takes plain
# strings and `config.system_config.config_errors` applies the rules; the schema keeps the spec's format.
UriText = Annotated[str, Field(json_schema_extra={"format": "uri"})]


class JobSettingsDto(g.JobSettingsDto):
    concurrency: Annotated[PositiveInt, Field(json_schema_extra={"minimum": 1})]


class SystemConfigJobDto(g.SystemConfigJobDto):
    background_task: Annotated[JobSettingsDto, Field(alias="backgroundTask")]
    face_detection: Annotated[JobSettingsDto, Field(alias="faceDetection")]
    library: JobSettingsDto
    metadata_extraction: Annotated[JobSettingsDto, Field(alias="metadataExtraction")]
    migration: JobSettingsDto
    notifications: JobSettingsDto
    search: JobSettingsDto
    sidecar: JobSettingsDto
    smart_search: Annotated[JobSettingsDto, Field(alias="smartSearch")]
    thumbnail_generation: Annotated[JobSettingsDto, Field(alias="thumbnailGeneration")]
    video_conversion: Annotated[JobSettingsDto, Field(alias="videoConversion")]


class DatabaseBackupConfig(g.DatabaseBackupConfig):
    # `@IsInt() @IsPositive()`; the spec calls it a number.
    keep_last_amount: Annotated[
        PositiveInt, Field(alias="keepLastAmount", json_schema_extra={"type": "number", "minimum": 1})
    ]


class SystemConfigBackupsDto(g.SystemConfigBackupsDto):
    database: DatabaseBackupConfig


_URI_LIST_SCHEMA = {"format": "uri", "items": {"format": "uri", "type": "string"}, "minItems": 1}

# The `type: ignore[assignment]`s below narrow the generated `AnyUrl` fields to plain strings on purpose.


class SystemConfigMachineLearningDto(g.SystemConfigMachineLearningDto):
    urls: Annotated[list[str], Field(json_schema_extra=_URI_LIST_SCHEMA)]  # type: ignore[assignment]


class SystemConfigMapDto(g.SystemConfigMapDto):
    dark_style: Annotated[UriText, Field(alias="darkStyle")]  # type: ignore[assignment]
    light_style: Annotated[UriText, Field(alias="lightStyle")]  # type: ignore[assignment]


class SystemConfigOAuthDto(g.SystemConfigOAuthDto):
    mobile_redirect_uri: Annotated[UriText, Field(alias="mobileRedirectUri")]  # type: ignore[assignment]
    timeout: Annotated[PositiveInt, Field(json_schema_extra={"minimum": 1})]


class SystemConfigServerDto(g.SystemConfigServerDto):
    external_domain: Annotated[UriText, Field(alias="externalDomain")]  # type: ignore[assignment]


class SystemConfigDto(g.SystemConfigDto):
    backup: SystemConfigBackupsDto
    job: SystemConfigJobDto
    machine_learning: Annotated[SystemConfigMachineLearningDto, Field(alias="machineLearning")]
    map: SystemConfigMapDto
    oauth: SystemConfigOAuthDto
    server: SystemConfigServerDto


# --- Timeline: the query parameters of upstream's TimeBucketDto and TimeBucketAssetDto ---

from uuid import UUID  # noqa: E402

from pydantic import BaseModel, ConfigDict  # noqa: E402


class TimeBucketDto(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    album_id: Annotated[UUID | None, Field(alias="albumId")] = None
    is_favorite: Annotated[bool | None, Field(alias="isFavorite")] = None
    is_trashed: Annotated[bool | None, Field(alias="isTrashed")] = None
    key: str | None = None
    order: g.AssetOrder | None = None
    person_id: Annotated[UUID | None, Field(alias="personId")] = None
    tag_id: Annotated[UUID | None, Field(alias="tagId")] = None
    user_id: Annotated[UUID | None, Field(alias="userId")] = None
    visibility: g.AssetVisibility | None = None
    with_partners: Annotated[bool | None, Field(alias="withPartners")] = None
    with_stacked: Annotated[bool | None, Field(alias="withStacked")] = None


class TimeBucketAssetDto(TimeBucketDto):
    # Accepted and ignored, as upstream 1.134 does.
    page: Annotated[int | None, Field(ge=1, json_schema_extra={"type": "number"})] = None
    page_size: Annotated[int | None, Field(alias="pageSize", ge=1, json_schema_extra={"type": "number"})] = None
    time_bucket: Annotated[str, Field(alias="timeBucket")]


# --- Assets (media): multipart text fields and the upload checks ---

from pydantic import Strict  # noqa: E402


def _upload_flag(value: Any) -> Any:
    # Multipart fields are text: upstream's @ValidateBoolean takes "true"/"false"; the Python SDK sends "True".
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


UploadFlag = Annotated[bool, BeforeValidator(_upload_flag), Strict()]
# Required by v1.134; later clients (CLI 3.x) leave them out and the server fills them in.
DeviceText = Annotated[NotEmpty | None, _not_null("must be a string")]


class AssetMediaCreateDto(g.AssetMediaCreateDto):
    """The text fields of an upload; the file parts are streamed to disk before these are validated."""

    asset_data: Annotated[Any, Field(alias="assetData", exclude=True)] = None
    sidecar_data: Annotated[Any, Field(alias="sidecarData", exclude=True)] = None
    device_asset_id: Annotated[DeviceText, Field(alias="deviceAssetId")] = None  # type: ignore[assignment]
    device_id: Annotated[DeviceText, Field(alias="deviceId")] = None  # type: ignore[assignment]
    is_favorite: Annotated[UploadFlag | None, Field(alias="isFavorite")] = None
    # Later API versions let the client name the file apart from the part's file name.
    filename: NotEmpty | None = None


class AssetMediaReplaceDto(g.AssetMediaReplaceDto):
    """The text fields of a replacement upload."""

    asset_data: Annotated[Any, Field(alias="assetData", exclude=True)] = None
    device_asset_id: Annotated[DeviceText, Field(alias="deviceAssetId")] = None  # type: ignore[assignment]
    device_id: Annotated[DeviceText, Field(alias="deviceId")] = None  # type: ignore[assignment]
    filename: NotEmpty | None = None


class AssetBulkUploadCheckItem(g.AssetBulkUploadCheckItem):
    checksum: Annotated[NotEmpty, Field(description="base64 or hex encoded sha1 hash")]
    id: NotEmpty


class AssetBulkUploadCheckDto(g.AssetBulkUploadCheckDto):
    assets: list[AssetBulkUploadCheckItem]  # type: ignore[assignment]


def _not_empty_list(value: list[str]) -> list[str]:
    if not value:
        raise PydanticCustomError("not_empty", "should not be empty")
    return value


class CheckExistingAssetsDto(g.CheckExistingAssetsDto):
    device_asset_ids: Annotated[
        list[NotEmpty],
        AfterValidator(_not_empty_list),
        Field(alias="deviceAssetIds", json_schema_extra={"minItems": 1}),
    ]
    device_id: Annotated[NotEmpty, Field(alias="deviceId")]
