"""Differential tests of the plugin's one reader (siamfc_plugin/formats) against the toolkits' own loaders.

For every layout we read (OTB, GOT-10k, VOT new and legacy, UAV123, DTB70, LaSOT) a small folder is built in
tmp_path that copies the real dataset's numbering and file conventions, with real frames from ../shared/data
(symbolic links, made at test time). Each folder is read by the toolkit's loader (got10k's datasets.*, vot-toolkit's
sequence loaders) and by ours: the same frames and the same boxes, or ours refuses naming why. Where the toolkit's
loader is itself wrong (it shortens a sequence silently, cannot read a layout, or crashes), the test says so.

The ranges of the special OTB sequences are written here from the benchmark's own configuration and the issue
(not from siamfc_plugin/formats/otb.py), so a wrong table fails these tests.
"""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import numpy as np
import pytest

from siamfc_plugin.common.errors import AnnotationError, FramePairingError, MissingFrameError
from siamfc_plugin.formats.sequences import (OTB_ORIGIN, read_otb_sequence, read_sequences, read_uav123,
                                             read_vot_sequence)


@contextlib.contextmanager
def quiet():
    """got10k prints a warning per benchmark sequence it does not find."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def source_frames(folder: Path, count: int) -> list[Path]:
    """`count` real frames of a folder, cycling through it when it has fewer."""
    frames = sorted(p for p in folder.iterdir() if p.suffix == ".jpg")
    return [frames[i % len(frames)] for i in range(count)]


def link_frames(folder: Path, sources: list[Path], numbers, name: str = "{:04d}.jpg") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for source, number in zip(sources, numbers):
        (folder / name.format(number)).symlink_to(source)


def lines_of(path: Path, count: int | None = None) -> list[str]:
    lines = path.read_text().splitlines()
    return [lines[i % len(lines)] for i in range(count)] if count else lines


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def got10k_otb(root: Path, name: str):
    from got10k.datasets import OTB

    with quiet():
        dataset = OTB(str(root), version=2015, download=False)
    return dataset[name]


def vot_toolkit_otb(folder: Path):
    """vot-toolkit 0.9.0's OTB loader: (frame files, x,y,w,h per frame)."""
    from vot.dataset.otb import read_sequence

    seq = read_sequence(str(folder))
    frames = [seq.channel("color").filename(i) for i in range(len(seq))]
    boxes = np.array([[r.x, r.y, r.width, r.height] for r in (seq.groundtruth(i) for i in range(len(seq)))])
    return frames, boxes


# ---- OTB: the official frame ranges ---------------------------------------------------------------------------------
# name: (first frame file, last frame file, first annotated frame, annotated lines, digits), from the benchmark
# (MakeSequenceConfigVer10.m: David img 1:770, ground truth 300:770; Football1 1:81 / 1:74; Freeman3 1:474 / 1:460;
# Freeman4 1:297 / 1:283), Diving (231 frames, 215 lines), OTB-100's start-numbered folders (BlurCar1 0247,
# BlurCar3 0003, BlurCar4 0018) and Board's five digits.
OFFICIAL = {"Crossing": (1, 40, 1, 40, 4), "David": (1, 770, 300, 471, 4), "Football1": (1, 81, 1, 74, 4),
            "Freeman3": (1, 474, 1, 460, 4), "Freeman4": (1, 297, 1, 283, 4), "Diving": (1, 231, 1, 215, 4),
            "BlurCar1": (247, 988, 247, 742, 4), "BlurCar3": (3, 359, 3, 357, 4), "BlurCar4": (18, 397, 18, 380, 4),
            "Board": (1, 60, 1, 60, 5)}


