"""One job, one core: every native library the engine calls runs single-threaded.

The service scales by running more workers, one job each; a library that spreads one job over every
core only adds spin-waiting and oversubscription (on two cores, OpenCV, libvips and the AVIF decoder
left at their defaults burned ~1.6x the CPU of one thread for no shorter wall time). Importing this
module applies the policy; the engine's package imports it first.
"""

from __future__ import annotations

import cv2
import pyvips
from PIL import AvifImagePlugin

cv2.setNumThreads(1)
pyvips.concurrency_set(1)
AvifImagePlugin.DEFAULT_MAX_THREADS = 1  # encode and decode (0 would mean one per core)
