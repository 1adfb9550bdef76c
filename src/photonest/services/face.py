"""Faces: list, draw, delete and reassign the faces of an asset (`person.service.ts`, face part)."""

from __future__ import annotations

from uuid import UUID

from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas.person import map_face
from photonest.services.access import require_access
from photonest.services.base import BaseService
from photonest.services.person import PersonService

P = g.Permission


class FaceService(BaseService):
    """The faces on the caller's assets."""

    def get_faces(self, auth: Auth, asset_id: UUID) -> list[g.AssetFaceResponseDto]:
        require_access(self.repos, auth, P.ASSET_READ, [asset_id])
        return [map_face(found.face, found.person) for found in self.repos.people.faces_with_people([asset_id])]

    def create_face(self, auth: Auth, dto: g.AssetFaceCreateDto) -> None:
        """A manual face box on an asset, for a person."""
        require_access(self.repos, auth, P.ASSET_READ, [dto.asset_id])
        require_access(self.repos, auth, P.PERSON_READ, [dto.person_id])
        values = {
            "asset_id": dto.asset_id,
            "person_id": dto.person_id,
            "image_width": dto.image_width,
            "image_height": dto.image_height,
            "bounding_box_x1": dto.x,
            "bounding_box_y1": dto.y,
            "bounding_box_x2": dto.x + dto.width,
            "bounding_box_y2": dto.y + dto.height,
            "source_type": g.SourceType.MANUAL.value,
        }
        self.repos.people.create_face(values)

    def delete_face(self, auth: Auth, face_id: UUID, dto: g.AssetFaceDeleteDto) -> None:
        """Remove a face: for good when forced, else marked deleted."""
        require_access(self.repos, auth, P.FACE_DELETE, [face_id])
        if dto.force:
            self.repos.people.delete_faces([face_id])
        else:
            self.repos.people.soft_delete_face(face_id)

    def reassign_face(self, auth: Auth, person_id: UUID, dto: g.FaceDto) -> g.PersonResponseDto:
        return PersonService(self.ctx).reassign_face(auth, person_id, dto)
