"""Still-image annotation readers: COCO JSON, YOLO txt and Pascal VOC XML, each as the dataset ships it.

Every reader returns AnnotatedImages: an image path, a key that identifies the image across datasets (so the same
COCO photo shipped by two repositories is used once), and its objects as (x, y, w, h) in 0-based pixels plus a
class name. Video layouts (GOT-10k, ImageNet VID) are read by `sources.py`.
"""
from __future__ import annotations

import glob
import json
import logging
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..common.errors import InputError

log = logging.getLogger(__name__)

# COCO file names carry the image id: 000000397133.jpg, coco128_train2017_000000000009.jpg, ...
_COCO_ID = re.compile(r"(?:^|_)(\d{12})\.jpe?g$", re.IGNORECASE)


# The 80 COCO detection classes in YOLO index order: exports that name classes by index ("coco_0", or a YOLO class
# number) are mapped back to names, so a person is a "person" in every source (semantic negatives match on it).
COCO80 = ("person bicycle car motorcycle airplane bus train truck boat traffic_light fire_hydrant stop_sign "
          "parking_meter bench bird cat dog horse sheep cow elephant bear zebra giraffe backpack umbrella handbag tie "
          "suitcase frisbee skis snowboard sports_ball kite baseball_bat baseball_glove skateboard surfboard "
          "tennis_racket bottle wine_glass cup fork knife spoon bowl banana apple sandwich orange broccoli carrot "
          "hot_dog pizza donut cake chair couch potted_plant bed dining_table toilet tv laptop mouse remote keyboard "
          "cell_phone microwave oven toaster sink refrigerator book clock vase scissors teddy_bear hair_drier "
          "toothbrush").split()


def class_name(raw: str) -> str:
    """One spelling per class: lower case, spaces as '_', COCO index names ("coco_0") as the COCO name."""
    name = str(raw).strip().lower().replace(" ", "_")
    match = re.fullmatch(r"coco_(\d+)", name)
    if match and int(match.group(1)) < len(COCO80):
        return COCO80[int(match.group(1))]
    return name


@dataclass
class AnnotatedObject:
    box: np.ndarray  # x, y, w, h; 0-based pixels
    object_class: str
    crowd: bool = False


@dataclass
class AnnotatedImage:
    path: str
    key: str  # identity across datasets: "coco:<image id>" for COCO photos, else "<dataset>:<file name>"
    width: int
    height: int
    objects: list[AnnotatedObject] = field(default_factory=list)


def image_key(file_name: str, dataset: str) -> str:
    match = _COCO_ID.search(os.path.basename(file_name))
    return f"coco:{int(match.group(1))}" if match else f"{dataset}:{os.path.basename(file_name)}"


def read_coco_json(annotations: str, images: str, dataset: str = "coco") -> list[AnnotatedImage]:
    """A COCO detection file (`images`, `annotations` with bbox x,y,w,h, `categories`); images under `images`."""
    with open(annotations) as handle:
        data = json.load(handle)
    if "annotations" not in data or "categories" not in data:
        raise InputError(f"{annotations} is not a COCO detection file (no 'annotations' or 'categories')")
    classes = {c["id"]: c["name"] for c in data["categories"]}
    out: dict[int, AnnotatedImage] = {}
    exported = _roboflow_names(images)
    for image in data["images"]:
        path = os.path.join(images, image["file_name"])
        if not os.path.isfile(path):
            path = os.path.join(images, exported.get(_roboflow_stem(image["file_name"]), image["file_name"]))
        out[image["id"]] = AnnotatedImage(path,
                                          image_key(image["file_name"], dataset),
                                          int(image["width"]), int(image["height"]))
    for ann in data["annotations"]:
        image = out.get(ann["image_id"])
        if image is None:
            continue
        image.objects.append(AnnotatedObject(np.array(ann["bbox"], dtype=np.float64),
                                             class_name(classes.get(ann["category_id"], ann["category_id"])),
                                             bool(ann.get("iscrowd", 0))))
    return [img for _, img in sorted(out.items()) if img.objects]


