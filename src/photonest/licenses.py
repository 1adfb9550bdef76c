"""License keys: an activation key is an RSA/SHA-256 signature of the license key by upstream's license server."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

# Upstream's production public keys (`server/src/repositories/config.repository.ts`, `licensePublicKey`).
CLIENT_PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv/7S32cRA5++1NnVDsCM\n"
    "spP/jJHIMqOJXFnh4NwA2Opz+RMfdco92PsOgh+wwQeEv1U2c2pjzTiQ/2lrKq/k\n"
    "zJRlXwc4cUesQDMJOF+P2qONPbAJkXvCXYBULitCIkoLwfhSGNjyIKaRDhd/tNyN\n"
    "8+hNRZnYT1hSIj9SCkKxUCOzatPV4mCDerS+bE+gEUeWp99V9azvF0FImnTWpQSw\n"
    "c8wEZgOMh4svh6aicwdzkPCwELak0VaBH31BEUCQLb9+AItHAUtJCKxhb5Wjs1s9\n"
    "brXfi0vrpgcZ/6DanY2qfSPznOmvD2FrrlS1q4JJN3Vo7Ww/0Yy/yMcmzTWZhGuh\n"
    "UQIDAQAB\n"
    "-----END PUBLIC KEY-----\n"
)
SERVER_PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAopnYDa0a/dU5IeG74iEE\n"
    "MwdAKjsNczLdCqRd1Z9y5T2wjO7eYIOeJTsl350sR0p4KfSUDSXvC9NpDpc1tOKl\n"
    "5shC/AxpvQALCokF4jt8vrrd9fCaXc1TqRbOmnhiugD6vkr0O/Fb3UDi3U0TvhPP\n"
    "lPdvSawzLrWZPLfmHVVrbrSKmn9IeSgy07ukWTIyLsciNrvnBywsJaReDuoNWPBH\n"
    "U/mo2mXa8m4wMWhiXehiIOQqMuSUgPeCsWj8UVx1CGlRzPDA0bVNQveKXWVxcEI6\n"
    "ULEgJy2F49lH0+aYCmBf7NEr6VQ2WB95evTKXKvn0qIM7ngFlcUAw6fuV1cNCTJS\n"
    "6wIDAQAB\n"
    "-----END PUBLIC KEY-----\n"
)
INVALID_LICENSE = "Invalid license key"


def is_valid_license(license_key: str, activation_key: str, public_keys: Iterable[str]) -> bool:
    """Whether the activation key (base64 or base64url) is a signature of the license key by one of the keys.

    A key is a PEM document, or the base64 of one (the form upstream keeps in its configuration).
    """
    try:
        signature = base64.b64decode(
            activation_key.replace("-", "+").replace("_", "/") + "=" * (-len(activation_key) % 4)
        )
    except (binascii.Error, ValueError):
        return False
    return any(_verifies(key, signature, license_key.encode()) for key in public_keys)


def _verifies(public_key: str, signature: bytes, message: bytes) -> bool:
    try:
        pem = public_key.encode() if public_key.startswith("-----") else base64.b64decode(public_key)
        key = load_pem_public_key(pem)
    except (ValueError, binascii.Error, UnsupportedAlgorithm):
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
