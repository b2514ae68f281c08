"""Independent DICOM SEG reading and writing for the SEG tests: pydicom and highdicom, not osteoflow.

read SEG SERIES_DIR MASK.bin
    Reads SEG twice, with pydicom alone (frames placed on the source series' slices by ImagePositionPatient) and with
    highdicom (frames by source instance), and compares both with MASK.bin (uint8, x fastest, then y, then z, on the
    series' grid). Prints JSON: frames, voxels in MASK.bin, and the voxels each reader disagrees on.
write SERIES_DIR MASK.bin BINARY.dcm FRACTIONAL.dcm
    Writes MASK.bin as a BINARY SEG with highdicom, and as a FRACTIONAL SEG whose fractions are 0.75 inside the mask
    and 0.25 in the voxels right of it along x (outside the mask). Prints JSON with the SEGs' SOP instance UIDs.
"""

import json
import sys
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
from pydicom.sr.codedict import codes


def source_series(folder):
    """The series' images, sorted along the slice normal."""
    images = [pydicom.dcmread(f) for f in sorted(Path(folder).iterdir()) if f.is_file()]
    images = [i for i in images if "PixelData" in i]
    row, col = np.array(images[0].ImageOrientationPatient[:3], float), np.array(images[0].ImageOrientationPatient[3:], float)
    normal = np.cross(row, col)
    images.sort(key=lambda i: float(np.dot(np.array(i.ImagePositionPatient, float), normal)))
    return images, normal


def read_mask(path, images):
    shape = (len(images), images[0].Rows, images[0].Columns)
    return np.fromfile(path, dtype=np.uint8).reshape(shape) != 0


def read_with_pydicom(seg_path, images, normal):
    seg = pydicom.dcmread(seg_path)
    frames = seg.pixel_array.reshape(int(seg.NumberOfFrames), seg.Rows, seg.Columns)
    depths = np.array([float(np.dot(np.array(i.ImagePositionPatient, float), normal)) for i in images])
    volume = np.zeros((len(images), images[0].Rows, images[0].Columns), bool)
    for frame, item in zip(frames, seg.PerFrameFunctionalGroupsSequence, strict=True):
        position = np.array(item.PlanePositionSequence[0].ImagePositionPatient, float)
        k = int(np.argmin(np.abs(depths - np.dot(position, normal))))
        if abs(depths[k] - np.dot(position, normal)) > 1e-3:
            raise ValueError(f"frame at {position} is on no slice")
        volume[k] |= frame != 0
    return volume, int(seg.NumberOfFrames)


def read_with_highdicom(seg_path, images):
    seg = hd.seg.segread(seg_path)
    pixels = seg.get_pixels_by_source_instance(
        source_sop_instance_uids=[i.SOPInstanceUID for i in images],
        segment_numbers=[1],
        assert_missing_frames_are_empty=True,
    )
    return pixels[..., 0] != 0


def description(label):
    return hd.seg.SegmentDescription(
        segment_number=1,
        segment_label=label,
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Neoplasm,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )


def write(images, mask, path, fractional):
    if fractional:
        border = np.zeros_like(mask)
        border[:, :, 1:] = mask[:, :, :-1] & ~mask[:, :, 1:]
        pixels = np.where(mask, 0.75, np.where(border, 0.25, 0.0)).astype(np.float32)
    else:
        pixels = mask.astype(np.uint8)
    seg = hd.seg.Segmentation(
        source_images=images,
        pixel_array=pixels,
        segmentation_type=hd.seg.SegmentationTypeValues.FRACTIONAL if fractional else hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description("GTV highdicom")],
        series_instance_uid=hd.UID(),
        series_number=2000 + int(fractional),
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="highdicom",
        manufacturer_model_name="highdicom",
        software_versions=hd.__version__,
        device_serial_number="1",
        max_fractional_value=255,
    )
    seg.save_as(path)
    return str(seg.SOPInstanceUID)


def main(argv):
    if argv[0] == "read":
        seg_path, folder, mask_path = argv[1:4]
        images, normal = source_series(folder)
        expected = read_mask(mask_path, images)
        by_pydicom, frames = read_with_pydicom(seg_path, images, normal)
        by_highdicom = read_with_highdicom(seg_path, images)
        print(
            json.dumps(
                {
                    "frames": frames,
                    "voxels": int(expected.sum()),
                    "pydicomDiffer": int((by_pydicom != expected).sum()),
                    "highdicomDiffer": int((by_highdicom != expected).sum()),
                }
            )
        )
    elif argv[0] == "write":
        folder, mask_path, binary_path, fractional_path = argv[1:5]
        images, _ = source_series(folder)
        mask = read_mask(mask_path, images)
        print(json.dumps({"binary": write(images, mask, binary_path, False), "fractional": write(images, mask, fractional_path, True)}))
    else:
        raise SystemExit(f"unknown command {argv[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
