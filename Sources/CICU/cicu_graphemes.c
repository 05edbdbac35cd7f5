// Grapheme clusters: ICU's character break iterator on a UText over UTF-8, behind a fast path
// for the pairs of code points where no rule can join them.
//
// Between two code points that are both "simple" (below) UAX #29 always breaks: each has
// Grapheme_Cluster_Break Other, LF or Control (CR excluded: CR × LF), none is Extend, ZWJ,
// SpacingMark, Prepend, a Hangul jamo or syllable, a regional indicator or
// Extended_Pictographic, so no rule GB3 … GB13 applies. Such a boundary is also a safe place to
// restart ICU: no rule looks across it. So the segmenter emits simple–simple boundaries itself
// and hands ICU only the spans between two of them, which is where the rules have work to do.
// English and Chinese text are almost all simple pairs; ICU's rule engine ran at ~10 MB/s.
#include "cicu.h"
#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

enum {
  kDefaultWindow = 1 << 23,
  kMaxWindow = 1 << 30,  // ubrk offsets are int32_t
};

struct cicu_graphemes {
  UBreakIterator *breaks;
  UText *text;
  const uint8_t *bytes;
  int64_t length;
  int64_t window;  // the longest span ICU sees at once
  int fast;        // whether simple pairs bypass ICU
  // The span ICU is working on: [span_start, span_end), empty when span_end <= position.
  // `definite`: span_end is a known boundary (a simple pair or the end of the text); otherwise
  // the span was cut at the window and its end says nothing.
  int64_t span_start;
  int64_t span_end;
  int definite;
  int64_t position;  // the last boundary reported (absolute); 0 at the start
};

/// Bytes in the UTF-8 sequence that starts with `lead`.
static inline int64_t sequence_length(uint8_t lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

/// Whether the code point at byte offset `i` is simple: ASCII except CR, CJK unified
/// ideographs U+4E00–U+9FFF, CJK symbols U+3000–U+3029 (U+302A–U+302F are combining marks) and
/// fullwidth forms U+FF01–U+FF5E (U+FF9E–U+FF9F are combining).
static inline int is_simple(const uint8_t *bytes, int64_t i, int64_t length) {
  uint8_t lead = bytes[i];
  if (lead < 0x80) return lead != 0x0D;
  if ((lead & 0xF0) != 0xE0 || i + 2 >= length) return 0;
  uint32_t cp = ((uint32_t)(lead & 0x0F) << 12) | ((uint32_t)(bytes[i + 1] & 0x3F) << 6) |
                (uint32_t)(bytes[i + 2] & 0x3F);
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3000 && cp <= 0x3029) ||
         (cp >= 0xFF01 && cp <= 0xFF5E);
}

/// Hands ICU the span that starts at the boundary `start`: up to the next simple pair after
/// it, or at most a window (ending on a code point start).
static int open_span(cicu_graphemes *g, int64_t start, UErrorCode *status) {
  int64_t limit = start + g->window;
  if (limit > g->length) limit = g->length;
  int64_t end = start + sequence_length(g->bytes[start]);
  int found = 0;
  if (g->fast) {
    int previous = is_simple(g->bytes, start, g->length);
    while (end < limit) {
      int current = is_simple(g->bytes, end, g->length);
      if (previous && current) {
        found = 1;
        break;
      }
      previous = current;
      end += sequence_length(g->bytes[end]);
    }
  } else {
    end = limit;
  }
  if (end >= g->length) {
    end = g->length;
    found = 1;
  } else if (!found) {
    end = limit;
    while (end > start + 1 && (g->bytes[end] & 0xC0) == 0x80) end--;
  }
  g->span_start = start;
  g->span_end = end;
  g->definite = found;
  g->text = utext_openUTF8(g->text, (const char *)(g->bytes + start), end - start, status);
  if (U_FAILURE(*status)) return 0;
  ubrk_setUText(g->breaks, g->text, status);
  if (U_FAILURE(*status)) return 0;
  ubrk_first(g->breaks);
  return 1;
}

cicu_graphemes *cicu_graphemes_open(const uint8_t *utf8, int64_t length, int64_t window,
                                    int32_t fast, int32_t *status) {
  UErrorCode error = U_ZERO_ERROR;
  cicu_graphemes *g = calloc(1, sizeof(cicu_graphemes));
  if (g == NULL) {
    *status = U_MEMORY_ALLOCATION_ERROR;
    return NULL;
  }
  g->bytes = utf8;
  g->length = length < 0 ? 0 : length;
  g->window = window <= 0 ? kDefaultWindow : window > kMaxWindow ? kMaxWindow : window;
  g->fast = fast != 0;
  g->breaks = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &error);
  if (U_FAILURE(error)) {
    cicu_graphemes_close(g);
    *status = (int32_t)error;
    return NULL;
  }
  *status = 0;
  return g;
}

int64_t cicu_graphemes_next(cicu_graphemes *g, int64_t *ends, int64_t capacity) {
  int64_t count = 0;
  while (count < capacity && g->position < g->length) {
    int64_t position = g->position;
    if (position < g->span_end) {
      int32_t boundary = ubrk_next(g->breaks);
      int64_t end = boundary == UBRK_DONE ? g->span_end : g->span_start + boundary;
      if (end == g->span_end && !g->definite) {
        // The window's end is not a real boundary: ICU saw no text after it. Restart from the
        // last boundary found inside the span (rules look at most one code point ahead, so
        // every boundary before the window end is final). If the span held no boundary at all
        // (one cluster longer than a window), cut it here.
        if (position <= g->span_start) {
          ends[count++] = end;
          g->position = end;
        }
        g->span_end = g->position;  // closed: the next round opens a span from the position
        continue;
      }
      ends[count++] = end;
      g->position = end;
      continue;
    }
    if (g->fast) {
      // ASCII runs, the common case, in a tight loop: a boundary after every byte but CR.
      const uint8_t *b = g->bytes;
      while (count < capacity && position + 1 < g->length && b[position] < 0x80 &&
             b[position] != 0x0D && b[position + 1] < 0x80) {
        ends[count++] = ++position;
      }
      g->position = position;
      if (count == capacity) break;
    }
    int64_t next = position + sequence_length(g->bytes[position]);
    if (next >= g->length) {
      ends[count++] = g->length;
      g->position = g->length;
      break;
    }
    if (g->fast && is_simple(g->bytes, position, g->length) && is_simple(g->bytes, next, g->length)) {
      ends[count++] = next;
      g->position = next;
      continue;
    }
    UErrorCode error = U_ZERO_ERROR;
    if (!open_span(g, position, &error)) {
      // ICU failed on a text it accepted at open (not seen): end as one cluster, never lose text.
      ends[count++] = g->length;
      g->position = g->length;
      break;
    }
  }
  return count;
}

void cicu_graphemes_close(cicu_graphemes *g) {
  if (g == NULL) return;
  if (g->breaks != NULL) ubrk_close(g->breaks);
  if (g->text != NULL) utext_close(g->text);
  free(g);
}
