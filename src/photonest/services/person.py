"""People: the People API and the face pipeline jobs (`person.service.ts`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from photonest.db.types import utcnow
from photonest.errors import BadRequest, NotFound
from photonest.jobs.names import JobName, JobStatus, QueueName, job_key
from photonest.ml.faces import thresholds, write_face_thumbnail
from photonest.ml.protocols import ModelChoice, ModelUnavailableError
from photonest.records import AssetFace, Auth, Person
from photonest.repositories import Repositories
from photonest.schemas import generated as g
from photonest.schemas import person as s
from photonest.schemas.person import map_person, people_with_faces
from photonest.services.access import check_access, require_access
from photonest.services.base import BaseService
from photonest.storage.files import ServedFile, remove_file
from photonest.storage.layout import StorageFolder

log = logging.getLogger(__name__)

P = g.Permission
E = g.Error1
ML = g.SourceType.MACHINE_LEARNING.value
FUTURE_BIRTH_DATE = "Birth date cannot be in the future"
FACIAL_RECOGNITION_STATE = "facial-recognition-state"
IOU_MATCH = 0.5
PRIVATE_WITHOUT_CACHE = "private, no-cache, no-transform"


class PersonService(BaseService):
    """The caller's people, and the jobs that find and group faces."""

    # --- People API ---

    def get_all(self, auth: Auth, dto: s.PersonSearchDto) -> g.PeopleResponseDto:
        closest_face_id = dto.closest_asset_id
        if dto.closest_person_id is not None:
            require_access(self.repos, auth, P.PERSON_READ, [dto.closest_person_id])
            closest = self.repos.people.get(dto.closest_person_id)
            if closest is None or closest.face_asset_id is None:
                raise NotFound("Person not found")
            closest_face_id = closest.face_asset_id
        embedding = None
        if closest_face_id is not None:
            found = self.repos.people.face_for_recognition(closest_face_id)
            if found is not None and found.owner_id == auth.user_id:
                embedding = found.embedding
        facial = self.get_config()["machineLearning"]["facialRecognition"]
        page = self.repos.people.list_for_user(
            auth.user_id,
            min_faces=int(facial["minFaces"]),
            with_hidden=bool(dto.with_hidden),
            offset=(dto.page - 1) * dto.size,
            limit=dto.size,
            closest_embedding=embedding,
        )
        total, hidden = self.repos.people.count_for_user(auth.user_id)
        return g.PeopleResponseDto(
            people=[map_person(p) for p in page.items], has_next_page=page.has_next_page, total=total, hidden=hidden
        )

    def create(self, auth: Auth, dto: s.PersonCreateDto) -> g.PersonResponseDto:
        _check_birth_date(dto.birth_date)
        values: dict[str, Any] = {"owner_id": auth.user_id, "name": dto.name or ""}
        values |= {"birth_date": dto.birth_date, "color": dto.color}
        values |= {"is_hidden": bool(dto.is_hidden), "is_favorite": bool(dto.is_favorite)}
        return map_person(self.repos.people.create(values))

    def get(self, auth: Auth, person_id: UUID) -> g.PersonResponseDto:
        require_access(self.repos, auth, P.PERSON_READ, [person_id])
        return map_person(self._find(person_id))

    def update(self, auth: Auth, person_id: UUID, dto: s.PersonUpdateDto) -> g.PersonResponseDto:
        require_access(self.repos, auth, P.PERSON_UPDATE, [person_id])
        _check_birth_date(dto.birth_date)
        return map_person(self._update(auth, person_id, dto))

    def update_all(self, auth: Auth, dto: s.PeopleUpdateDto) -> list[g.BulkIdResponseDto]:
        for item in dto.people:
            _check_birth_date(item.birth_date)
        results = []
        for item in dto.people:
            try:
                person_id = UUID(item.id)
                require_access(self.repos, auth, P.PERSON_UPDATE, [person_id])
                self._update(auth, person_id, item)
            except (ValueError, BadRequest):
                results.append(g.BulkIdResponseDto(id=item.id, success=False, error=E.UNKNOWN))
                continue
            results.append(g.BulkIdResponseDto(id=item.id, success=True))
        return results

    def merge(self, auth: Auth, person_id: UUID, dto: g.MergePersonDto) -> list[g.BulkIdResponseDto]:
        if person_id in dto.ids:
            raise BadRequest("Cannot merge a person into themselves")
        require_access(self.repos, auth, P.PERSON_UPDATE, [person_id])
        primary = self._find(person_id)
        allowed = check_access(self.repos, auth, P.PERSON_MERGE, dto.ids)
        results = []
        for merge_id in dto.ids:
            if merge_id not in allowed:
                results.append(g.BulkIdResponseDto(id=str(merge_id), success=False, error=E.NO_PERMISSION))
                continue
            merged = self.repos.people.get(merge_id)
            if merged is None:
                results.append(g.BulkIdResponseDto(id=str(merge_id), success=False, error=E.NOT_FOUND))
                continue
            changes: dict[str, Any] = {}
            if not primary.name and merged.name:
                changes["name"] = merged.name
            if primary.birth_date is None and merged.birth_date is not None:
                changes["birth_date"] = merged.birth_date
            if changes:
                primary = self.repos.people.update(person_id, changes)
            self.repos.people.reassign_faces(merge_id, person_id)
            self._delete_people([merged])
            results.append(g.BulkIdResponseDto(id=str(merge_id), success=True))
        return results

    def reassign_faces(self, auth: Auth, person_id: UUID, dto: g.AssetFaceUpdateDto) -> list[g.PersonResponseDto]:
        require_access(self.repos, auth, P.PERSON_UPDATE, [person_id])
        person = self._find(person_id)
        faces = self.repos.people.faces_by_asset_and_person([(d.asset_id, d.person_id) for d in dto.data])
        require_access(self.repos, auth, P.PERSON_CREATE, [f.id for f in faces])
        refeature: set[UUID] = set()
        by_pair: dict[tuple[UUID, UUID | None], list[AssetFace]] = {}
        for face in faces:
            by_pair.setdefault((face.asset_id, face.person_id), []).append(face)
        result = []
        for item in dto.data:
            for face in by_pair.get((item.asset_id, item.person_id), []):
                if person.face_asset_id is None:
                    refeature.add(person.id)
                if face.person_id is not None and face.person_id != person_id:
                    old = self.repos.people.get(face.person_id)
                    if old is not None and old.face_asset_id == face.id:
                        refeature.add(old.id)
                self.repos.people.reassign_face(face.id, person_id)
            result.append(person)
        self._new_feature_faces(refeature)
        return [map_person(p) for p in result]

    def reassign_face(self, auth: Auth, person_id: UUID, dto: g.FaceDto) -> g.PersonResponseDto:
        """Give one face (`dto.id`) to the person of the path (upstream's `reassignFacesById`)."""
        require_access(self.repos, auth, P.PERSON_UPDATE, [person_id])
        require_access(self.repos, auth, P.PERSON_CREATE, [dto.id])
        face = self.repos.people.get_face(dto.id)
        if face is None:
            raise BadRequest("Face not found")
        person = self._find(person_id)
        previous = self.repos.people.get(face.person_id) if face.person_id else None
        self.repos.people.reassign_face(face.id, person_id)
        refeature = {person.id} if person.face_asset_id is None else set()
        if previous is not None and previous.id != person_id and previous.face_asset_id == face.id:
            refeature.add(previous.id)
        self._new_feature_faces(refeature)
        return map_person(self._find(person_id))

    def get_statistics(self, auth: Auth, person_id: UUID) -> g.PersonStatisticsResponseDto:
        require_access(self.repos, auth, P.PERSON_READ, [person_id])
        return g.PersonStatisticsResponseDto(assets=self.repos.people.asset_count(person_id))

    def get_thumbnail(self, auth: Auth, person_id: UUID) -> ServedFile:
        require_access(self.repos, auth, P.PERSON_READ, [person_id])
        person = self.repos.people.get(person_id)
        if person is None or not person.thumbnail_path:
            raise NotFound()
        path = Path(person.thumbnail_path)
        if not path.is_file():
            raise NotFound()
        return ServedFile(path=path, content_type="image/jpeg", cache_control=PRIVATE_WITHOUT_CACHE)

    # --- jobs ---

    def facial_recognition_enabled(self) -> bool:
        """Whether ML and facial recognition are both switched on."""
        ml = self.get_config()["machineLearning"]
        return bool(ml["enabled"] and ml["facialRecognition"]["enabled"])

    def queue_detect_faces(self, force: bool) -> JobStatus:
        if not self.facial_recognition_enabled():
            return JobStatus.SKIPPED
        if force:
            self.repos.people.delete_faces(f.id for f in self._ml_faces())
            self.person_cleanup()
        for asset_id in self.repos.people.asset_ids_for_detection(force):
            self.queue_job(JobName.FACE_DETECTION, {"id": str(asset_id)})
        self._queue_recognize_all(force=False)
        return JobStatus.SUCCESS

    def detect_faces(self, asset_id: UUID) -> JobStatus:
        """Run the face model on the asset's preview and bring its machine-learning faces up to date."""
        ml_config = self.get_config()["machineLearning"]
        facial = ml_config["facialRecognition"]
        if not (ml_config["enabled"] and facial["enabled"]):
            return JobStatus.SKIPPED
        found = self.repos.assets.get(asset_id)
        if found is None:
            return JobStatus.FAILED
        if found.visibility == g.AssetVisibility.HIDDEN.value:
            return JobStatus.SKIPPED
        preview = self.repos.assets.get_file(asset_id, "preview")
        if preview is None:
            return JobStatus.FAILED
        existing = self.repos.people.faces_of(asset_id)
        model = ModelChoice(facial["modelName"], tuple(ml_config["urls"]))
        self.release_transaction()
        try:
            detection = self.ml.faces.detect(model, Path(preview.path), float(facial["minScore"]))
        except (ModelUnavailableError, OSError) as error:
            log.warning("Face detection failed for asset %s: %s", asset_id, error)
            return JobStatus.FAILED
        ml_ids = {f.id for f in existing if f.source_type == ML}
        width_scale = detection.image_width / (existing[0].image_width or 1) if existing else 1.0
        height_scale = detection.image_height / (existing[0].image_height or 1) if existing else 1.0
        added = []
        for face in detection.faces:
            box = (face.x1 / width_scale, face.y1 / height_scale, face.x2 / width_scale, face.y2 / height_scale)
            match = next((f for f in existing if iou(f, box) > IOU_MATCH), None)
            if match is not None and match.id in ml_ids:
                ml_ids.discard(match.id)
                continue
            if match is not None:
                # A face from another source (EXIF, manual) at the same place gets the model's embedding.
                self.repos.people.set_embedding(match.id, face.embedding)
                continue
            values = {
                "asset_id": asset_id,
                "image_width": detection.image_width,
                "image_height": detection.image_height,
                "bounding_box_x1": face.x1,
                "bounding_box_y1": face.y1,
                "bounding_box_x2": face.x2,
                "bounding_box_y2": face.y2,
                "source_type": ML,
            }
            added.append(self.repos.people.create_face(values, face.embedding))
        self.repos.people.delete_faces(ml_ids)
        if added:
            self._queue_recognize_all(force=False)
            for face_id in added:
                self.queue_job(JobName.FACIAL_RECOGNITION, {"id": str(face_id)})
        self.repos.people.set_faces_recognized(asset_id)
        return JobStatus.SUCCESS

    def queue_recognize_faces(self, force: bool, nightly: bool) -> JobStatus:
        if not self.facial_recognition_enabled():
            return JobStatus.SKIPPED
        state = self.repos.system_metadata.get(FACIAL_RECOGNITION_STATE)
        if nightly:
            latest = self.repos.people.newest_face_time()
            last_run = state.get("lastRun") if isinstance(state, dict) else None
            if last_run and (latest is None or str(last_run) > latest.isoformat()):
                return JobStatus.SKIPPED
        if force:
            self.repos.people.unassign_faces(ML)
            self.person_cleanup()
        elif self._waiting_recognition_jobs() > 0:
            return JobStatus.SKIPPED
        last_run = utcnow().isoformat()
        for face_id in self.repos.people.face_ids_for_recognition(force):
            self.queue_job(JobName.FACIAL_RECOGNITION, {"id": str(face_id), "deferred": False})
        self.repos.system_metadata.set(FACIAL_RECOGNITION_STATE, {"lastRun": last_run})
        return JobStatus.SUCCESS

    def recognize_face(self, face_id: UUID, deferred: bool) -> JobStatus:
        """Give a face a person: upstream's incremental, DBSCAN-like clustering."""
        ml_config = self.get_config()["machineLearning"]
        facial = ml_config["facialRecognition"]
        if not (ml_config["enabled"] and facial["enabled"]):
            return JobStatus.SKIPPED
        face = self.repos.people.face_for_recognition(face_id)
        if face is None or face.embedding is None:
            return JobStatus.FAILED
        if face.face.person_id is not None:
            return JobStatus.SKIPPED
        limits = thresholds(self.settings.models, facial["modelName"], facial["minScore"], facial["maxDistance"])
        min_faces = int(facial["minFaces"])
        taken = face.taken_at.date() if face.taken_at else None
        matches = self.repos.people.nearest_faces(
            face.owner_id, face.embedding, limits.max_distance, min_faces, min_birth_date=taken
        )
        # The matches include the face itself.
        if min_faces > 1 and len(matches) <= 1:
            return JobStatus.SKIPPED
        person_id = next((m.person_id for m in matches if m.person_id), None)
        if person_id is None:
            nearest = self.repos.people.nearest_faces(
                face.owner_id, face.embedding, limits.max_distance, 1, with_person_only=True, min_birth_date=taken
            )
            person_id = nearest[0].person_id if nearest else None
        is_core = len(matches) >= min_faces and face.visibility == g.AssetVisibility.TIMELINE.value
        if not is_core and not deferred:
            # Border points wait until the core points have made their people.
            self.queue_job(JobName.FACIAL_RECOGNITION, {"id": str(face_id), "deferred": True})
            return JobStatus.SKIPPED
        if person_id is None and is_core:
            created = self.repos.people.create({"owner_id": face.owner_id, "face_asset_id": face_id})
            self.queue_job(JobName.GENERATE_PERSON_THUMBNAIL, {"id": str(created.id)}, priority=1)
            person_id = created.id
        if person_id is not None:
            self.repos.people.reassign_face(face_id, person_id)
        return JobStatus.SUCCESS

    def generate_thumbnail(self, person_id: UUID) -> JobStatus:
        """Crop the person's feature face from its asset's preview into `thumbs/<owner>/…/<id>.jpeg`."""
        config = self.get_config()
        ml_config = config["machineLearning"]
        enabled = ml_config["enabled"] and ml_config["facialRecognition"]["enabled"]
        if not enabled and not config["metadata"]["faces"]["import"]:
            return JobStatus.SKIPPED
        person = self.repos.people.get(person_id)
        if person is None or person.face_asset_id is None:
            return JobStatus.FAILED
        face = self.repos.people.get_face(person.face_asset_id)
        preview = self.repos.assets.get_file(face.asset_id, "preview") if face else None
        if face is None or preview is None:
            return JobStatus.FAILED
        target = self.ctx.storage.nested_path(StorageFolder.THUMBNAILS, person.owner_id, f"{person.id}.jpeg")
        box = (face.bounding_box_x1, face.bounding_box_y1, face.bounding_box_x2, face.bounding_box_y2)
        self.release_transaction()
        try:
            write_face_thumbnail(Path(preview.path), box, (face.image_width, face.image_height), target)
        except OSError as error:
            log.warning("Person thumbnail failed for %s: %s", person_id, error)
            return JobStatus.FAILED
        self.repos.people.update(person_id, {"thumbnail_path": str(target)})
        if person.thumbnail_path and person.thumbnail_path != str(target):
            self._remove_after_commit(person.thumbnail_path)
        self.emit("on_person_thumbnail", str(person.owner_id), str(person_id))
        return JobStatus.SUCCESS

    def person_cleanup(self) -> JobStatus:
        """Delete the people no face belongs to any more."""
        empty = self.repos.people.get_many(self.repos.people.without_faces())
        self._delete_people(empty)
        return JobStatus.SUCCESS

    # --- helpers ---

    def _update(self, auth: Auth, person_id: UUID, dto: s.PersonUpdateDto | s.PeopleUpdateItem) -> Person:
        fields = dto.model_fields_set
        changes: dict[str, Any] = {}
        if dto.feature_face_asset_id is not None:
            require_access(self.repos, auth, P.ASSET_READ, [dto.feature_face_asset_id])
            faces = self.repos.people.faces_by_asset_and_person([(dto.feature_face_asset_id, person_id)])
            if not faces:
                raise BadRequest("Invalid assetId for feature face")
            changes["face_asset_id"] = faces[0].id
        if dto.name is not None:
            changes["name"] = dto.name
        if "birth_date" in fields:
            changes["birth_date"] = dto.birth_date
        if dto.is_hidden is not None:
            changes["is_hidden"] = dto.is_hidden
        if dto.is_favorite is not None:
            changes["is_favorite"] = dto.is_favorite
        if "color" in fields:
            changes["color"] = dto.color
        person = self.repos.people.update(person_id, changes)
        if "face_asset_id" in changes:
            self.queue_job(JobName.GENERATE_PERSON_THUMBNAIL, {"id": str(person_id)}, priority=1)
        return person

    def _find(self, person_id: UUID) -> Person:
        person = self.repos.people.get(person_id)
        if person is None:
            raise BadRequest("Person not found")
        return person

    def _new_feature_faces(self, person_ids: set[UUID]) -> None:
        for person_id in person_ids:
            face_id = self.repos.people.random_face_id(person_id)
            if face_id is None:
                continue
            self.repos.people.update(person_id, {"face_asset_id": face_id})
            self.queue_job(JobName.GENERATE_PERSON_THUMBNAIL, {"id": str(person_id)}, priority=1)

    def _delete_people(self, people: list[Person]) -> None:
        self.repos.people.delete_many(p.id for p in people)
        for person in people:
            if person.thumbnail_path:
                self._remove_after_commit(person.thumbnail_path)

    def _remove_after_commit(self, path: str) -> None:
        root = self.ctx.storage.root
        self.after_commit(lambda: remove_file(path, root))

    def _ml_faces(self) -> list[AssetFace]:
        return self.repos.people.all_faces(ML)

    def _queue_recognize_all(self, force: bool) -> None:
        data = {"force": force}
        self.queue_job(JobName.QUEUE_FACIAL_RECOGNITION, data, job_key=job_key(JobName.QUEUE_FACIAL_RECOGNITION, data))

    def _waiting_recognition_jobs(self) -> int:
        states = self.repos.jobs.queue_states(utcnow())
        state = states.get(QueueName.FACIAL_RECOGNITION.value)
        return state.waiting if state else 0


