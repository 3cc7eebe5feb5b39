"""The garbage collector of a long-running process, set once the process has started.

CPython's cycle collector walks every object of the generations it collects. A started server
holds several hundred thousand objects that live as long as it does (modules, classes, the
compiled routes and schemas), and a full collection walked them all. The default thresholds
also collect the young generation every 700 net allocations, so the few thousand dicts a
batch of events keeps alive were walked again and again before the batch ended. Together
that was a fifth of the exposure applier's time and a twentieth of the server's.
"""

from __future__ import annotations

import gc

#: Net allocations of container objects between collections of the youngest generation
#: (CPython's default is 700), then how many of those per collection of the middle one (10),
#: and of the middle one per full collection (10). Reference counting still frees most
#: garbage at once; these only delay finding reference cycles.
THRESHOLDS = (50_000, 20, 20)


def settle_heap() -> None:
    """Take what is alive now out of every later collection, and collect less often.

    Call it once a long-running process has imported and built what it keeps (a server once
    its app exists, the exposure applier as it starts). Objects alive at that moment are moved to
    the collector's permanent generation (:func:`gc.freeze`): never walked again, and freed
    only by reference counting.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
