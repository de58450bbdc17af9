/*
 * iter8/json_writer.h: a small JSON writer for plugins written in C (header-only, C11 and
 * C++17), for the text update_status takes (status patches) and for outputs.
 *
 *   iter8_json_writer w;
 *   iter8_json_writer_init(&w);
 *   iter8_json_begin_object(&w);
 *   iter8_json_key(&w, "message");
 *   iter8_json_string(&w, who);            (any UTF-8: quotes, control characters escaped)
 *   iter8_json_end_object(&w);
 *   const char* patch = iter8_json_writer_text(&w);   (NULL: out of memory or unbalanced)
 *   if (patch != NULL) status = host->update_status(host->host, patch, error, error_size);
 *   iter8_json_writer_free(&w);
 *
 * Strings are escaped as Go's encoding/json escapes them: `"` and `\` with a backslash, control
 * characters as \n, \r, \t or \u00XX, U+2028 and U+2029 as \u2028 and \u2029, and each byte
 * that is not part of valid UTF-8 as U+FFFD, so the text is always valid JSON in valid UTF-8.
 * A misuse (a value where a key is due, an end that closes nothing, NaN or infinity, more than
 * ITER8_JSON_MAX_DEPTH levels) marks the writer failed: every later call does nothing and
 * iter8_json_writer_text returns NULL, so one check at the end is enough.
 *
 * Every function is `static inline`: nothing here is exported from the plugin or crosses the
 * ABI; the writer's memory is the plugin's own (malloc/free).
 */
#ifndef ITER8_JSON_WRITER_H
#define ITER8_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ITER8_JSON_MAX_DEPTH 64

typedef struct iter8_json_writer {
  char* data;      /* NUL-terminated text so far; owned by the writer */
  size_t size;     /* bytes in data, without the NUL */
  size_t capacity; /* bytes allocated */
  int failed;      /* non-zero after out of memory or a misuse */
  int depth;       /* open containers */
  int done;        /* a complete top-level value has been written */
  /* per open container: 'o' object or 'a' array; whether it has a member yet; whether a key
   * was just written (objects only) */
  char kind[ITER8_JSON_MAX_DEPTH];
  char has_member[ITER8_JSON_MAX_DEPTH];
  char after_key[ITER8_JSON_MAX_DEPTH];
} iter8_json_writer;

static inline void iter8_json_writer_init(iter8_json_writer* w) {
  memset(w, 0, sizeof *w);
}

static inline void iter8_json_writer_free(iter8_json_writer* w) {
  free(w->data);
  iter8_json_writer_init(w);
}

/* The text written, NUL-terminated, owned by the writer (valid until the next call); NULL when
 * the writer failed or the value is not complete (a container left open, nothing written). */
static inline const char* iter8_json_writer_text(const iter8_json_writer* w) {
  if (w->failed || w->depth != 0 || !w->done) return NULL;
  return w->data;
}

static inline void iter8_json_append_(iter8_json_writer* w, const char* bytes, size_t n) {
  if (w->failed) return;
  if (w->size + n + 1 > w->capacity) {
    size_t capacity = w->capacity ? w->capacity : 64;
    while (capacity < w->size + n + 1) capacity *= 2;
    char* grown = (char*)realloc(w->data, capacity);
    if (grown == NULL) {
      w->failed = 1;
      return;
    }
    w->data = grown;
    w->capacity = capacity;
  }
  memcpy(w->data + w->size, bytes, n);
  w->size += n;
  w->data[w->size] = '\0';
}

/* Before a value: a comma between members, and the rules of where a value may go. */
static inline void iter8_json_before_value_(iter8_json_writer* w) {
  if (w->failed) return;
  if (w->depth == 0) {
    if (w->done) w->failed = 1; /* one top-level value only */
    return;
  }
  int top = w->depth - 1;
  if (w->kind[top] == 'o') {
    if (!w->after_key[top]) w->failed = 1; /* an object member needs its key first */
    w->after_key[top] = 0;
    return;
  }
  if (w->has_member[top]) iter8_json_append_(w, ",", 1);
  w->has_member[top] = 1;
}

/* After a scalar or a closed container: the top-level value may be complete. */
static inline void iter8_json_after_value_(iter8_json_writer* w) {
  if (w->depth == 0) w->done = 1;
}

/* Appends `n` bytes of `s` as the inside of a JSON string (no quotes), escaped. */
static inline void iter8_json_escape_(iter8_json_writer* w, const char* s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char* p = (const unsigned char*)s;
  size_t i = 0, start = 0;
  while (i < n) {
    unsigned char c = p[i];
    const char* escape = NULL;
    char unicode[7];
    size_t length = 1; /* bytes of the character at i, when it is valid UTF-8 */
    int valid = 1;
    if (c < 0x80) {
      if (c == '"')
        escape = "\\\"";
      else if (c == '\\')
        escape = "\\\\";
      else if (c == '\n')
        escape = "\\n";
      else if (c == '\r')
        escape = "\\r";
      else if (c == '\t')
        escape = "\\t";
      else if (c < 0x20) {
        unicode[0] = '\\';
        unicode[1] = 'u';
        unicode[2] = '0';
        unicode[3] = '0';
        unicode[4] = hex[c >> 4];
        unicode[5] = hex[c & 0xF];
        unicode[6] = '\0';
        escape = unicode;
      }
    } else {
      /* The shortest form only, no surrogates, nothing above U+10FFFF (RFC 3629). */
      uint32_t cp = 0, min = 0;
      if (c >= 0xC2 && c <= 0xDF)
        length = 2, cp = c & 0x1F, min = 0x80;
      else if (c >= 0xE0 && c <= 0xEF)
        length = 3, cp = c & 0x0F, min = 0x800;
      else if (c >= 0xF0 && c <= 0xF4)
        length = 4, cp = c & 0x07, min = 0x10000;
      else
        valid = 0;
      if (valid && i + length > n) valid = 0;
      for (size_t k = 1; valid && k < length; ++k) {
        if ((p[i + k] & 0xC0) != 0x80)
          valid = 0;
        else
          cp = (cp << 6) | (p[i + k] & 0x3F);
      }
      if (valid && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) valid = 0;
      if (!valid) {
        length = 1;
        escape = "\xEF\xBF\xBD"; /* U+FFFD for the one bad byte, as Go does */
      } else if (cp == 0x2028) {
        escape = "\\u2028";
      } else if (cp == 0x2029) {
        escape = "\\u2029";
      }
    }
    if (escape != NULL) {
      iter8_json_append_(w, s + start, i - start);
      iter8_json_append_(w, escape, strlen(escape));
      start = i + length;
    }
    i += length;
  }
  iter8_json_append_(w, s + start, n - start);
}

