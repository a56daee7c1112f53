"""Where the running package lives, worked out once. In a checkout that is the repository root (beside trackers.ini
and workspace/); in an installed copy it is site-packages, which holds neither, and callers fall back accordingly."""
from __future__ import annotations

import os

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
