"""Roadside object list payload (RSM-like): fixed-point fields, a few bytes per object.

Per object: id u32, class u8, existence [%] u8, x/y [cm] i32, vx/vy [cm/s] i16, length/width [dm] u8,
age relative to the frame's generation time [ms] i16, standard deviations of x, y [mm] and vx, vy [mm/s] u16.
Cross-covariances are not carried: the receiver gets a diagonal covariance (a documented loss).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.units import NS_PER_S
from coop_drive.v2x.frame import V2XDecodeError

_COUNT = struct.Struct("<H")
_OBJECT = struct.Struct("<IBBiihhBBh4H")
_CM = 100.0
_MM = 1000.0


def _clip(value: float, lo: int, hi: int) -> int:
    return int(min(max(round(value), lo), hi))


def encode_object_list(objects: Sequence[ObjectEstimate], generation_time_ns: int) -> bytes:
    """Objects -> payload bytes. Each object's stamp is stored relative to generation_time_ns."""
    out = [_COUNT.pack(len(objects))]
    for obj in objects:
        std = np.sqrt(np.clip(np.diag(obj.covariance), 0.0, None))
        age_ms = (generation_time_ns - round(obj.stamp_s * NS_PER_S)) / 1e6
        out.append(_OBJECT.pack(
            obj.object_id & 0xFFFFFFFF, int(obj.classification), _clip(obj.existence_probability * 100, 0, 100),
            _clip(obj.x_m * _CM, -(2**31), 2**31 - 1), _clip(obj.y_m * _CM, -(2**31), 2**31 - 1),
            _clip(obj.vx_mps * _CM, -32768, 32767), _clip(obj.vy_mps * _CM, -32768, 32767),
            _clip(obj.length_m * 10, 0, 255), _clip(obj.width_m * 10, 0, 255),
            _clip(age_ms, -32768, 32767),
            *(_clip(v * _MM, 0, 65535) for v in std),
        ))
    return b"".join(out)


def decode_object_list(payload: bytes, generation_time_ns: int, source_id: str) -> list[ObjectEstimate]:
    """Payload bytes -> objects. Raises V2XDecodeError when the payload does not parse."""
    if len(payload) < _COUNT.size:
        raise V2XDecodeError("object list truncated")
    (count,) = _COUNT.unpack_from(payload, 0)
    if len(payload) != _COUNT.size + count * _OBJECT.size:
        raise V2XDecodeError(f"object list of {count} objects has {len(payload)} bytes")
    objects = []
    for i in range(count):
        (oid, cls, exist, x, y, vx, vy, length, width, age_ms, *std) = _OBJECT.unpack_from(
            payload, _COUNT.size + i * _OBJECT.size)
        try:
            classification = ObjectClass(cls)
        except ValueError as exc:
            raise V2XDecodeError(f"object {oid}: unknown class {cls}") from exc
        stds = np.array(std, dtype=float) / _MM
        objects.append(ObjectEstimate(
            object_id=oid, source_id=source_id,
            stamp_s=(generation_time_ns - age_ms * 1_000_000) / NS_PER_S,
            state=np.array([x / _CM, y / _CM, vx / _CM, vy / _CM]),
            covariance=np.diag(np.maximum(stds, 1e-3) ** 2),
            length_m=length / 10.0, width_m=width / 10.0,
            existence_probability=exist / 100.0, classification=classification,
        ))
    return objects