def otb_folder(root: Path, otb_root: Path, name: str, first: int, last: int, lines: int, digits: int = 4,
               source: str = "FaceOcc1", first_line: int = 1) -> Path:
    """<root>/<name>: frame files first..last (real frames of `source`, in order), `lines` ground-truth lines of
    `source` starting at its line `first_line`."""
    folder = root / name
    link_frames(folder / "img", source_frames(otb_root / source / "img", last - first + 1), range(first, last + 1),
                "{:0%dd}.jpg" % digits)
    gt = lines_of(otb_root / source / "groundtruth_rect.txt")
    write_lines(folder / "groundtruth_rect.txt", [gt[(first_line - 1 + i) % len(gt)] for i in range(lines)])
    return folder


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_otb_names_pair_as_got10k_and_vot_toolkit_pair_them(otb_root, tmp_path, name):
    first, last, annotated, lines, digits = OFFICIAL[name]
    folder = otb_folder(tmp_path, otb_root, name, first, last, lines, digits)
    ours = read_otb_sequence(str(folder))[0]
    frames, anno = got10k_otb(tmp_path, name)
    assert ours.frames == frames
    np.testing.assert_allclose(ours.boxes + [OTB_ORIGIN, OTB_ORIGIN, 0, 0], anno)
    assert os.path.basename(ours.frames[0]) == f"{annotated:0{digits}d}.jpg"  # line 1 is the first annotated frame
    assert ours.unannotated_frames == [n for n in range(first, last + 1)
                                       if not annotated <= n < annotated + lines]
    vot_frames, vot_boxes = vot_toolkit_otb(folder)
    assert ours.frames == vot_frames
    np.testing.assert_allclose(ours.boxes + [OTB_ORIGIN, OTB_ORIGIN, 0, 0], vot_boxes, rtol=1e-6)


def test_david_built_from_faceocc1_pairs_as_the_benchmark_not_by_position(otb_root, tmp_path):
    """The issue's headline: frames 0001-0770 (FaceOcc1's), 471 lines for frames 300-770 (FaceOcc1's own lines
    300-770). By position (the old reader) frame 0001 got line 1, the box of frame 0300: AUC 0.363 instead of
    0.718. Now frame 0300 gets line 1, as got10k's OTB loader pairs it, and every frame its own box."""
    folder = otb_folder(tmp_path, otb_root, "David", 1, 770, 471, first_line=300)
    ours = read_otb_sequence(str(folder))[0]
    frames, anno = got10k_otb(tmp_path, "David")
    assert ours.frames == frames and len(ours) == 471
    np.testing.assert_allclose(ours.boxes + [OTB_ORIGIN, OTB_ORIGIN, 0, 0], anno)
    truth = np.loadtxt(otb_root / "FaceOcc1" / "groundtruth_rect.txt", delimiter=",")
    for k in (0, 100, 470):  # the frame file is FaceOcc1's frame 300 + k, and its box FaceOcc1's box of that frame
        assert Path(ours.frames[k]).resolve() == (otb_root / "FaceOcc1" / "img" / f"{300 + k:04d}.jpg").resolve()
        np.testing.assert_allclose(ours.boxes[k] + [1, 1, 0, 0], truth[299 + k])


def test_otb_copy_cut_short_is_refused_where_got10k_asserts(otb_root, tmp_path):
    """A David copy with only 100 lines left (frames 0001-0770 still there): frames 0400-0770 have no line.
    got10k's loader stops on a bare assert; ours names both counts."""
    folder = otb_folder(tmp_path, otb_root, "David", 1, 770, 100, first_line=300)
    with pytest.raises(AssertionError):
        got10k_otb(tmp_path, "David")
    with pytest.raises(FramePairingError, match=r"David: 770 frame files for 100 ground-truth lines: frames 400"):
        read_otb_sequence(str(folder))


@pytest.mark.parametrize("separator", [",", "\t", " ", ", ", "mixed"])
def test_otb_separators_the_toolkits_accept(otb_root, tmp_path, separator):
    """OTB-100 itself mixes commas and tabs (BlurCar1's line 496 uses a space among tabs)."""
    folder = otb_folder(tmp_path, otb_root, "Crossing", 1, 30, 30, source="Crossing")
    rows = [line.split(",") for line in lines_of(folder / "groundtruth_rect.txt")]
    text = [("\t" if separator == "mixed" and i != 7 else " " if separator == "mixed" else separator).join(r)
            for i, r in enumerate(rows)]
    write_lines(folder / "groundtruth_rect.txt", text)
    frames, anno = got10k_otb(tmp_path, "Crossing")
    ours = read_otb_sequence(str(folder))[0]
    assert ours.frames == frames
    np.testing.assert_allclose(ours.boxes + [OTB_ORIGIN, OTB_ORIGIN, 0, 0], anno)


