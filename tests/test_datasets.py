"""Coordinate conventions of the dataset readers."""
import numpy as np

import pytest

from siamfc_plugin.data.readers import otb_groundtruth_text, read_otb_sequence, read_sequences


def test_otb_boxes_are_read_zero_based(otb_root):
    raw = np.loadtxt(otb_root / "Crossing" / "groundtruth_rect.txt", delimiter=",")
    seq = read_otb_sequence(str(otb_root / "Crossing"))[0]
    np.testing.assert_allclose(seq.boxes[:, :2], raw[:, :2] - 1)  # MATLAB's (1, 1) is our (0, 0)
    np.testing.assert_allclose(seq.boxes[:, 2:], raw[:, 2:])


def test_otb_groundtruth_text_round_trips(tmp_path):
    boxes = np.array([[0.0, 0.0, 10.0, 20.0], [12.5, 3.25, 7.0, 8.0], [np.nan] * 4])
    folder = tmp_path / "Seq"
    (folder / "img").mkdir(parents=True)
    for i in range(3):
        (folder / "img" / f"{i + 1:04d}.jpg").write_bytes(b"")
    (folder / "groundtruth_rect.txt").write_text(otb_groundtruth_text(boxes))
    assert (folder / "groundtruth_rect.txt").read_text().splitlines()[0] == "1.00,1.00,10.00,20.00"
    np.testing.assert_allclose(read_otb_sequence(str(folder))[0].boxes, boxes)


def test_a_got10k_root_names_its_subsets(tmp_path):
    (tmp_path / "train" / "GOT-10k_Train_000001").mkdir(parents=True)
    with pytest.raises(ValueError, match="GOT-10k root.*train"):
        read_sequences(str(tmp_path))
