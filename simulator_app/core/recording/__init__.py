"""Browser recordings (HAR files) of a storefront running the Nitrox tracker.

:mod:`.har_reader` reads a HAR 1.2 file into a :class:`~.har_reader.Recording`
(the tracker's requests, visitor by visitor; everything else counted and left
out); :mod:`.importer` turns a recording into a scenario; :mod:`.judge` runs
the recorded requests through a receiver's checker; :mod:`.replay` plans the
recorded requests again, with fresh visitor IDs, for the sender.
"""