@pytest.mark.parametrize("line, why", [("205,151,17", "3 values"), ("205;151;17;50", "not a number"),
                                       ("205,151,nan,50", "NaN"), ("205,151,0,50", "no area")])
def test_broken_otb_lines_are_refused_naming_file_and_line(otb_root, tmp_path, line, why):
    """got10k's loader fails with numpy's words (or, for a zero width, scores the frame); ours names the file and
    the line."""
    folder = otb_folder(tmp_path, otb_root, "Crossing", 1, 30, 30, source="Crossing")
    rows = lines_of(folder / "groundtruth_rect.txt")
    rows[4] = line
    write_lines(folder / "groundtruth_rect.txt", rows)
    with pytest.raises(AnnotationError, match=rf"{folder / 'groundtruth_rect.txt'}:5: .*{why}"):
        read_otb_sequence(str(folder))


def test_otb_nan_line_is_an_absence_for_both(otb_root, tmp_path):
    folder = otb_folder(tmp_path, otb_root, "Crossing", 1, 30, 30, source="Crossing")
    rows = lines_of(folder / "groundtruth_rect.txt")
    rows[4] = "NaN,NaN,NaN,NaN"
    write_lines(folder / "groundtruth_rect.txt", rows)
    _, anno = got10k_otb(tmp_path, "Crossing")
    ours = read_otb_sequence(str(folder))[0]
    assert np.isnan(anno[4]).all() and np.isnan(ours.boxes[4]).all() and not ours.visible[4]
    assert ours.absent_lines == 1 and not ours.refused


def test_otb_several_targets_and_the_empty_file_the_benchmark_ships(otb_root, tmp_path):
    """Jogging: groundtruth_rect.1.txt and .2.txt (got10k: Jogging.1 / Jogging.2; ours Jogging-1 / Jogging-2).
    Human4: an empty groundtruth_rect.1.txt (OTB-100 ships it) beside .2.txt: got10k skips the empty file and calls
    the sequence Human4; so do we."""
    jogging = otb_folder(tmp_path, otb_root, "Jogging", 1, 30, 30, source="Crossing")
    (jogging / "groundtruth_rect.txt").rename(jogging / "groundtruth_rect.1.txt")
    write_lines(jogging / "groundtruth_rect.2.txt", lines_of(otb_root / "DragonBaby" / "groundtruth_rect.txt", 30))
    human4 = otb_folder(tmp_path, otb_root, "Human4", 1, 30, 30, source="Human3")
    (human4 / "groundtruth_rect.txt").rename(human4 / "groundtruth_rect.2.txt")
    (human4 / "groundtruth_rect.1.txt").write_text("")
    from got10k.datasets import OTB

    with quiet():
        theirs = OTB(str(tmp_path), version=2015, download=False)
    ours = {s.name: s for s in read_sequences(str(tmp_path), "otb")}
    assert sorted(ours) == ["Human4", "Jogging-1", "Jogging-2"]
    for mine, their_name in (("Jogging-1", "Jogging.1"), ("Jogging-2", "Jogging.2"), ("Human4", "Human4")):
        with quiet():
            frames, anno = theirs[their_name]
        assert ours[mine].frames == frames
        np.testing.assert_allclose(ours[mine].boxes + [OTB_ORIGIN, OTB_ORIGIN, 0, 0], anno)


