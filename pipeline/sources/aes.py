"""AES-128 in ECB mode with PKCS#7 padding, in pure Python (FIPS-197).

36Kr serves some article pages with `window.initialState={"state":"<base64>",
"isEncrypt":true}`: the state JSON, AES-128-ECB encrypted under a fixed key.  That is
the only use here, so a small table-driven implementation does (a 100 kB state takes
about a tenth of a second) instead of a compiled dependency.  Encryption is here for
the test fixtures that build such pages.

The tables are computed at import from the field arithmetic, not typed in: the S-box
is the multiplicative inverse in GF(2^8) followed by the affine map, and the round
tables fold SubBytes, ShiftRows and (Inv)MixColumns into one lookup per byte.
"""

from __future__ import annotations

BLOCK = 16


class PaddingError(ValueError):
    """The decrypted data does not end in valid PKCS#7 padding (wrong key or data)."""


def _xtime(a: int) -> int:
    return ((a << 1) ^ 0x11B) if a & 0x80 else a << 1


def _mul(a: int, b: int) -> int:
    result = 0
    while b:
        if b & 1:
            result ^= a
        a, b = _xtime(a), b >> 1
    return result


def _sbox() -> list[int]:
    exp, log = [0] * 256, [0] * 256
    x = 1
    for i in range(255):  # powers of the generator 3
        exp[i], log[x] = x, i
        x ^= _xtime(x)
    box = []
    for a in range(256):
        inv = 0 if a == 0 else exp[(255 - log[a]) % 255]
        s, r = inv, inv
        for _ in range(4):
            r = ((r << 1) | (r >> 7)) & 0xFF
            s ^= r
        box.append(s ^ 0x63)
    return box


def _rotations(table: list[int]) -> tuple[list[int], ...]:
    rot = [table]
    for _ in range(3):
        rot.append([((w >> 8) | (w << 24)) & 0xFFFFFFFF for w in rot[-1]])
    return tuple(rot)


SBOX = _sbox()
INV_SBOX = [0] * 256
for _i, _s in enumerate(SBOX):
    INV_SBOX[_s] = _i
TE = _rotations([(_mul(s, 2) << 24) | (s << 16) | (s << 8) | _mul(s, 3) for s in SBOX])
TD = _rotations([(_mul(s, 14) << 24) | (_mul(s, 9) << 16) | (_mul(s, 13) << 8) | _mul(s, 11)
                 for s in INV_SBOX])


def _expand(key: bytes) -> list[int]:
    if len(key) != BLOCK:
        raise ValueError(f"AES-128 needs a 16-byte key, got {len(key)} bytes")
    words = [int.from_bytes(key[i:i + 4], "big") for i in range(0, 16, 4)]
    rcon = 1
    for i in range(4, 44):
        w = words[i - 1]
        if i % 4 == 0:
            w = ((w << 8) | (w >> 24)) & 0xFFFFFFFF
            w = (SBOX[w >> 24] << 24 | SBOX[(w >> 16) & 255] << 16
                 | SBOX[(w >> 8) & 255] << 8 | SBOX[w & 255]) ^ (rcon << 24)
            rcon = _xtime(rcon)
        words.append(words[i - 4] ^ w)
    return words


def _inverse_schedule(enc: list[int]) -> list[int]:
    """Round keys for the equivalent inverse cipher (InvMixColumns on rounds 1-9)."""
    dec = enc[40:44]
    t0, t1, t2, t3 = TD
    for r in range(9, 0, -1):
        for w in enc[4 * r:4 * r + 4]:
            dec.append(t0[SBOX[w >> 24]] ^ t1[SBOX[(w >> 16) & 255]]
                       ^ t2[SBOX[(w >> 8) & 255]] ^ t3[SBOX[w & 255]])
    return dec + enc[0:4]


def _rounds(block: bytes, keys: list[int], tables: tuple[list[int], ...], box: list[int],
            order: tuple[int, int, int]) -> bytes:
    """Ten rounds over one block; `order` says which column feeds bytes 1-3 of each
    output column (ShiftRows left for encryption, right for decryption)."""
    t0, t1, t2, t3 = tables
    a, b, c = order
    s = [int.from_bytes(block[i:i + 4], "big") ^ keys[i // 4] for i in range(0, 16, 4)]
    for r in range(1, 10):
        k = 4 * r
        s = [t0[s[j] >> 24] ^ t1[(s[(j + a) % 4] >> 16) & 255]
             ^ t2[(s[(j + b) % 4] >> 8) & 255] ^ t3[s[(j + c) % 4] & 255] ^ keys[k + j]
             for j in range(4)]
    out = bytearray()
    for j in range(4):
        w = (box[s[j] >> 24] << 24 | box[(s[(j + a) % 4] >> 16) & 255] << 16
             | box[(s[(j + b) % 4] >> 8) & 255] << 8 | box[s[(j + c) % 4] & 255]) ^ keys[40 + j]
        out += w.to_bytes(4, "big")
    return bytes(out)


def decrypt_ecb(key: bytes, data: bytes) -> bytes:
    """AES-128-ECB decryption with PKCS#7 unpadding. Raises PaddingError/ValueError."""
    if not data or len(data) % BLOCK:
        raise ValueError(f"ciphertext of {len(data)} bytes is not whole 16-byte blocks")
    keys = _inverse_schedule(_expand(key))
    plain = b"".join(_rounds(data[i:i + BLOCK], keys, TD, INV_SBOX, (3, 2, 1))
                     for i in range(0, len(data), BLOCK))
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise PaddingError("bad PKCS#7 padding: wrong key, or not AES-128-ECB data")
    return plain[:-pad]


def encrypt_ecb(key: bytes, data: bytes) -> bytes:
    """AES-128-ECB encryption with PKCS#7 padding."""
    keys = _expand(key)
    pad = BLOCK - len(data) % BLOCK
    data += bytes([pad]) * pad
    return b"".join(_rounds(data[i:i + BLOCK], keys, TE, SBOX, (1, 2, 3))
                    for i in range(0, len(data), BLOCK))


def encrypt_block(key: bytes, block: bytes) -> bytes:
    """One block, no padding (for known-answer checks against FIPS-197)."""
    return _rounds(block, _expand(key), TE, SBOX, (1, 2, 3))


def decrypt_block(key: bytes, block: bytes) -> bytes:
    """One block, no padding (for known-answer checks against FIPS-197)."""
    return _rounds(block, _inverse_schedule(_expand(key)), TD, INV_SBOX, (3, 2, 1))
