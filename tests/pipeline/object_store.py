"""A Beam FileSystem for ``teststore://<absolute path>`` URLs, backed by local files.

It stands in for an object store (gs://, s3://) in tests: like one, it has no folders (a
listing is every file under a prefix) and its paths are URLs, so code that quietly assumes
local paths (``Path(url)`` folds ``//``, ``open(url)`` fails) breaks on it. Beam discovers
FileSystem subclasses by scheme once this module is imported.
"""

from __future__ import annotations

import os
import shutil

from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.localfilesystem import LocalFileSystem

PREFIX = "teststore://"


def _local(path: str) -> str:
    return path[len(PREFIX) :] if path.startswith(PREFIX) else path


def _url(path: str) -> str:
    return path if path.startswith(PREFIX) else PREFIX + path


class TestStoreFileSystem(LocalFileSystem):
    __test__ = False  # not a pytest class

    @classmethod
    def scheme(cls) -> str:
        return "teststore"

    def has_dirs(self) -> bool:
        return False

    def join(self, basepath, *paths):
        return _url(os.path.join(_local(basepath), *paths))

    def split(self, path):
        head, tail = os.path.split(_local(path))
        return _url(head), tail

    def mkdirs(self, path):
        os.makedirs(_local(path), exist_ok=True)

    def _list(self, dir_or_prefix):
        local = _local(dir_or_prefix)
        root = local if os.path.isdir(local) else os.path.dirname(local)
        for dirpath, _, files in os.walk(root):
            for name in files:
                path = os.path.join(dirpath, name)
                if path.startswith(local):
                    yield FileMetadata(_url(path), os.path.getsize(path), os.path.getmtime(path))

    def create(self, path, *args, **kwargs):
        return super().create(_local(path), *args, **kwargs)

    def open(self, path, *args, **kwargs):
        return super().open(_local(path), *args, **kwargs)

    def copy(self, sources, destinations):
        return super().copy([_local(p) for p in sources], [_local(p) for p in destinations])

    def rename(self, sources, destinations):
        return super().rename([_local(p) for p in sources], [_local(p) for p in destinations])

    def exists(self, path):
        return super().exists(_local(path))

    def size(self, path):
        return super().size(_local(path))

    def last_updated(self, path):
        return super().last_updated(_local(path))

    def checksum(self, path):
        return super().checksum(_local(path))

    def metadata(self, path):
        m = super().metadata(_local(path))
        return FileMetadata(_url(m.path), m.size_in_bytes, m.last_updated_in_seconds)

    def delete(self, paths):
        # Like gs://: a path ending in "/" deletes every object under that prefix.
        for path in paths:
            local = _local(path).rstrip("/")
            if os.path.isdir(local):
                shutil.rmtree(local)
            else:
                os.remove(local)