def test_start_numbered_folder_of_another_name_pairs_as_got10k_by_position(otb_root, tmp_path):
    """A folder that is not an OTB name, numbered from 0247 with one frame per line: line 1 is frame 0247 (got10k's
    DTB70 loader, which reads any name, pairs by position: the same). One frame deleted: nobody can tell which frame
    line 1 belongs to, so ours refuses naming both counts, even with --missing-frames drop; got10k's loader stops on
    a bare assert."""
    from got10k.datasets import DTB70

    folder = otb_folder(tmp_path, otb_root, "MyCar", 247, 346, 100)
    frames, anno = DTB70(str(tmp_path))["MyCar"]
    ours = read_otb_sequence(str(folder))[0]
    assert ours.frames == frames and os.path.basename(ours.frames[0]) == "0247.jpg"
    np.testing.assert_allclose(ours.boxes + [OTB_ORIGIN, OTB_ORIGIN, 0, 0], anno)
    (folder / "img" / "0300.jpg").unlink()
    with pytest.raises(AssertionError):
        DTB70(str(tmp_path))["MyCar"]
    for missing in ("error", "drop"):
        with pytest.raises(FramePairingError, match=r"MyCar: the frames are numbered from 247 \(99 frame files\) "
                                                    r"and the ground truth has 100 lines"):
            read_otb_sequence(str(folder), missing_frames=missing)


def test_missing_frame_of_an_official_start_numbered_folder_drops_by_number(otb_root, tmp_path):
    """BlurCar1 (frames from 0247) with 0300 deleted: with drop, every kept frame keeps its own line (0301 is line
    55, never line 301 - 247 = 54 shifted, nor line 301)."""
    folder = otb_folder(tmp_path, otb_root, "BlurCar1", 247, 988, 742)
    (folder / "img" / "0300.jpg").unlink()
    with pytest.raises(MissingFrameError, match=r"BlurCar1: frame 300 missing .*0300\.jpg"):
        read_otb_sequence(str(folder))
    seq = read_otb_sequence(str(folder), missing_frames="drop")[0]
    assert seq.dropped_frames == [300] and len(seq) == 741
    index = [os.path.basename(f) for f in seq.frames].index("0301.jpg")
    gt = np.loadtxt(folder / "groundtruth_rect.txt", delimiter=",")
    np.testing.assert_allclose(seq.boxes[index] + [1, 1, 0, 0], gt[300 - 247 + 1])
    assert seq.line_numbers[index] == 55


# ---- DTB70 ----------------------------------------------------------------------------------------------------------
def test_dtb70_pairs_as_got10k_and_takes_commas_only(otb_root, tmp_path):
    from got10k.datasets import DTB70

    folder = otb_folder(tmp_path, otb_root, "Gull1", 1, 40, 40, digits=5, source="DragonBaby")
    frames, anno = DTB70(str(tmp_path))["Gull1"]
    ours = read_sequences(str(tmp_path), "dtb70")[0]
    assert ours.frames == frames and ours.layout == "dtb70"
    np.testing.assert_allclose(ours.boxes + [OTB_ORIGIN, OTB_ORIGIN, 0, 0], anno)
    write_lines(folder / "groundtruth_rect.txt", [r.replace(",", "\t") for r in
                                                  lines_of(folder / "groundtruth_rect.txt")])
    with pytest.raises(ValueError):
        DTB70(str(tmp_path))["Gull1"]
    with pytest.raises(AnnotationError, match=r"groundtruth_rect\.txt:1: .*DTB70 separates values by commas"):
        read_sequences(str(tmp_path), "dtb70")


# ---- GOT-10k --------------------------------------------------------------------------------------------------------
def got10k_val(train_root: Path, root: Path, frames: int = 30) -> Path:
    """A GOT-10k val split of two real sequences cut to `frames` (files, labels and meta_info.ini as GOT-10k ships
    them)."""
    names = ["ARMOT_2", "DAVIS2016_blackswan"]
    for name in names:
        src, dst = train_root / "got10k" / "train" / name, root / "val" / name
        link_frames(dst, source_frames(src, frames), range(1, frames + 1), "{:08d}.jpg")
        for label in ("groundtruth.txt", "absence.label", "cover.label", "cut_by_image.label"):
            write_lines(dst / label, lines_of(src / label)[:frames])
        (dst / "meta_info.ini").write_text((src / "meta_info.ini").read_text())
    write_lines(root / "val" / "list.txt", names)
    return root


