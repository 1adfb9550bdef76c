"""Photonest: a self-hosted photo and video server that speaks the Immich API."""

__version__ = "1.134.0"
IMMICH_API_VERSION = "1.134.0"
