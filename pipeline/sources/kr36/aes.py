"""AES-128 in ECB mode with PKCS#7 padding, by the `cryptography` package.

36Kr serves some article pages with `window.initialState={"state":"<base64>",
"isEncrypt":true}`: the state JSON, AES-128-ECB encrypted under a fixed key.  The
compiled implementation takes about 2 ms for a 100 kB state (the pure-Python tables
this replaced took 0.5-0.7 s).  Encryption is here for the test fixtures that build
such pages.  ECB is what the site uses; nothing here protects a secret.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16


class PaddingError(ValueError):
    """The decrypted data does not end in valid PKCS#7 padding (wrong key or data)."""


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.ECB())


def decrypt_ecb(key: bytes, data: bytes) -> bytes:
    """Decrypt and strip PKCS#7 padding; ValueError on partial blocks, PaddingError on
    padding that a wrong key or damaged data leaves."""
    if not data or len(data) % BLOCK:
        raise ValueError(f"AES-ECB data must be a non-empty multiple of {BLOCK} bytes, "
                         f"got {len(data)}")
    decryptor = _cipher(key).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK * 8).unpadder()
    try:
        return unpadder.update(plain) + unpadder.finalize()
    except ValueError:
        raise PaddingError("bad PKCS#7 padding (wrong key or damaged data)") from None


def encrypt_ecb(key: bytes, data: bytes) -> bytes:
    """PKCS#7-pad and encrypt (for building test pages)."""
    padder = padding.PKCS7(BLOCK * 8).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = _cipher(key).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def encrypt_block(key: bytes, block: bytes) -> bytes:
    """One 16-byte block, no padding (known-answer tests)."""
    encryptor = _cipher(key).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def decrypt_block(key: bytes, block: bytes) -> bytes:
    decryptor = _cipher(key).decryptor()
    return decryptor.update(block) + decryptor.finalize()