def test_got10k_pairs_as_got10k_and_absence_follows_its_labels(train_root, tmp_path):
    from got10k.datasets import GOT10k

    root = got10k_val(train_root, tmp_path / "got")
    seq_dir = root / "val" / "DAVIS2016_blackswan"
    for label, value in (("absence.label", "1"), ("cover.label", "0")):  # frames 5-7: the target absent
        rows = lines_of(seq_dir / label)
        rows[4:7] = [value] * 3
        write_lines(seq_dir / label, rows)
    theirs = GOT10k(str(root), subset="val", return_meta=True)
    ours = {s.name: s for s in read_sequences(str(root / "val"), "got10k")}
    for index, name in enumerate(theirs.seq_names):
        frames, anno, meta = theirs[index]
        present = meta["cover"] > 0  # got10k's report scores only these
        assert ours[name].frames == frames
        np.testing.assert_array_equal(ours[name].visible, present)
        np.testing.assert_allclose(ours[name].boxes[present], anno[present])
    assert ours["DAVIS2016_blackswan"].absent_lines == 3


def test_got10k_damage_is_named_where_got10k_fails_with_numpy_words(train_root, tmp_path):
    from got10k.datasets import GOT10k

    root = got10k_val(train_root, tmp_path / "got")
    gt = root / "val" / "ARMOT_2" / "groundtruth.txt"
    rows = lines_of(gt)
    rows[9] = rows[9].replace(",", " ")
    write_lines(gt, rows)
    with pytest.raises(ValueError):
        GOT10k(str(root), subset="val")[0]
    with pytest.raises(AnnotationError, match=rf"{gt}:10: .*GOT-10k separates values by commas"):
        read_sequences(str(root / "val"), "got10k")
    write_lines(gt, lines_of(gt)[:9] + lines_of(gt)[10:] + [])  # one line fewer than frames and labels
    with pytest.raises(AnnotationError, match=r"absence\.label: 30 flags for 29 boxes"):
        read_sequences(str(root / "val"), "got10k")


# ---- VOT (new layout: `sequence` file, color/ channel) ---------------------------------------------------------------
def vot_folder(vot_root: Path, root: Path, names=("ball1", "bag"), frames: int = 30, legacy: bool = False,
               skip: tuple[int, ...] = (), edit=None) -> Path:
    """vot-toolkit sequences (list.txt, <seq>/sequence, color/%08d.jpg, groundtruth.txt, *.tag, *.value), or the
    legacy layout (frames beside groundtruth.txt, tags as *.label), cut to `frames`."""
    for name in names:
        src, dst = vot_root / name, root / name
        numbers = [n for n in range(1, frames + 1) if n not in skip]
        link_frames(dst if legacy else dst / "color", [src / "color" / f"{n:08d}.jpg" for n in numbers], numbers,
                    "{:08d}.jpg")
        rows = lines_of(src / "groundtruth.txt")[:frames]
        write_lines(dst / "groundtruth.txt", edit(rows) if edit else rows)
        for extra in sorted(src.iterdir()):
            if extra.suffix in (".tag", ".value"):
                suffix = ".label" if legacy and extra.suffix == ".tag" else extra.suffix
                write_lines(dst / (extra.stem + suffix), lines_of(extra)[:frames])
        if not legacy:
            (dst / "sequence").write_text((src / "sequence").read_text())
    write_lines(root / "list.txt", list(names))
    return root


def vot_toolkit_regions(seq) -> list[np.ndarray | None]:
    """vot-toolkit's regions as values (None for its Special 'unknown')."""
    from vot.region import Special
    from vot.region.shapes import Polygon, Rectangle

    out = []
    for i in range(len(seq)):
        region = seq.groundtruth(i)
        if isinstance(region, Special):
            out.append(None)
        elif isinstance(region, Rectangle):
            out.append(np.array([region.x, region.y, region.width, region.height]))
        else:
            assert isinstance(region, Polygon)
            out.append(np.array(region.points()).reshape(-1))
    return out


def assert_same_as_vot_toolkit(ours, theirs) -> None:
    assert ours.frames == [theirs.channel("color").filename(i) for i in range(len(theirs))]
    for mine, region, visible in zip(ours.regions, vot_toolkit_regions(theirs), ours.visible):
        if region is None:
            assert not visible
        else:
            np.testing.assert_allclose(mine, region, rtol=1e-6)  # vot-toolkit keeps float32


