"""Search keys for millions of generated records: the services' helpers, called as rarely as possible.

The services compute a name's pinyin with :func:`guanxi.customers.services._name_keys` and a phone's
search digits with :func:`guanxi.framework.text.phone_search_keys`; both are far too slow to call
millions of times. These classes give the same results faster and fall back to the helpers whenever
they cannot be sure:

- :class:`NameKeys` memoizes whole names (people's names repeat) and builds the keys of a name made
  of parts (city, brand, trade, legal form) from the parts' keys. That is exact only when pypinyin's
  word segmentation of the whole name does not cross a part boundary (单于 reads "chanyu", not
  "danyu"): the segmentation is checked, and a name where a word spans two parts is converted whole.
- :class:`PhoneKeys` calls the helper on two numbers of each shape (first digits and length) and,
  when it gives the digits with and without the country code, slices the other numbers of that shape
  the same way.
"""

from __future__ import annotations

from itertools import accumulate

from pypinyin.seg.simpleseg import seg

from guanxi.customers.services import _name_keys as service_name_keys  # the exact keys the services store
from guanxi.framework.text import fold, phone_search_keys, pinyin_keys, tidy


class NameKeys:
    def __init__(self):
        self._whole: dict[str, tuple[str, str, str]] = {}
        self._parts: dict[str, tuple[str, str]] = {}

    def whole(self, name: str) -> tuple[str, str, str]:
        """(stored name, pinyin, initials) of a name that recurs, as the services store them."""
        found = self._whole.get(name)
        if found is None:
            stored = tidy(name)
            keys = service_name_keys(stored)
            found = self._whole[name] = (stored, keys["name_pinyin"], keys["name_initials"])
        return found

    def composed(self, parts: tuple[str, ...]) -> tuple[str, str, str]:
        """(stored name, pinyin, initials) of the name ``"".join(parts)``."""
        name = "".join(parts)
        if tidy(name) == name and fold(name) == name:
            words = set(accumulate(len(word) for word in seg(name)))
            if words.issuperset(accumulate(len(part) for part in parts)):
                keys = [self._part(part) for part in parts]
                full = "".join(k[0] for k in keys)
                if len(full) <= 100:  # shorter than any truncation the services apply
                    return name, full, "".join(k[1] for k in keys)
        stored = tidy(name)
        keys = service_name_keys(stored)
        return stored, keys["name_pinyin"], keys["name_initials"]

    def _part(self, part: str) -> tuple[str, str]:
        found = self._parts.get(part)
        if found is None:
            found = self._parts[part] = pinyin_keys(part)
        return found


class PhoneKeys:
    def __init__(self):
        self._sliceable: dict[tuple[str, int], bool] = {}

    def __call__(self, e164: str) -> str:
        shape = (e164[:6], len(e164))
        sliceable = self._sliceable.get(shape)
        if sliceable is None:
            samples = (e164, e164[:-4] + e164[-4:][::-1])
            sliceable = self._sliceable[shape] = all(phone_search_keys(s) == self._sliced(s) for s in samples)
        return self._sliced(e164) if sliceable else phone_search_keys(e164)

    @staticmethod
    def _sliced(e164: str) -> str:
        return f"{e164[1:]} {e164[3:]}"