def attach_people(repos: Repositories, user_id: UUID, responses: Sequence[g.AssetResponseDto]) -> None:
    """Fill `people` and `unassignedFaces` of the user's own assets in one query (search's `withPeople`)."""
    own = [r for r in responses if r.owner_id == str(user_id)]
    faces: dict[str, list[tuple[AssetFace, Person | None]]] = {}
    for found in repos.people.faces_with_people([UUID(r.id) for r in own]) if own else []:
        faces.setdefault(str(found.face.asset_id), []).append((found.face, found.person))
    for response in own:
        response.people, response.unassigned_faces = people_with_faces(faces.get(response.id, []))


def iou(face: AssetFace, box: tuple[float, float, float, float]) -> float:
    """Intersection over union of a stored face box and another box in the same image size."""
    x1 = max(face.bounding_box_x1, box[0])
    y1 = max(face.bounding_box_y1, box[1])
    x2 = min(face.bounding_box_x2, box[2])
    y2 = min(face.bounding_box_y2, box[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    area_a = (face.bounding_box_x2 - face.bounding_box_x1) * (face.bounding_box_y2 - face.bounding_box_y1)
    area_b = (box[2] - box[0]) * (box[3] - box[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def _check_birth_date(value: date | None) -> None:
    if value is not None and value > date.today():
        raise BadRequest([FUTURE_BIRTH_DATE])