def test_vot_sequences_read_as_vot_toolkit_reads_them(vot_root, tmp_path):
    from vot.dataset import load_dataset

    def unknown(rows):  # VOT's two ways of writing an unknown frame
        rows[4], rows[5] = "0", "nan,nan,nan,nan,nan,nan,nan,nan"
        return rows

    root = vot_folder(vot_root, tmp_path / "vot", edit=unknown)
    theirs = load_dataset(str(root))
    for name in ("ball1", "bag"):
        ours = read_vot_sequence(str(root / name))
        assert ours.layout == "vot" and ours.absent_lines == 2
        assert_same_as_vot_toolkit(ours, theirs[name])
        for tag, values in ours.attributes.items():
            np.testing.assert_array_equal(values.astype(bool), [tag in theirs[name].tags(i) for i in range(len(ours))])


def test_got10k_vot_loader_cannot_read_the_color_channel_layout(vot_root, tmp_path):
    """got10k's VOT loader globs <seq>/*.jpg: for VOT2017-and-later folders (frames in color/) it finds none and
    stops on a bare assert. Ours reads the channel the `sequence` file names."""
    from got10k.datasets import VOT

    root = vot_folder(vot_root, tmp_path / "vot", names=("ball1",))
    with quiet():
        theirs = VOT(str(root), version=2017, anno_type="default", download=False)
    with pytest.raises(AssertionError):
        theirs[0]
    assert len(read_vot_sequence(str(root / "ball1"))) == 30


def test_vot_missing_frame_vot_toolkit_shortens_silently_ours_names_it(vot_root, tmp_path):
    """vot-toolkit's channel stops at the first missing file: frame 12 deleted, the sequence silently has 11
    frames (the rest of the ground truth is dropped); with a *.value file it fails with "Length mismatch for value
    practical", naming no frame. Ours names the frame and the file."""
    from vot.dataset import DatasetException, load_sequence

    root = vot_folder(vot_root, tmp_path / "vot", names=("ball1",), skip=(12,))
    with pytest.raises(DatasetException, match="Length mismatch for value practical"):
        len(load_sequence(str(root / "ball1")))  # it reads the data on first use
    (root / "ball1" / "practical.value").unlink()
    assert len(load_sequence(str(root / "ball1"))) == 11
    with pytest.raises(MissingFrameError, match=r"ball1: frame 12 missing \(.*color/00000012\.jpg does not exist\)"):
        read_vot_sequence(str(root / "ball1"))
    dropped = read_vot_sequence(str(root / "ball1"), missing_frames="drop")
    assert len(dropped) == 29 and dropped.dropped_frames == [12]
    assert dropped.line_numbers[11] == 13 and dropped.frames[11].endswith("00000013.jpg")


def test_vot_mixed_rectangles_and_polygons_read_as_vot_toolkit_reads_them(vot_root, tmp_path):
    """vot-toolkit parses each line on its own (a rectangle line among polygons is fine); got10k's loader fails
    with numpy's 'the number of columns changed from 4 to 8 at row 2', naming no file. Ours reads them as
    vot-toolkit does, and got10k's experiment is given polygons (the rectangle as its four corners)."""
    from got10k.datasets import VOT
    from vot.dataset import load_dataset

    from siamfc_plugin.toolkits.got10k.experiments import VOTFolder

    def rectangle_first(rows):
        rows[0] = "496.0,419.0,40.0,42.0"
        return rows

    root = vot_folder(vot_root, tmp_path / "vot", names=("ball1",), legacy=True, edit=rectangle_first)
    with quiet(), pytest.raises(ValueError, match="number of columns changed"):
        VOT(str(root), version=2017, anno_type="default", download=False)[0]
    ours = read_vot_sequence(str(root / "ball1"))
    assert_same_as_vot_toolkit(ours, load_dataset(str(root))["ball1"])
    _, anno, _ = VOTFolder(str(root))[0]
    np.testing.assert_allclose(anno[0], [496, 419, 536, 419, 536, 461, 496, 461])


