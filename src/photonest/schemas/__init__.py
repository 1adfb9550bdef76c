"""Request and response models named as the spec's components."""

from photonest.schemas.generated import *  # noqa: F403
from photonest.schemas.requests import *  # noqa: F403
