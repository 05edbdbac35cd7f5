#include "cicu.h"
#include <stdlib.h>
#include <unicode/utypes.h>
#include <unicode/uversion.h>

void cicu_version(char *buffer, int32_t capacity) {
  UVersionInfo info;
  u_getVersion(info);
  char text[U_MAX_VERSION_STRING_LENGTH];
  u_versionToString(info, text);
  int32_t i = 0;
  for (; i + 1 < capacity && text[i] != 0; i++) buffer[i] = text[i];
  if (capacity > 0) buffer[i] = 0;
}

void cicu_free(void *pointer) { free(pointer); }

const char *cicu_error_name(int32_t code) { return u_errorName((UErrorCode)code); }
