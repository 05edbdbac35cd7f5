// NFC normalization of UTF-8 through ICU's unorm2 (which works on UTF-16), one chunk at a time.
#include "cicu.h"
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

enum {
  kDefaultChunk = 1 << 16,
  kMaxChunk = 1 << 28,  // UTF-16 lengths stay far inside int32_t
};

typedef struct {
  uint8_t *data;
  int64_t length;
  int64_t capacity;
} ByteBuffer;

static int reserve(ByteBuffer *buffer, int64_t extra) {
  if (buffer->length + extra <= buffer->capacity) return 1;
  int64_t capacity = buffer->capacity > 0 ? buffer->capacity : 4096;
  while (capacity < buffer->length + extra) capacity *= 2;
  uint8_t *data = realloc(buffer->data, (size_t)capacity);
  if (data == NULL) return 0;
  buffer->data = data;
  buffer->capacity = capacity;
  return 1;
}

static int append(ByteBuffer *buffer, const uint8_t *bytes, int64_t count) {
  if (count == 0) return 1;
  if (!reserve(buffer, count)) return 0;
  memcpy(buffer->data + buffer->length, bytes, (size_t)count);
  buffer->length += count;
  return 1;
}

static int reserve_units(UChar **units, int32_t *capacity, int32_t needed) {
  if (needed <= *capacity) return 1;
  UChar *grown = realloc(*units, (size_t)needed * sizeof(UChar));
  if (grown == NULL) return 0;
  *units = grown;
  *capacity = needed;
  return 1;
}

/// The code point starting at `text[i]` (valid UTF-8).
static UChar32 decode_at(const uint8_t *text, int64_t i) {
  uint8_t b0 = text[i];
  if (b0 < 0x80) return b0;
  if (b0 < 0xE0) return ((b0 & 0x1F) << 6) | (text[i + 1] & 0x3F);
  if (b0 < 0xF0) return ((b0 & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
  return ((b0 & 0x07) << 18) | ((text[i + 1] & 0x3F) << 12) | ((text[i + 2] & 0x3F) << 6) |
         (text[i + 3] & 0x3F);
}

static int is_cut(const UNormalizer2 *nfc, const uint8_t *text, int64_t i) {
  if ((text[i] & 0xC0) == 0x80) return 0;  // continuation byte: not a code point start
  return text[i] < 0x80 || unorm2_hasBoundaryBefore(nfc, decode_at(text, i));
}

/// The end of the chunk that starts at `start`: a code point before which NFC never looks back,
/// searched backwards from `start + chunk` down to half a chunk (so each chunk advances at least
/// chunk/2 and the scan stays linear), then forwards.
static int64_t chunk_end(const UNormalizer2 *nfc, const uint8_t *text, int64_t length,
                         int64_t start, int64_t chunk) {
  int64_t target = start + chunk;
  if (target >= length) return length;
  for (int64_t i = target; i > start + chunk / 2; i--)
    if (is_cut(nfc, text, i)) return i;
  int64_t limit = start + kMaxChunk;
  for (int64_t i = target + 1; i < length; i++) {
    if (is_cut(nfc, text, i)) return i;
    // A run of hundreds of MB without a boundary: cut at a code point start (NFC of such a run
    // is not exact; no real text does this).
    if (i >= limit && (text[i] & 0xC0) != 0x80) return i;
  }
  return length;
}

/// True when every code point of the range is below U+0300 (every byte < 0xCC): such text is
/// already NFC, since no code point below U+0300 reorders or composes with what precedes it.
static int below_u0300(const uint8_t *text, int64_t count) {
  for (int64_t i = 0; i < count; i++)
    if (text[i] >= 0xCC) return 0;
  return 1;
}

int32_t cicu_nfc_utf8(const uint8_t *utf8, int64_t length, int64_t chunk, uint8_t **out,
                      int64_t *out_length) {
  *out = NULL;
  *out_length = 0;
  if (chunk <= 0) chunk = kDefaultChunk;
  if (chunk > kMaxChunk) chunk = kMaxChunk;
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
  if (U_FAILURE(status)) return (int32_t)status;

  ByteBuffer result = {0};  // the output, started only once a chunk changes
  ByteBuffer scratch = {0};  // one normalized chunk, UTF-8
  UChar *source = NULL, *normalized = NULL;
  int32_t source_capacity = 0, normalized_capacity = 0;
  int changed = 0;
  int64_t start = 0;
  while (start < length) {
    int64_t end = chunk_end(nfc, utf8, length, start, chunk);
    int64_t count = end - start;
    if (below_u0300(utf8 + start, count)) {
      if (changed && !append(&result, utf8 + start, count)) goto out_of_memory;
      start = end;
      continue;
    }
    // UTF-8 → UTF-16: never more units than bytes.
    int32_t count8 = (int32_t)count, count16 = 0;
    if (!reserve_units(&source, &source_capacity, count8)) goto out_of_memory;
    status = U_ZERO_ERROR;
    u_strFromUTF8(source, source_capacity, &count16, (const char *)(utf8 + start), count8, &status);
    if (U_FAILURE(status)) goto failed;
    int32_t span = unorm2_spanQuickCheckYes(nfc, source, count16, &status);
    if (U_FAILURE(status)) goto failed;
    if (span == count16) {  // already NFC: keep the original bytes
      if (changed && !append(&result, utf8 + start, count)) goto out_of_memory;
      start = end;
      continue;
    }
    int32_t normalized_count = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
      int32_t wanted = attempt == 0 ? count16 + count16 / 2 + 16 : normalized_count;
      if (!reserve_units(&normalized, &normalized_capacity, wanted)) goto out_of_memory;
      status = U_ZERO_ERROR;
      normalized_count =
          unorm2_normalize(nfc, source, count16, normalized, normalized_capacity, &status);
      if (status != U_BUFFER_OVERFLOW_ERROR) break;
    }
    if (U_FAILURE(status)) goto failed;
    // UTF-16 → UTF-8: at most 3 bytes per unit.
    scratch.length = 0;
    if (!reserve(&scratch, (int64_t)normalized_count * 3)) goto out_of_memory;
    int32_t written = 0;
    status = U_ZERO_ERROR;
    u_strToUTF8((char *)scratch.data, (int32_t)scratch.capacity, &written, normalized,
                normalized_count, &status);
    if (U_FAILURE(status)) goto failed;
    scratch.length = written;
    if (!changed) {
      if (written == count && memcmp(scratch.data, utf8 + start, (size_t)count) == 0) {
        start = end;  // quick check said "maybe", but the chunk was NFC after all
        continue;
      }
      changed = 1;
      if (!append(&result, utf8, start)) goto out_of_memory;
    }
    if (!append(&result, scratch.data, scratch.length)) goto out_of_memory;
    start = end;
  }
  free(source);
  free(normalized);
  free(scratch.data);
  if (changed) {
    *out = result.data;
    *out_length = result.length;
  }
  return 0;

out_of_memory:
  status = U_MEMORY_ALLOCATION_ERROR;
failed:
  free(source);
  free(normalized);
  free(scratch.data);
  free(result.data);
  return (int32_t)status;
}
