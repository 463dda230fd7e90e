"""Receive uploaded files without spooling more than a manual may hold to disk."""

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class SizeCappedUploadHandler(TemporaryFileUploadHandler):
    """Write each file to a temporary file until it passes MAX_UPLOAD_MB, then drop what follows.

    The file keeps its true size, so the upload service refuses it with the size in the reason,
    while the disk holds nothing of it: a 1 GB body no longer fills the temporary folder.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        was_within = self.received <= limit
        self.received += len(raw_data)
        if self.received <= limit:
            self.file.write(raw_data)
        elif was_within:
            self.file.truncate(0)
