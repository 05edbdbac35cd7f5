// Grapheme clusters through ICU's character break iterator on a UText over UTF-8.
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
  int64_t window;
  int64_t window_start;  // absolute offset of the window ICU sees
  int64_t window_end;
  int64_t last;  // the last boundary reported (absolute)
  int done;
};

/// Points ICU at the window [start, start + window), ending it on a code point start.
static int set_window(cicu_graphemes *g, int64_t start, UErrorCode *status) {
  int64_t end = start + g->window;
  if (end >= g->length) {
    end = g->length;
  } else {
    while (end > start + 1 && (g->bytes[end] & 0xC0) == 0x80) end--;
  }
  g->window_start = start;
  g->window_end = end;
  g->text = utext_openUTF8(g->text, (const char *)(g->bytes + start), end - start, status);
  if (U_FAILURE(*status)) return 0;
  ubrk_setUText(g->breaks, g->text, status);
  if (U_FAILURE(*status)) return 0;
  ubrk_first(g->breaks);
  return 1;
}

cicu_graphemes *cicu_graphemes_open(const uint8_t *utf8, int64_t length, int64_t window,
                                    int32_t *status) {
  UErrorCode error = U_ZERO_ERROR;
  cicu_graphemes *g = calloc(1, sizeof(cicu_graphemes));
  if (g == NULL) {
    *status = U_MEMORY_ALLOCATION_ERROR;
    return NULL;
  }
  g->bytes = utf8;
  g->length = length;
  g->window = window <= 0 ? kDefaultWindow : window > kMaxWindow ? kMaxWindow : window;
  g->done = length <= 0;
  g->breaks = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &error);
  if (U_SUCCESS(error) && !g->done) set_window(g, 0, &error);
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
  while (count < capacity && !g->done) {
    int32_t boundary = ubrk_next(g->breaks);
    if (boundary == UBRK_DONE) {  // only reachable for an empty window; end defensively
      g->done = 1;
      break;
    }
    int64_t end = g->window_start + boundary;
    if (end == g->window_end && end < g->length) {
      // The window's end is not a real boundary: ICU saw no text after it. Restart from the last
      // boundary found inside the window (rules look at most one code point ahead, so every
      // boundary before the window end is final). If the window held no boundary at all (one
      // cluster longer than a window), cut it here.
      UErrorCode error = U_ZERO_ERROR;
      if (g->last <= g->window_start) {
        ends[count++] = end;
        g->last = end;
      }
      if (!set_window(g, g->last, &error)) {
        g->done = 1;
        break;
      }
      continue;
    }
    ends[count++] = end;
    g->last = end;
    if (end >= g->length) g->done = 1;
  }
  return count;
}

void cicu_graphemes_close(cicu_graphemes *g) {
  if (g == NULL) return;
  if (g->breaks != NULL) ubrk_close(g->breaks);
  if (g->text != NULL) utext_close(g->text);
  free(g);
}
