"""Log formatting: UTC timestamps with an explicit zone (ASVS 16.2.2)."""

import logging
import time


class UTCFormatter(logging.Formatter):
    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"
