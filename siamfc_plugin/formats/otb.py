"""OTB-2013 / OTB-100's own frame ranges, as data: which frame files each sequence folder holds and which frames its
ground-truth lines annotate.

Sources (read, not copied): the benchmark's configuration (jwlim/tracker_benchmark, matlab/util/
MakeSequenceConfigVer10.m: image range and ground-truth range per sequence, e.g. David img 1:770, ground truth
300:770), pytracking's OTBDataset (start and end frame and digits per sequence), got10k's OTB loader (David,
Football1, Freeman3, Freeman4, Diving sliced) and vot-toolkit's OTB loader (start/stop/zeros per sequence).

Columns: the sequence (folder) name; `frames`: the frame files the official folder holds; `annotated`: the frames
the ground-truth lines belong to, line 1 to the first of them (when absent: the same as `frames`); `digits` of the
file names (4 unless given); `targets`: folders with one ground-truth file per target (groundtruth_rect.<k>.txt;
`-k` is an empty file the benchmark ships, ignored).

Where the sources differ: pytracking starts Tiger1 at frame 6 (its initOmit 5); got10k, vot-toolkit and the OTB
paper (every frame annotated) use all 354 frames, and so does this table. Human4 ships an empty
groundtruth_rect.1.txt: got10k skips it and calls the sequence Human4 (pytracking and the benchmark: Human4-2); so
does this table.
"""
from __future__ import annotations

from dataclasses import dataclass

_TABLE = """
# name         frames      annotated   digits  targets
Basketball     1-725
Biker          1-142
Bird1          1-408
Bird2          1-99
BlurBody       1-334
BlurCar1       247-988
BlurCar2       1-585
BlurCar3       3-359
BlurCar4       18-397
BlurFace       1-493
BlurOwl        1-631
Board          1-698       -           5
Bolt           1-350
Bolt2          1-293
Box            1-1161
Boy            1-602
Car1           1-1020
Car2           1-913
Car24          1-3059
Car4           1-659
CarDark        1-393
CarScale       1-252
ClifBar        1-472
Coke           1-291
Couple         1-140
Coupon         1-327
Crossing       1-120
Crowds         1-347
Dancer         1-225
Dancer2        1-150
David          1-770       300-770
David2         1-537
David3         1-252
Deer           1-71
Diving         1-231       1-215
Dog            1-127
Dog1           1-1350
Doll           1-3872
DragonBaby     1-113
Dudek          1-1145
FaceOcc1       1-892
FaceOcc2       1-812
Fish           1-476
FleetFace      1-707
Football       1-362
Football1      1-81        1-74
Freeman1       1-326
Freeman3       1-474       1-460
Freeman4       1-297       1-283
Girl           1-500
Girl2          1-1500
Gym            1-767
Human2         1-1128
Human3         1-1698
Human4         1-667       -           4       -1,2
Human5         1-713
Human6         1-792
Human7         1-250
Human8         1-128
Human9         1-305
Ironman        1-166
Jogging        1-307       -           4       1,2
Jump           1-122
Jumping        1-313
KiteSurf       1-84
Lemming        1-1336
Liquor         1-1741
Man            1-134
Matrix         1-100
Mhyang         1-1490
MotorRolling   1-164
MountainBike   1-228
Panda          1-1000
RedTeam        1-1918
Rubik          1-1997
Shaking        1-365
Singer1        1-351
Singer2        1-366
Skater         1-160
Skater2        1-435
Skating1       1-400
Skating2       1-473       -           4       1,2
Skiing         1-81
Soccer         1-392
Subway         1-175
Surfer         1-376
Suv            1-945
Sylvester      1-1345
Tiger1         1-354
Tiger2         1-365
Toy            1-271
Trans          1-124
Trellis        1-569
Twinnings      1-472
Vase           1-271
Walking        1-412
Walking2       1-500
Woman          1-597
"""


@dataclass(frozen=True)
class OTBSequence:
    name: str
    frames: tuple[int, int]  # first and last frame file of the official folder
    annotated: tuple[int, int]  # the frames of ground-truth lines 1..N
    digits: int = 4
    targets: tuple[int, ...] = ()  # groundtruth_rect.<k>.txt files, one target each
    empty: tuple[int, ...] = ()  # groundtruth_rect.<k>.txt files the benchmark ships empty (ignored)

    @property
    def lines(self) -> int:
        return self.annotated[1] - self.annotated[0] + 1

    def frame_name(self, number: int) -> str:
        return f"{number:0{self.digits}d}.jpg"

    def describe(self) -> str:
        """The official pairing, in words (messages)."""
        first, last = self.annotated
        text = f"OTB's {self.name}: ground-truth lines 1-{self.lines} are frames {self.frame_name(first)}-" \
               f"{self.frame_name(last)}"
        if self.frames != self.annotated:
            text += f" (the folder holds {self.frame_name(self.frames[0])}-{self.frame_name(self.frames[1])})"
        return text


def _span(text: str) -> tuple[int, int]:
    first, last = text.split("-")
    return int(first), int(last)


def _parse(table: str) -> dict[str, OTBSequence]:
    out = {}
    for row in table.strip().splitlines():
        if row.startswith("#"):
            continue
        name, frames, *rest = row.split()
        annotated = rest[0] if rest and rest[0] != "-" else frames
        digits = int(rest[1]) if len(rest) > 1 else 4
        targets = [int(k) for k in rest[2].split(",")] if len(rest) > 2 else []
        out[name.lower()] = OTBSequence(name, _span(frames), _span(annotated), digits,
                                        tuple(k for k in targets if k > 0), tuple(-k for k in targets if k < 0))
    return out


OTB_SEQUENCES: dict[str, OTBSequence] = _parse(_TABLE)


def otb_sequence(name: str) -> OTBSequence | None:
    """The official entry of an OTB-2013/OTB-100 folder name (any case), or None."""
    return OTB_SEQUENCES.get(name.lower())
