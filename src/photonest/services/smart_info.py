"""Smart search: CLIP embeddings of assets and ranked text search (`smart-info.service.ts`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from uuid import UUID

from photonest.config.system_config import ConfigDict
from photonest.errors import BadRequest, Unauthorized
from photonest.jobs.names import JobName, JobStatus
from photonest.ml.protocols import ModelChoice, ModelUnavailableError
from photonest.records import Auth
from photonest.repositories.search import SearchFilters, asset_conditions
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.services.base import BaseService
from photonest.services.search import search_response

log = logging.getLogger(__name__)

DEFAULT_SIZE = 100
# DTO fields that steer the search itself rather than filter assets.
_NOT_FILTERS = frozenset({"query", "language", "page", "size"})
NOT_ENABLED = "Smart search is not enabled"
# Which model made the stored embeddings (a Photonest key: upstream clears them from its config-update handler).
MODEL_STATE_KEY = "smart-search-state"


def smart_search_enabled(config: ConfigDict) -> bool:
    """Machine learning and CLIP both switched on (upstream `isSmartSearchEnabled`)."""
    ml = config["machineLearning"]
    return bool(ml["enabled"] and ml["clip"]["enabled"])


def duplicate_detection_enabled(config: ConfigDict) -> bool:
    """Smart search plus duplicate detection switched on (upstream `isDuplicateDetectionEnabled`)."""
    return smart_search_enabled(config) and bool(config["machineLearning"]["duplicateDetection"]["enabled"])


def clip_model(config: ConfigDict) -> ModelChoice:
    """The configured CLIP model and the ML service URLs to ask when it is not in the model folder."""
    ml = config["machineLearning"]
    return ModelChoice(str(ml["clip"]["modelName"]), tuple(str(url) for url in ml.get("urls", [])))


class SmartInfoService(BaseService):
    """Embeds previews and answers `POST /search/smart`."""

    def is_available(self, config: ConfigDict | None = None) -> bool:
        """Smart search is switched on and its model can run (locally or on a configured ML service)."""
        config = config or self.get_config()
        if not smart_search_enabled(config) or self.ctx.ml is None:
            return False
        return self.ml.clip.is_available(clip_model(config))

    def search_smart(self, auth: Auth, dto: g.SmartSearchDto) -> g.SearchResponseDto:
        """Assets ranked by how close their embedding is to the query text's."""
        config = self.get_config()
        if not smart_search_enabled(config):
            raise BadRequest(NOT_ENABLED)
        owner_ids = self._owner_ids(auth, dto.visibility)
        # The text model may run for a while or call another host: no transaction stays open meanwhile.
        self.release_transaction()
        try:
            embedding = self.ml.clip.encode_text(clip_model(config), dto.query, dto.language)
        except ModelUnavailableError as error:
            log.warning("Smart search model unavailable: %s", error)
            raise BadRequest(NOT_ENABLED) from error
        size = int(dto.size or DEFAULT_SIZE)
        page = int(dto.page or 1)
        found: list[tuple[Any, dict[str, Any] | None]] = []
        # Vectors of another model (before re-indexing) cannot be compared with this query.
        if self._stored_model_matches(clip_model(config).name, len(embedding)):
            filters = SearchFilters.from_dto(dto, owner_ids)
            values = {k: v for k, v in filters.values.items() if k not in _NOT_FILTERS}
            conditions = asset_conditions(SearchFilters(owner_ids=filters.owner_ids, values=values))
            found = self.repos.smart_search.search(embedding, conditions, size + 1, (page - 1) * size)
        # As metadata search: EXIF only when asked for.
        items = [
            map_asset(a, auth_user_id=auth.user_id, exif=(exif or {}) if dto.with_exif else None)
            for a, exif in found[:size]
        ]
        return search_response(items, str(page + 1) if len(found) > size else None)

    def queue_encode_all(self, force: bool) -> JobStatus:
        """`queue-smart-search`: one `smart-search` job per asset lacking an embedding (every asset with force)."""
        config = self.get_config()
        if not smart_search_enabled(config):
            return JobStatus.SKIPPED
        if force:
            self.repos.smart_search.delete_all()
            self.repos.system_metadata.set(MODEL_STATE_KEY, {"modelName": clip_model(config).name})
        for asset_id in self.repos.smart_search.ids_to_encode(force=force):
            self.queue_job(JobName.SMART_SEARCH, {"id": str(asset_id)})
        return JobStatus.SUCCESS

    def encode(self, asset_id: UUID, source: str | None = None) -> JobStatus:
        """`smart-search`: embed the asset's preview; after an upload, look for its duplicates next."""
        config = self.get_config()
        if not smart_search_enabled(config):
            return JobStatus.SKIPPED
        asset = self.repos.assets.get(asset_id)
        if asset is None:
            return JobStatus.FAILED
        if asset.visibility == g.AssetVisibility.HIDDEN.value:
            return JobStatus.SKIPPED
        preview = self.repos.assets.get_file(asset_id, "preview")
        if preview is None:
            return JobStatus.FAILED
        self.release_transaction()
        model = clip_model(config)
        if not self.ml.clip.is_available(model):
            # No model folder and no ML service answering: retrying now cannot help; "missing" picks it up later.
            log.warning("Smart search model %s is not available; skipping asset %s", model.name, asset_id)
            return JobStatus.SKIPPED
        embedding = self.ml.clip.encode_image(model, Path(preview.path))
        if not self._stored_model_matches(model.name, len(embedding)):
            self._reset_embeddings(model.name, len(embedding))
        elif self.repos.system_metadata.get(MODEL_STATE_KEY) is None:
            self.repos.system_metadata.set(MODEL_STATE_KEY, {"modelName": model.name})
        self.repos.smart_search.save(asset_id, embedding)
        if source == "upload":
            self.queue_job(JobName.DUPLICATE_DETECTION, {"id": str(asset_id)})
        return JobStatus.SUCCESS

    def _stored_model_matches(self, model_name: str, dimensions: int) -> bool:
        """Whether the stored embeddings come from this model (or there are none to mix up)."""
        stored = self.repos.smart_search.dimensions()
        if stored is not None and stored != dimensions:
            return False
        state = self.repos.system_metadata.get(MODEL_STATE_KEY)
        return not isinstance(state, dict) or state.get("modelName") in (None, model_name)

    def _reset_embeddings(self, model_name: str, dimensions: int) -> None:
        """Drop the other model's embeddings (resizing the column if needed) and remember the new model."""
        stored = self.repos.smart_search.dimensions()
        log.info("Smart search now uses %s (%d-d): clearing the stored embeddings", model_name, dimensions)
        if stored is not None and stored != dimensions:
            self.repos.smart_search.set_dimensions(dimensions)
        else:
            self.repos.smart_search.delete_all()
        self.repos.system_metadata.set(MODEL_STATE_KEY, {"modelName": model_name})

    def _owner_ids(self, auth: Auth, visibility: g.AssetVisibility | None) -> list[UUID]:
        """The caller and timeline partners; only the caller, with elevated permission, for the locked folder."""
        if visibility == g.AssetVisibility.LOCKED:
            if not auth.has_elevated_permission:
                raise Unauthorized("Elevated permission is required")
            return [auth.user_id]
        partners = self.repos.partners.list_shared_with(auth.user_id)
        return [auth.user_id, *(p.shared_by_id for p, _ in partners if p.in_timeline)]
