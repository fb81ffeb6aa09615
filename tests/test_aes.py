"""AES-128 ECB for 36Kr's encrypted state: FIPS-197 known answers, padding, errors."""

from __future__ import annotations

import pytest

from pipeline.sources.kr36.aes import (
    PaddingError,
    decrypt_block,
    decrypt_ecb,
    encrypt_block,
    encrypt_ecb,
)

VECTORS = {  # FIPS-197 appendix C.1 and appendix B: key, plaintext, ciphertext
    "C.1": ("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
            "69c4e0d86a7b0430d8cdb78070b4c55a"),
    "B": ("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
          "3925841d02dc09fbdc118597196a0b32"),
}


@pytest.mark.parametrize("name", VECTORS)
def test_known_answer_encrypts(name):
    key, plain, cipher = (bytes.fromhex(x) for x in VECTORS[name])
    assert encrypt_block(key, plain) == cipher


@pytest.mark.parametrize("name", VECTORS)
def test_known_answer_decrypts(name):
    key, plain, cipher = (bytes.fromhex(x) for x in VECTORS[name])
    assert decrypt_block(key, cipher) == plain


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1000])
def test_pkcs7_round_trip(size):
    key = b"efabccee-b754-4c"
    data = "状态".encode() * size
    assert decrypt_ecb(key, encrypt_ecb(key, data)) == data


def test_wrong_key_is_a_padding_error():
    with pytest.raises(PaddingError):
        decrypt_ecb(b"0123456789abcdef", encrypt_ecb(b"efabccee-b754-4c", b"{}" * 40))


@pytest.mark.parametrize("data", [b"", b"short"])
def test_partial_blocks_are_refused(data):
    with pytest.raises(ValueError):
        decrypt_ecb(b"efabccee-b754-4c", data)