def test_vot_legacy_layout_read_as_both_toolkits_read_it(vot_root, tmp_path):
    """VOT2013-2016 / VOT-TIR: frames beside groundtruth.txt, tags as *.label. Both got10k's VOT loader (its
    layout) and vot-toolkit's legacy reader read it; so does ours, with the same frames, regions and tags."""
    from got10k.datasets import VOT
    from vot.dataset import read_legacy_sequence

    root = vot_folder(vot_root, tmp_path / "vot", legacy=True)
    with quiet():
        theirs = VOT(str(root), version=2017, anno_type="default", download=False, return_meta=True)
    for index, name in enumerate(theirs.seq_names):
        ours = read_vot_sequence(str(root / name))
        assert ours.layout == "vot-legacy"
        frames, anno, meta = theirs[index]
        assert ours.frames == frames
        np.testing.assert_allclose(np.array(ours.regions), anno)
        for tag, values in meta.items():
            if tag in ours.attributes:
                np.testing.assert_array_equal(ours.attributes[tag], values)
        assert_same_as_vot_toolkit(ours, read_legacy_sequence(str(root / name)))


# ---- UAV123 ---------------------------------------------------------------------------------------------------------
def uav123_root(otb_root: Path, root: Path, sequences: dict[str, tuple[str, int, int]]) -> Path:
    """anno/UAV123/<seq>.txt (commas) and data_seq/UAV123/<folder>/000001.jpg; sequences: {name: (folder, first
    annotated frame, lines)}; each folder holds frames 1 to the last annotated one (bird1's sub-sequences share
    one)."""
    last = {}
    for name, (folder, start, lines) in sequences.items():
        last[folder] = max(last.get(folder, 0), start + lines - 1)
        gt = lines_of(otb_root / "FaceOcc1" / "groundtruth_rect.txt", lines)
        write_lines(root / "anno" / "UAV123" / f"{name}.txt", gt)
    for folder, count in last.items():
        link_frames(root / "data_seq" / "UAV123" / folder, source_frames(otb_root / "FaceOcc1" / "img", count),
                    range(1, count + 1), "{:06d}.jpg")
    for extra in ("anno/UAV20L", "data_seq/UAV20L"):  # got10k's loader wants more than 3 entries in the root
        (root / extra).mkdir(parents=True, exist_ok=True)
    (root / "readme.txt").write_text("UAV123 layout\n")
    (root / "license.txt").write_text("\n")
    return root


def test_uav123_official_ranges_and_nan_absence_as_got10k(otb_root, tmp_path):
    """uav6 (frames 1-109 of its own folder) and bird1_2 (frames 775-1477 of bird1, shared with bird1_1 and
    bird1_3): got10k's uav123.json ranges. NaN lines are absences for both."""
    from got10k.datasets import UAV123

    root = uav123_root(otb_root, tmp_path / "uav", {"uav6": ("uav6", 1, 109), "bird1_2": ("bird1", 775, 703)})
    anno_file = root / "anno" / "UAV123" / "uav6.txt"
    rows = lines_of(anno_file)
    rows[9:12] = ["NaN,NaN,NaN,NaN"] * 3
    write_lines(anno_file, rows)
    with quiet():
        theirs = UAV123(str(root))
    ours = {s.name: s for s in read_uav123(str(root))}
    for name in ("uav6", "bird1_2"):
        frames, anno = theirs[name]
        assert ours[name].frames == frames
        np.testing.assert_allclose(ours[name].boxes, anno)  # UAV123 boxes as written (no origin shift)
    assert os.path.basename(ours["bird1_2"].frames[0]) == "000775.jpg"
    assert ours["uav6"].absent_lines == 3 and not ours["uav6"].visible[9:12].any()


