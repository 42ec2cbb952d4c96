"""The one exception type of the data side.

Every problem with a file on disk (missing, unreadable, inconsistent with its
partner file, label values outside the class set, malformed XML) raises
:class:`DataError` with a one-line message that names the file.
"""


class DataError(ValueError):
    """A dataset file is missing, unreadable or inconsistent.

    The message is a single line that names the offending file and says what is
    wrong with it, e.g. ``"mask data/ipsc/roi_1_2_3_4/masks/image146.png is
    64x80 but its image is 64x96"``.
    """
