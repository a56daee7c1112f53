"""Dataset curation (`siamfc curate`), its annotation readers, and semantic negative pairs.

The layouts are written by the tests themselves (images with drawn squares at known places), so every reader and
the crop geometry are checked against a known answer."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from siamfc_plugin.common.errors import ConfigError
from siamfc_plugin.data.annotations import class_name, read_coco_json, read_voc, read_yolo
from siamfc_plugin.training.curate import CropSpec, CurateSource, curate
from siamfc_plugin.training.pairs import PairConfig, PairSampler
from siamfc_plugin.training.sources import SourceSpec, load_source, vid_tracks

# Two photos, each with objects drawn as filled squares: (x, y, w, h, colour BGR, class)
PHOTOS = {
    "000000000042.jpg": (640, 480, [(100, 120, 80, 60, (0, 0, 255), "person"), (400, 200, 90, 90, (255, 0, 0), "dog"),
                                    (10, 10, 6, 6, (0, 255, 0), "person")]),  # too small: dropped
    "000000000077.jpg": (500, 400, [(200, 150, 70, 100, (0, 255, 255), "person")]),
}


def _draw(folder, name, width, height, objects):
    image = np.full((height, width, 3), 90, np.uint8)
    for x, y, w, h, colour, _ in objects:
        image[y:y + h, x:x + w] = colour
    cv2.imwrite(os.path.join(folder, name), image, [cv2.IMWRITE_JPEG_QUALITY, 98])


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    for name, (w, h, objects) in PHOTOS.items():
        _draw(str(folder), name, w, h, objects)
    return folder


def _write_coco(tmp_path, folder):
    classes = ["person", "dog"]
    data = {"images": [], "annotations": [], "categories": [{"id": i + 1, "name": c} for i, c in enumerate(classes)]}
    for image_id, (name, (w, h, objects)) in enumerate(PHOTOS.items(), 1):
        data["images"].append({"id": image_id, "file_name": name, "width": w, "height": h})
        for x, y, bw, bh, _, cls in objects:
            data["annotations"].append({"id": len(data["annotations"]) + 1, "image_id": image_id, "iscrowd": 0,
                                        "bbox": [x, y, bw, bh], "category_id": classes.index(cls) + 1})
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(data))
    return path


def _expected():
    return [(name, cls, (x, y, w, h)) for name, (_, _, objects) in PHOTOS.items() for x, y, w, h, _, cls in objects]


def _check_images(images):
    expected = _expected()
    assert sorted(os.path.basename(i.path) for i in images) == sorted(PHOTOS)
    for image in images:
        width, height, _ = PHOTOS[os.path.basename(image.path)]
        assert (image.width, image.height) == (width, height)
        assert image.key == f"coco:{int(os.path.basename(image.path)[:12])}"
        for obj in image.objects:
            want = [v for n, c, v in expected if n == os.path.basename(image.path) and c == obj.object_class]
            assert any(np.allclose(obj.box, w, atol=0.51) for w in want), (obj.box, want)


def test_coco_json_reader(tmp_path, photos):
    _check_images(read_coco_json(str(_write_coco(tmp_path, photos)), str(photos)))


def test_yolo_reader(tmp_path, photos):
    labels = tmp_path / "labels"
    labels.mkdir()
    classes = ["person", "dog"]
    for name, (w, h, objects) in PHOTOS.items():
        lines = [f"{classes.index(c)} {(x + bw / 2) / w} {(y + bh / 2) / h} {bw / w} {bh / h}" for x, y, bw, bh, _, c
                 in objects]
        (labels / (name[:-4] + ".txt")).write_text("\n".join(lines + ["not a box line"]) + "\n")
    _check_images(read_yolo(str(photos), str(labels), classes))


def test_voc_reader(tmp_path, photos):
    annotations = tmp_path / "voc"
    annotations.mkdir()
    for name, (w, h, objects) in PHOTOS.items():
        boxes = "".join(f"<object><name>{c}</name><bndbox><xmin>{x + 1}</xmin><ymin>{y + 1}</ymin>"
                        f"<xmax>{x + bw}</xmax><ymax>{y + bh}</ymax></bndbox></object>"
                        for x, y, bw, bh, _, c in objects)
        (annotations / (name[:-4] + ".xml")).write_text(
            f"<annotation><filename>{name}</filename><size><width>{w}</width><height>{h}</height></size>"
            f"{boxes}</annotation>")
    _check_images(read_voc(str(annotations), str(photos)))


def test_vid_reader_applies_the_paper_curation(tmp_path):
    """ImageNet VID XML: a lizard (excluded class) and a bird whose box touches the image edge in one frame."""
    ann = tmp_path / "Annotations" / "VID" / "train" / "snip"
    data = tmp_path / "Data" / "VID" / "train" / "snip"
    ann.mkdir(parents=True)
    data.mkdir(parents=True)
    for k in range(3):
        x0 = 0 if k == 2 else 100  # frame 2: at the image edge
        objects = (f"<object><trackid>0</trackid><name>n01503061</name><bndbox><xmin>{x0}</xmin><xmax>{x0 + 99}</xmax>"
                   f"<ymin>100</ymin><ymax>199</ymax></bndbox></object>"
                   "<object><trackid>1</trackid><name>n01674464</name><bndbox><xmin>300</xmin><xmax>399</xmax>"
                   "<ymin>100</ymin><ymax>199</ymax></bndbox></object>")
        (ann / f"{k:06d}.xml").write_text(f"<annotation><size><width>640</width><height>480</height></size>"
                                          f"{objects}</annotation>")
        cv2.imwrite(str(data / f"{k:06d}.JPEG"), np.zeros((480, 640, 3), np.uint8))
    tracks = vid_tracks(str(tmp_path))
    assert len(tracks) == 1 and len(tracks[0]) == 2  # lizard dropped; the edge frame dropped
    assert tracks[0].object_class == "n01503061" and np.allclose(tracks[0].boxes[0], [100, 100, 100, 100])


def test_class_names_have_one_spelling():
    assert class_name("Person") == "person" == class_name("coco_0") == class_name(" person ")
    assert class_name("coco_45") == "bowl" and class_name("traffic light") == "traffic_light"


def _digest(folder):
    digest = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(folder)):
        dirs.sort()
        for name in sorted(files):
            digest.update(name.encode())
            with open(os.path.join(root, name), "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()


def test_curation_puts_each_object_on_its_box_and_is_deterministic(tmp_path, photos):
    coco = _write_coco(tmp_path, photos)
    source = CurateSource("photos", "coco", annotations=[str(coco)], images=[str(photos)])
    spec = CropSpec(search_size=255, margin=16, quality=95)
    summary = curate([source], str(tmp_path / "a"), spec)
    assert summary["tracks"] == 3 and summary["sources"]["photos"]["objects_too_small_or_large"] == 1
    tracks = load_source(SourceSpec("got10k", str(tmp_path / "a")))
    assert {t.object_class for t in tracks} == {"person", "dog"}
    for track in tracks:
        crop = cv2.imread(track.frames[0])
        assert crop.shape[:2] == (spec.side, spec.side)
        x, y, w, h = track.boxes[0]
        inside = crop[int(y + 0.2 * h):int(y + 0.8 * h), int(x + 0.2 * w):int(x + 0.8 * w)].reshape(-1, 3)
        name = f"{int(track.group.split(':')[1]):012d}.jpg"
        colour = PHOTOS[name][2][int(track.name.rsplit("-", 1)[1])][4]  # folder names end in the object's index
        assert np.abs(inside.mean(0) - colour).max() < 20  # the object's own square lies on its box
        assert inside.std(0).max() < 12  # one square fills the box: nothing else is there
        ring = crop[int(y + h + 3):int(y + h + 6), int(x):int(x + w)].reshape(-1, 3)  # just below the box: background
        assert np.abs(ring.mean(0) - 90).max() < 20
        side = np.sqrt((w + (w + h) / 2) * (h + (w + h) / 2)) * 255 / 127  # the search region is 255 crop pixels
        assert side == pytest.approx(255, abs=0.6)
    # the same input gives the same bytes; a second run over a finished folder writes nothing new
    curate([source], str(tmp_path / "b"), spec)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    before = os.path.getmtime(tmp_path / "a" / "list.txt")
    curate([source], str(tmp_path / "a"), spec)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") and os.path.getmtime(tmp_path / "a" / "list.txt") >= before
    with pytest.raises(ConfigError, match="other crop settings"):
        curate([source], str(tmp_path / "a"), CropSpec(search_size=200))


def test_curation_resumes_after_an_interruption(tmp_path, photos):
    coco = _write_coco(tmp_path, photos)
    source = CurateSource("photos", "coco", annotations=[str(coco)], images=[str(photos)])
    curate([source], str(tmp_path / "full"))
    partial = tmp_path / "partial"
    curate([source], str(partial))
    (partial / "list.txt").unlink()
    victim = sorted(p for p in os.listdir(partial) if p.startswith("photos-"))[0]
    os.rename(partial / victim, partial / f".partial-{victim}")  # as if killed while writing it
    curate([source], str(partial))
    assert sorted(os.listdir(partial)) == sorted(os.listdir(tmp_path / "full"))  # the half-written folder is gone
    assert _digest(partial) == _digest(tmp_path / "full")


def test_curate_command_line(tmp_path, photos):
    coco = _write_coco(tmp_path, photos)
    config = tmp_path / "curate.toml"
    config.write_text(f'[crop]\nmargin = 8\n[[sources]]\nname = "photos"\nkind = "coco"\n'
                      f'annotations = ["$PHOTO_ROOT/../instances.json"]\nimages = ["$PHOTO_ROOT"]\n')
    env = dict(os.environ, PHOTO_ROOT=str(photos))
    run = subprocess.run([sys.executable, "-m", "siamfc_plugin", "curate", "--config", str(config), "--out",
                          str(tmp_path / "out"), "--workers", "2"], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1])["tracks"] == 3
    config.write_text('[[sources]]\nname = "photos"\nkind = "coco"\nannotations = ["$NOT_SET_ANYWHERE/x.json"]\n'
                      'images = ["x"]\n')
    run = subprocess.run([sys.executable, "-m", "siamfc_plugin", "curate", "--config", str(config), "--out",
                          str(tmp_path / "out2")], capture_output=True, text=True, env=env)
    assert run.returncode == 2 and "unset environment variable" in run.stderr


def test_semantic_negatives_come_from_the_same_class_and_another_image(tmp_path, photos):
    coco = _write_coco(tmp_path, photos)
    curate([CurateSource("photos", "coco", annotations=[str(coco)], images=[str(photos)])], str(tmp_path / "c"))
    tracks = load_source(SourceSpec("got10k", str(tmp_path / "c")))
    sampler = PairSampler([(tracks, 1.0)], PairConfig(negative_prob=1.0, semantic_negatives=1.0))
    person_42 = next(t for t in tracks if t.object_class == "person" and t.group == "coco:42")
    for seed in range(30):
        other = sampler.negative_for(person_42, np.random.default_rng(seed))
        assert other.object_class == "person" and other.group == "coco:77"
    dog = next(t for t in tracks if t.object_class == "dog")
    assert sampler.negative_for(dog, np.random.default_rng(0)) is None or \
        sampler.negative_for(dog, np.random.default_rng(0)).group != dog.group
    mixed = PairSampler([(tracks, 1.0)], PairConfig(negative_prob=1.0, semantic_negatives=0.0))
    groups = {mixed.negative_for(person_42, np.random.default_rng(s)).group for s in range(30)
              if mixed.negative_for(person_42, np.random.default_rng(s)) is not None}
    assert groups == {"coco:77"}  # never the exemplar's own image