def test_uav123_names_got10k_cannot_read_and_cut_annotations(otb_root, tmp_path):
    """got10k's UAV123 loader fails for the whole folder (KeyError) when one annotation file is not an official
    name; ours pairs such a sequence with its whole folder. An official name with lines missing is refused naming
    both counts (got10k: a bare assert)."""
    from got10k.datasets import UAV123

    root = uav123_root(otb_root, tmp_path / "uav", {"uav6": ("uav6", 1, 109), "mydrone": ("mydrone", 1, 40)})
    with quiet(), pytest.raises(KeyError):
        UAV123(str(root))
    mine = read_uav123(str(root), ["mydrone"])[0]
    assert len(mine) == 40 and os.path.basename(mine.frames[0]) == "000001.jpg"
    anno_file = root / "anno" / "UAV123" / "uav6.txt"
    write_lines(anno_file, lines_of(anno_file)[:100])
    with pytest.raises(FramePairingError, match=r"uav6\.txt: 100 ground-truth lines, but UAV123's uav6: lines 1-109"):
        read_uav123(str(root), ["uav6"])


# ---- LaSOT ----------------------------------------------------------------------------------------------------------
def lasot_root(train_root: Path, root: Path, frames: int = 30) -> Path:
    """LaSOT's own layout: <root>/<class>/<class>-<n>/img/00000001.jpg, groundtruth.txt, full_occlusion.txt and
    out_of_view.txt (one line of comma-separated flags), nlp.txt. Frames 8-9 fully occluded, 20 out of view, with
    the 'random box' LaSOT's authors say such frames may hold."""
    src = train_root / "got10k" / "train" / "DAVIS2016_blackswan"
    folder = root / "airplane" / "airplane-1"
    link_frames(folder / "img", source_frames(src, frames), range(1, frames + 1), "{:08d}.jpg")
    rows = [",".join(str(int(float(v))) for v in r.split(",")) for r in lines_of(src / "groundtruth.txt")[:frames]]
    rows[7], rows[19] = "1,1,-1,-1", "0,0,0,0"
    write_lines(folder / "groundtruth.txt", rows)
    occlusion, view = ["0"] * frames, ["0"] * frames
    occlusion[7] = occlusion[8] = "1"
    view[19] = "1"
    (folder / "full_occlusion.txt").write_text(",".join(occlusion))
    (folder / "out_of_view.txt").write_text(",".join(view))
    (folder / "nlp.txt").write_text("white swan swimming on the lake\n")
    return root


def test_lasot_read_as_got10k_reads_it_whose_dataset_class_is_broken(train_root, tmp_path):
    """got10k 0.1.3's LaSOT class fails in its constructor (TypeError: it takes basename of a generator); its
    reading code (__getitem__, _fetch_meta) is used on an instance built around the constructor."""
    from got10k.datasets import LaSOT

    root = lasot_root(train_root, tmp_path / "lasot")
    with pytest.raises(TypeError):
        LaSOT(str(root), subset="test")
    theirs = LaSOT.__new__(LaSOT)
    theirs.seq_names, theirs.return_meta = ["airplane-1"], True
    theirs.seq_dirs = [str(root / "airplane" / "airplane-1" / "img")]
    theirs.anno_files = [str(root / "airplane" / "airplane-1" / "groundtruth.txt")]
    frames, anno, meta = theirs[0]
    ours = read_sequences(str(root), "lasot")[0]
    absent = (meta["full_occlusion"] == 1) | (meta["out_of_view"] == 1)
    assert ours.frames == frames and ours.name == "airplane-1" and ours.object_class == "airplane"
    np.testing.assert_array_equal(~ours.visible, absent)
    np.testing.assert_allclose(ours.boxes[~absent], anno[~absent])
    assert ours.absent_lines == 3
    from siamfc_plugin.training.video_sources import lasot_tracks

    track = lasot_tracks(str(root))[0]
    assert track.frames == ours.frames and np.array_equal(track.visible, ours.visible)


def test_lasot_unflagged_box_without_area_is_refused(train_root, tmp_path):
    root = lasot_root(train_root, tmp_path / "lasot")
    gt = root / "airplane" / "airplane-1" / "groundtruth.txt"
    rows = lines_of(gt)
    rows[2] = "10,10,0,5"
    write_lines(gt, rows)
    with pytest.raises(AnnotationError, match=rf"{gt}:3: the box has no area .*full_occlusion\.txt or out_of_view"):
        read_sequences(str(root), "lasot")
