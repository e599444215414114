"""Roadside object list payload: ObjectEstimates carried in the ASN.1 RSM (UPER, coop_drive/v2x/asn1_codec.py).

Per object: id, class, existence, position as a cm offset from the RSM's reference point (the objects'
centroid rounded to the metre), velocity [cm/s], length/width [dm], the four standard deviations of the
state ([mm], [mm/s]; saturating at 16.383) and its age [ms] before the frame's generation time.
Cross-covariances are not carried: the receiver gets a diagonal covariance (a documented loss).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.units import NS_PER_S
from coop_drive.v2x.asn1_codec import decode_rsm, encode_rsm
from coop_drive.v2x.frame import V2XDecodeError
from coop_drive.v2x.messages import Rsm, RsmObject

MIN_STD = 1e-3  # a received standard deviation of 0 (below the resolution) becomes this [m], [m/s]


def encode_object_list(objects: Sequence[ObjectEstimate], generation_time_ns: int, msg_count: int = 0,
                       station_id: int = 0) -> bytes:
    """Objects -> RSM payload bytes. Each object's stamp is stored relative to generation_time_ns.

    Raises ValueError naming the field when a value does not fit the RSM (e.g. an object more than 1327 m
    from the others, or faster than 163 m/s)."""
    time_s = generation_time_ns / NS_PER_S
    ref_xy_m = ((round(float(np.mean([o.x_m for o in objects]))), round(float(np.mean([o.y_m for o in objects]))))
                if objects else (0, 0))
    rsm_objects = []
    for obj in objects:
        std = np.sqrt(np.clip(np.diag(obj.covariance), 0.0, None))
        rsm_objects.append(RsmObject(
            object_id=obj.object_id, object_type=int(obj.classification),
            existence_probability=min(max(obj.existence_probability, 0.0), 1.0),
            x_m=obj.x_m, y_m=obj.y_m, vx_mps=obj.vx_mps, vy_mps=obj.vy_mps, yaw_rad=None,
            length_m=obj.length_m, width_m=obj.width_m,
            std_x_m=float(std[0]), std_y_m=float(std[1]), std_vx_mps=float(std[2]), std_vy_mps=float(std[3]),
            # the age in integer ns first, so that a stamp on the generation time is exactly 0
            stamp_s=time_s - (generation_time_ns - round(obj.stamp_s * NS_PER_S)) / NS_PER_S,
        ))
    return encode_rsm(Rsm(msg_count % 128, station_id, time_s, (float(ref_xy_m[0]), float(ref_xy_m[1])),
                          tuple(rsm_objects)))


def decode_object_list(payload: bytes, generation_time_ns: int, source_id: str) -> list[ObjectEstimate]:
    """RSM payload bytes -> objects. Raises V2XDecodeError when the payload does not parse."""
    rsm = decode_rsm(payload)
    objects = []
    for o in rsm.objects:
        try:
            classification = ObjectClass(o.object_type)
        except ValueError as exc:
            raise V2XDecodeError(f"object {o.object_id}: unknown class {o.object_type}") from exc
        age_ns = round((rsm.time_s - o.stamp_s) * NS_PER_S)
        stds = np.array([o.std_x_m, o.std_y_m, o.std_vx_mps, o.std_vy_mps])
        objects.append(ObjectEstimate(
            object_id=o.object_id, source_id=source_id,
            stamp_s=(generation_time_ns - age_ns) / NS_PER_S,
            state=np.array([o.x_m, o.y_m, o.vx_mps, o.vy_mps]),
            covariance=np.diag(np.maximum(stds, MIN_STD) ** 2),
            length_m=o.length_m, width_m=o.width_m,
            existence_probability=o.existence_probability, classification=classification,
        ))
    return objects