static inline void iter8_json_begin_(iter8_json_writer* w, char kind) {
  iter8_json_before_value_(w);
  if (w->failed) return;
  if (w->depth >= ITER8_JSON_MAX_DEPTH) {
    w->failed = 1;
    return;
  }
  w->kind[w->depth] = kind;
  w->has_member[w->depth] = 0;
  w->after_key[w->depth] = 0;
  ++w->depth;
  iter8_json_append_(w, kind == 'o' ? "{" : "[", 1);
}

static inline void iter8_json_end_(iter8_json_writer* w, char kind) {
  if (w->failed) return;
  if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->after_key[w->depth - 1]) {
    w->failed = 1; /* closes nothing, the wrong kind, or a key without its value */
    return;
  }
  --w->depth;
  iter8_json_append_(w, kind == 'o' ? "}" : "]", 1);
  iter8_json_after_value_(w);
}

static inline void iter8_json_begin_object(iter8_json_writer* w) {
  iter8_json_begin_(w, 'o');
}
static inline void iter8_json_end_object(iter8_json_writer* w) {
  iter8_json_end_(w, 'o');
}
static inline void iter8_json_begin_array(iter8_json_writer* w) {
  iter8_json_begin_(w, 'a');
}
static inline void iter8_json_end_array(iter8_json_writer* w) {
  iter8_json_end_(w, 'a');
}

/* The key of the next object member: `n` bytes of UTF-8 (escaped like a string). */
static inline void iter8_json_key_n(iter8_json_writer* w, const char* key, size_t n) {
  if (w->failed) return;
  int top = w->depth - 1;
  if (w->depth == 0 || w->kind[top] != 'o' || w->after_key[top] || key == NULL) {
    w->failed = 1;
    return;
  }
  if (w->has_member[top]) iter8_json_append_(w, ",", 1);
  w->has_member[top] = 1;
  w->after_key[top] = 1;
  iter8_json_append_(w, "\"", 1);
  iter8_json_escape_(w, key, n);
  iter8_json_append_(w, "\":", 2);
}

static inline void iter8_json_key(iter8_json_writer* w, const char* key) {
  if (key == NULL) {
    w->failed = 1;
    return;
  }
  iter8_json_key_n(w, key, strlen(key));
}

/* A string value of `n` bytes (may hold NUL bytes, written as \u0000). */
static inline void iter8_json_string_n(iter8_json_writer* w, const char* s, size_t n) {
  if (s == NULL) w->failed = 1;
  iter8_json_before_value_(w);
  iter8_json_append_(w, "\"", 1);
  if (!w->failed) iter8_json_escape_(w, s, n);
  iter8_json_append_(w, "\"", 1);
  iter8_json_after_value_(w);
}

/* A NUL-terminated string value; NULL is a misuse (write iter8_json_null for null). */
static inline void iter8_json_string(iter8_json_writer* w, const char* s) {
  iter8_json_string_n(w, s, s != NULL ? strlen(s) : 0);
}

static inline void iter8_json_int(iter8_json_writer* w, int64_t value) {
  char text[24];
  int n = snprintf(text, sizeof text, "%lld", (long long)value);
  iter8_json_before_value_(w);
  iter8_json_append_(w, text, (size_t)n);
  iter8_json_after_value_(w);
}

/* A number with enough digits to read back the same double (%.17g). NaN and infinities have
 * no JSON form: a misuse. */
static inline void iter8_json_double(iter8_json_writer* w, double value) {
  char text[40];
  if (value != value || value > 1.7976931348623157e308 || value < -1.7976931348623157e308) {
    w->failed = 1;
    return;
  }
  int n = snprintf(text, sizeof text, "%.17g", value);
  /* A locale with a decimal comma (setlocale in the process) must not break the JSON. */
  for (int i = 0; i < n; ++i) {
    if (text[i] == ',') text[i] = '.';
  }
  iter8_json_before_value_(w);
  iter8_json_append_(w, text, (size_t)n);
  iter8_json_after_value_(w);
}

static inline void iter8_json_bool(iter8_json_writer* w, int value) {
  iter8_json_before_value_(w);
  iter8_json_append_(w, value ? "true" : "false", value ? 4 : 5);
  iter8_json_after_value_(w);
}

/* null: in a status patch, deletes the member (JSON merge patch). */
static inline void iter8_json_null(iter8_json_writer* w) {
  iter8_json_before_value_(w);
  iter8_json_append_(w, "null", 4);
  iter8_json_after_value_(w);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ITER8_JSON_WRITER_H */
