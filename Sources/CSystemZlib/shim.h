// The system zlib (Debian: zlib1g-dev), for the feed readers' gzip and ZIP decompression.
#include <zlib.h>
