// CICU: the only place charlm touches ICU. The public interface uses stdint types only, so it
// never meets the private ICU that Foundation carries on Linux (see DESIGN.md). Every ICU call
// lives in the .c files. All text is UTF-8 that the caller has already validated; offsets and
// lengths are in bytes.
#ifndef CHARLM_CICU_H
#define CHARLM_CICU_H
#include <stdint.h>

/// The ICU version string, e.g. "72.1", written into `buffer` (NUL-terminated).
void cicu_version(char *buffer, int32_t capacity);

/// The name of an ICU error code, e.g. "U_MISSING_RESOURCE_ERROR" (a static string).
const char *cicu_error_name(int32_t code);

// MARK: - NFC

/// Normalizes valid UTF-8 to NFC, UTF-8 to UTF-8, in chunks cut where normalization cannot
/// interact (ICU `unorm2_hasBoundaryBefore`), so memory stays proportional to one chunk plus the
/// output and time is linear.
/// - `chunk`: target chunk size in bytes; 0 chooses the default (64 KiB). Small values are for tests.
/// - On success returns 0 and sets `*out` to NULL when the text is already NFC (nothing to copy),
///   or to a buffer from `malloc` holding `*out_length` bytes that the caller frees with
///   `cicu_free`. On failure returns a positive ICU error code (`*out` is NULL).
int32_t cicu_nfc_utf8(const uint8_t *utf8, int64_t length, int64_t chunk, uint8_t **out,
                      int64_t *out_length);

/// Frees a buffer returned by `cicu_nfc_utf8`.
void cicu_free(void *pointer);

// MARK: - Grapheme clusters

/// An opaque grapheme-cluster segmenter over a caller-owned UTF-8 buffer (ICU character break
/// iterator on a UText over UTF-8, so boundaries are byte offsets and nothing is copied).
typedef struct cicu_graphemes cicu_graphemes;

/// Opens a segmenter over `utf8[0..<length]`, which must stay alive and unchanged until
/// `cicu_graphemes_close`. With `fast` non-zero, boundaries between two code points that no
/// rule can join (ASCII but CR, CJK ideographs and symbols, fullwidth forms) are found without
/// ICU, which sees only the spans between them; the boundaries are the same (tests compare).
/// ICU sees the text through windows of at most `window` bytes (0 chooses the default, 8 MiB;
/// ICU's break offsets are 32-bit); a window ends at the last boundary found inside it, so
/// clusters are never split at window edges. Returns NULL and sets `*status` to a positive ICU
/// error code on failure.
cicu_graphemes *cicu_graphemes_open(const uint8_t *utf8, int64_t length, int64_t window,
                                    int32_t fast, int32_t *status);

/// Writes up to `capacity` cluster end offsets (exclusive byte offsets from the start of the
/// text, increasing; the last one equals `length`) into `ends` and returns how many it wrote;
/// 0 means the text is exhausted.
int64_t cicu_graphemes_next(cicu_graphemes *segmenter, int64_t *ends, int64_t capacity);

/// Closes a segmenter (NULL is allowed).
void cicu_graphemes_close(cicu_graphemes *segmenter);

#endif
