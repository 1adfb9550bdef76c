"""People, their faces and face embeddings (`person.repository.ts`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, delete, func, insert, or_, select, update

from photonest.db.dialects.expressions import cosine_distance
from photonest.db.tables import asset, asset_face, asset_file, asset_job_status, face_search, person
from photonest.db.types import utcnow
from photonest.records import AssetFace, Person
from photonest.repositories.base import Repository, prefixed, unprefixed

TIMELINE = "timeline"


@dataclass(frozen=True)
class FaceWithPerson:
    """A face and the person it belongs to, if any."""

    face: AssetFace
    person: Person | None


@dataclass(frozen=True)
class FaceForRecognition:
    """What clustering needs to know about a face."""

    face: AssetFace
    owner_id: UUID
    visibility: str
    taken_at: datetime | None
    embedding: Any


@dataclass(frozen=True)
class NearFace:
    """A face near another one in embedding space."""

    face_id: UUID
    person_id: UUID | None
    distance: float


@dataclass(frozen=True)
class PeoplePage:
    items: list[Person]
    has_next_page: bool


class PersonRepository(Repository):
    """People, faces and nearest-face queries."""

    # --- people ---

    def get(self, person_id: UUID) -> Person | None:
        row = self.execute(select(person).where(person.c.id == person_id)).first()
        return Person.from_row(row) if row else None

    def get_many(self, ids: Iterable[UUID]) -> list[Person]:
        return [Person.from_row(r) for r in self.execute(select(person).where(person.c.id.in_(list(ids))))]

    def create(self, values: dict[str, Any]) -> Person:
        row = self.execute(insert(person).values(**values).returning(*person.c)).one()
        return Person.from_row(row)

    def update(self, person_id: UUID, values: dict[str, Any]) -> Person:
        statement = update(person).where(person.c.id == person_id).values(**values, updated_at=utcnow())
        return Person.from_row(self.execute(statement.returning(*person.c)).one())

    def delete_many(self, ids: Iterable[UUID]) -> None:
        wanted = list(ids)
        if wanted:
            self.execute(delete(person).where(person.c.id.in_(wanted)))

    def all_ids(self) -> list[UUID]:
        """Every person, oldest first."""
        return list(self.execute(select(person.c.id).order_by(person.c.created_at, person.c.id)).scalars())

    def owner_ids(self, user_id: UUID, ids: Iterable[UUID]) -> set[UUID]:
        """The given people that belong to the user."""
        query = select(person.c.id).where(person.c.owner_id == user_id, person.c.id.in_(list(ids)))
        return set(self.execute(query).scalars())

    def list_for_user(
        self,
        user_id: UUID,
        *,
        min_faces: int,
        with_hidden: bool,
        offset: int,
        limit: int,
        closest_embedding: Any = None,
    ) -> PeoplePage:
        """The user's people shown in the people list, in upstream's order (`getAllForUser`)."""
        face_count = func.count(asset_face.c.asset_id)
        query = (
            select(person)
            .join(asset_face, asset_face.c.person_id == person.c.id)
            .join(asset, asset.c.id == asset_face.c.asset_id)
            .where(
                person.c.owner_id == user_id,
                person.c.thumbnail_path != "",
                asset.c.visibility == TIMELINE,
                asset.c.deleted_at.is_(None),
                asset_face.c.deleted_at.is_(None),
            )
            .group_by(person.c.id)
            .having(or_(person.c.name != "", face_count >= min_faces))
            .order_by(person.c.is_hidden.asc(), person.c.is_favorite.desc())
        )
        if not with_hidden:
            query = query.where(person.c.is_hidden.is_(False))
        if closest_embedding is not None:
            distance = cosine_distance(self.db.dialect.name, face_search.c.embedding, closest_embedding)
            nearest = select(distance).where(face_search.c.face_id == person.c.face_asset_id).scalar_subquery()
            query = query.order_by(case((nearest.is_(None), 1), else_=0), nearest)
        else:
            query = query.order_by(
                case((person.c.name == "", 1), else_=0),
                face_count.desc(),
                person.c.name.asc(),
                person.c.created_at.asc(),
            )
        query = query.order_by(person.c.id).offset(offset).limit(limit + 1)
        items = [Person.from_row(r) for r in self.execute(query)]
        return PeoplePage(items[:limit], len(items) > limit)

    def count_for_user(self, user_id: UUID) -> tuple[int, int]:
        """(total, hidden): the user's people with faces on visible assets and a thumbnail."""
        query = (
            select(
                func.count(func.distinct(person.c.id)),
                func.count(func.distinct(case((person.c.is_hidden.is_(True), person.c.id)))),
            )
            .select_from(person)
            .join(asset_face, asset_face.c.person_id == person.c.id)
            .join(asset, asset.c.id == asset_face.c.asset_id)
            .where(
                person.c.owner_id == user_id,
                person.c.thumbnail_path != "",
                asset.c.visibility == TIMELINE,
                asset.c.deleted_at.is_(None),
                asset_face.c.deleted_at.is_(None),
            )
        )
        row: Any = self.execute(query).one()
        return int(row[0]), int(row[1])

    def asset_count(self, person_id: UUID) -> int:
        """Distinct timeline assets that show the person."""
        query = (
            select(func.count(func.distinct(asset_face.c.asset_id)))
            .join(asset, asset.c.id == asset_face.c.asset_id)
            .where(
                asset_face.c.person_id == person_id,
                asset_face.c.deleted_at.is_(None),
                asset.c.deleted_at.is_(None),
                asset.c.visibility == TIMELINE,
            )
        )
        return int(self.execute(query).scalar() or 0)

    def without_faces(self) -> list[UUID]:
        """People no face points at any more."""
        has_face = (
            select(asset_face.c.id)
            .where(asset_face.c.person_id == person.c.id, asset_face.c.deleted_at.is_(None))
            .exists()
        )
        return list(self.execute(select(person.c.id).where(~has_face)).scalars())

    # --- faces ---

    def get_face(self, face_id: UUID) -> AssetFace | None:
        row = self.execute(select(asset_face).where(asset_face.c.id == face_id)).first()
        return AssetFace.from_row(row) if row else None

    def face_owner_ids(self, user_id: UUID, face_ids: Iterable[UUID]) -> set[UUID]:
        """The given faces that lie on the user's assets."""
        query = (
            select(asset_face.c.id)
            .join(asset, asset.c.id == asset_face.c.asset_id)
            .where(asset.c.owner_id == user_id, asset_face.c.id.in_(list(face_ids)))
        )
        return set(self.execute(query).scalars())

    def faces_with_people(self, asset_ids: Sequence[UUID], with_deleted: bool = False) -> list[FaceWithPerson]:
        """The faces of these assets with their people, left to right."""
        query = (
            select(asset_face, *prefixed(person, "p_"))
            .outerjoin(person, person.c.id == asset_face.c.person_id)
            .where(asset_face.c.asset_id.in_(list(asset_ids)))
            .order_by(asset_face.c.bounding_box_x1, asset_face.c.id)
        )
        if not with_deleted:
            query = query.where(asset_face.c.deleted_at.is_(None))
        found = []
        for row in self.execute(query):
            values = unprefixed(row, "p_")
            face = AssetFace.from_row(row)
            found.append(FaceWithPerson(face, Person(**values) if values["id"] is not None else None))
        return found

    def faces_of(self, asset_id: UUID, source_type: str | None = None) -> list[AssetFace]:
        query = select(asset_face).where(asset_face.c.asset_id == asset_id)
        if source_type is not None:
            query = query.where(asset_face.c.source_type == source_type)
        return [AssetFace.from_row(r) for r in self.execute(query)]

    def faces_by_asset_and_person(self, pairs: Sequence[tuple[UUID, UUID]]) -> list[AssetFace]:
        """The live faces of each (asset, person) pair."""
        if not pairs:
            return []
        match = or_(*(and_(asset_face.c.asset_id == a, asset_face.c.person_id == p) for a, p in pairs))
        query = select(asset_face).where(match, asset_face.c.deleted_at.is_(None)).order_by(asset_face.c.id)
        return [AssetFace.from_row(r) for r in self.execute(query)]

    def random_face_id(self, person_id: UUID) -> UUID | None:
        """A live face of the person to feature, preferring ones on visible assets."""
        query = (
            select(asset_face.c.id)
            .join(asset, asset.c.id == asset_face.c.asset_id)
            .where(asset_face.c.person_id == person_id, asset_face.c.deleted_at.is_(None))
            .order_by(case((asset.c.visibility == TIMELINE, 0), else_=1), asset_face.c.id)
            .limit(1)
        )
        found: UUID | None = self.execute(query).scalar()
        return found

    def create_face(self, values: dict[str, Any], embedding: Any = None) -> UUID:
        face_id: UUID = self.execute(insert(asset_face).values(**values).returning(asset_face.c.id)).scalar_one()
        if embedding is not None:
            self.execute(insert(face_search).values(face_id=face_id, embedding=embedding))
        return face_id

    def all_faces(self, source_type: str) -> list[AssetFace]:
        query = select(asset_face).where(asset_face.c.source_type == source_type)
        return [AssetFace.from_row(r) for r in self.execute(query)]

    def set_embedding(self, face_id: UUID, embedding: Any) -> None:
        statement = self.upsert(face_search).values(face_id=face_id, embedding=embedding)
        self.execute(statement.on_conflict_do_update(index_elements=["face_id"], set_={"embedding": embedding}))

    def delete_faces(self, face_ids: Iterable[UUID]) -> None:
        wanted = list(face_ids)
        if wanted:
            self.execute(delete(asset_face).where(asset_face.c.id.in_(wanted)))

    def soft_delete_face(self, face_id: UUID) -> None:
        self.execute(update(asset_face).where(asset_face.c.id == face_id).values(deleted_at=utcnow()))

    def reassign_face(self, face_id: UUID, person_id: UUID | None) -> None:
        self.execute(update(asset_face).where(asset_face.c.id == face_id).values(person_id=person_id))

    def reassign_faces(self, old_person_id: UUID, new_person_id: UUID) -> int:
        statement = update(asset_face).where(asset_face.c.person_id == old_person_id).values(person_id=new_person_id)
        result: Any = self.execute(statement)
        return int(result.rowcount or 0)

    def unassign_faces(self, source_type: str) -> None:
        """Take every face of this source away from its person (a forced re-clustering)."""
        statement = update(asset_face).where(
            asset_face.c.source_type == source_type, asset_face.c.person_id.is_not(None)
        )
        self.execute(statement.values(person_id=None))

    # --- recognition ---

    def face_for_recognition(self, face_id: UUID) -> FaceForRecognition | None:
        query = (
            select(
                asset_face,
                asset.c.owner_id.label("x_owner"),
                asset.c.visibility.label("x_visibility"),
                asset.c.file_created_at.label("x_taken"),
            )
            .add_columns(face_search.c.embedding.label("x_embedding"))
            .join(asset, asset.c.id == asset_face.c.asset_id)
            .outerjoin(face_search, face_search.c.face_id == asset_face.c.id)
            .where(asset_face.c.id == face_id)
        )
        row = self.execute(query).first()
        if row is None:
            return None
        face = AssetFace.from_row(row)
        return FaceForRecognition(face, row.x_owner, row.x_visibility, row.x_taken, row.x_embedding)

    def nearest_faces(
        self,
        owner_id: UUID,
        embedding: Any,
        max_distance: float,
        limit: int,
        *,
        with_person_only: bool = False,
        min_birth_date: date | None = None,
    ) -> list[NearFace]:
        """The owner's faces closest to an embedding within `max_distance`, nearest first."""
        distance = cosine_distance(self.db.dialect.name, face_search.c.embedding, embedding).label("distance")
        inner = (
            select(asset_face.c.id, asset_face.c.person_id, distance)
            .join(face_search, face_search.c.face_id == asset_face.c.id)
            .join(asset, asset.c.id == asset_face.c.asset_id)
            .where(asset.c.owner_id == owner_id, asset.c.deleted_at.is_(None), asset_face.c.deleted_at.is_(None))
            .order_by(distance)
            .limit(limit)
        )
        if with_person_only:
            inner = inner.where(asset_face.c.person_id.is_not(None))
        if min_birth_date is not None:
            # A face on a photo taken before a person was born cannot be that person.
            born = select(person.c.birth_date).where(person.c.id == asset_face.c.person_id).scalar_subquery()
            inner = inner.where(or_(born.is_(None), born <= min_birth_date))
        sub = inner.subquery()
        rows = self.execute(select(sub).where(sub.c.distance <= max_distance).order_by(sub.c.distance))
        return [NearFace(r.id, r.person_id, float(r.distance)) for r in rows]

    def face_ids_for_recognition(self, force: bool) -> list[UUID]:
        """Machine-learning faces with embeddings to cluster: all of them when forced, else those without a person."""
        query = (
            select(asset_face.c.id)
            .join(face_search, face_search.c.face_id == asset_face.c.id)
            .where(asset_face.c.source_type == "machine-learning", asset_face.c.deleted_at.is_(None))
            .order_by(asset_face.c.id)
        )
        if not force:
            query = query.where(asset_face.c.person_id.is_(None))
        return list(self.execute(query).scalars())

    def newest_face_time(self) -> datetime | None:
        """When faces were last detected on any asset."""
        found: datetime | None = self.execute(select(func.max(asset_job_status.c.faces_recognized_at))).scalar()
        return found

    def asset_ids_for_detection(self, force: bool) -> list[UUID]:
        """Assets to run face detection on: all visible ones when forced, else those never analysed."""
        has_preview = (
            select(asset_file.c.id).where(asset_file.c.asset_id == asset.c.id, asset_file.c.type == "preview").exists()
        )
        query = (
            select(asset.c.id)
            .outerjoin(asset_job_status, asset_job_status.c.asset_id == asset.c.id)
            .where(asset.c.deleted_at.is_(None), asset.c.visibility != "hidden", has_preview)
            .order_by(asset.c.created_at, asset.c.id)
        )
        if not force:
            query = query.where(asset_job_status.c.faces_recognized_at.is_(None))
        return list(self.execute(query).scalars())

    def set_faces_recognized(self, asset_id: UUID) -> None:
        values = {"faces_recognized_at": utcnow()}
        statement = self.upsert(asset_job_status).values(asset_id=asset_id, **values)
        self.execute(statement.on_conflict_do_update(index_elements=["asset_id"], set_=values))

    def asset_ids_with_person(self, person_id: UUID) -> list[UUID]:
        query = select(func.distinct(asset_face.c.asset_id)).where(asset_face.c.person_id == person_id)
        return list(self.execute(query).scalars())