def _roboflow_stem(file_name: str) -> str:
    return file_name.split(".rf.")[0]


def _roboflow_names(folder: str) -> dict[str, str]:
    """Roboflow exports name a photo `<stem>_jpg.rf.<hash>.jpg`, and the hash of the file on disk can differ from
    the one in the JSON (the same photo exported twice; sizes and boxes agree). Index the folder by stem so such a
    JSON still finds its photos."""
    if not os.path.isdir(folder):
        return {}
    return {_roboflow_stem(name): name for name in sorted(os.listdir(folder)) if ".rf." in name}


def read_yolo(images: str, labels: str, class_names: list[str], dataset: str = "yolo") -> list[AnnotatedImage]:
    """YOLO txt: one `<labels>/<stem>.txt` per `<images>/<stem>.jpg`, lines `class cx cy w h`, normalised to 0-1.

    The image size, needed to undo the normalisation, comes from decoding the image.
    """
    out = []
    for label_path in sorted(glob.glob(os.path.join(labels, "*.txt"))):
        stem = os.path.splitext(os.path.basename(label_path))[0]
        candidates = [os.path.join(images, stem + ext) for ext in (".jpg", ".jpeg", ".png", ".JPG")]
        image_path = next((p for p in candidates if os.path.isfile(p)), None)
        if image_path is None:
            log.warning("YOLO label %s has no image in %s; skipped", label_path, images)
            continue
        width, height = _image_size(image_path)
        image = AnnotatedImage(image_path, image_key(image_path, dataset), width, height)
        with open(label_path) as handle:
            for number, line in enumerate(handle, 1):
                parts = line.split()
                if not parts:
                    continue
                try:
                    cls, cx, cy, w, h = int(parts[0]), *(float(v) for v in parts[1:5])
                except (ValueError, IndexError):
                    log.warning("%s:%d: not a YOLO box line; skipped", label_path, number)
                    continue
                name = class_name(class_names[cls]) if 0 <= cls < len(class_names) else f"class-{cls}"
                box = np.array([(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height])
                image.objects.append(AnnotatedObject(box, name))
        if image.objects:
            out.append(image)
    return out


def read_voc(annotations: str, images: str, dataset: str = "voc") -> list[AnnotatedImage]:
    """Pascal VOC XML: one file per image with <size> and <object><name>, <bndbox> xmin..ymax (1-based pixels)."""
    out = []
    for xml_path in sorted(glob.glob(os.path.join(annotations, "*.xml"))):
        try:
            root = ET.parse(xml_path).getroot()
        except ET.ParseError:
            log.warning("skipping unreadable VOC annotation %s", xml_path)
            continue
        file_name = root.findtext("filename") or os.path.splitext(os.path.basename(xml_path))[0] + ".jpg"
        path = os.path.join(images, file_name)
        width, height = int(float(root.findtext("size/width", "0"))), int(float(root.findtext("size/height", "0")))
        if width <= 0 or height <= 0:
            width, height = _image_size(path)
        image = AnnotatedImage(path, image_key(file_name, dataset), width, height)
        for obj in root.findall("object"):
            box = obj.find("bndbox")
            x0, y0 = float(box.findtext("xmin")) - 1, float(box.findtext("ymin")) - 1
            x1, y1 = float(box.findtext("xmax")), float(box.findtext("ymax"))
            box = np.array([x0, y0, x1 - x0, y1 - y0])
            image.objects.append(AnnotatedObject(box, class_name(obj.findtext("name", "?"))))
        if image.objects:
            out.append(image)
    return out


def _image_size(path: str) -> tuple[int, int]:
    """(width, height) of an image file."""
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise InputError(f"cannot read image {path}")
    return image.shape[1], image.shape[0]
