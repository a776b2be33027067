"""aiortc.contrib: the helpers aiortc ships beside its API, ``.media`` and ``.signaling``."""
