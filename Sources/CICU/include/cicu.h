// CICU: the only place charlm touches ICU. The public interface uses stdint types only, so it
// never meets the private ICU that Foundation carries on Linux (see DESIGN.md).
#ifndef CHARLM_CICU_H
#define CHARLM_CICU_H
#include <stdint.h>

/// The ICU version string, e.g. "72.1", written into `buffer` (NUL-terminated).
void cicu_version(char *buffer, int32_t capacity);

#endif
