/* The SDK's JSON writer compiled as C11, as a C plugin compiles it: json_writer_test parses
 * what it writes. */
#include "iter8/json_writer.h"

char* iter8_test_status_patch_c(const char* who, size_t who_size, double ratio);

/* {"analysis":{"greeting":{"who":<who>,"count":2,"ratio":<ratio>,"ok":true,"tags":["a",null]}},
 *  "message":null}, or NULL when the writer failed. The caller frees the text. */
char* iter8_test_status_patch_c(const char* who, size_t who_size, double ratio) {
  iter8_json_writer w;
  char* copy = NULL;
  const char* text;
  iter8_json_writer_init(&w);
  iter8_json_begin_object(&w);
  iter8_json_key(&w, "analysis");
  iter8_json_begin_object(&w);
  iter8_json_key(&w, "greeting");
  iter8_json_begin_object(&w);
  iter8_json_key(&w, "who");
  iter8_json_string_n(&w, who, who_size);
  iter8_json_key(&w, "count");
  iter8_json_int(&w, 2);
  iter8_json_key(&w, "ratio");
  iter8_json_double(&w, ratio);
  iter8_json_key(&w, "ok");
  iter8_json_bool(&w, 1);
  iter8_json_key(&w, "tags");
  iter8_json_begin_array(&w);
  iter8_json_string(&w, "a");
  iter8_json_null(&w);
  iter8_json_end_array(&w);
  iter8_json_end_object(&w);
  iter8_json_end_object(&w);
  iter8_json_key(&w, "message");
  iter8_json_null(&w);
  iter8_json_end_object(&w);
  text = iter8_json_writer_text(&w);
  if (text != NULL) {
    copy = (char*)malloc(strlen(text) + 1);
    if (copy != NULL) memcpy(copy, text, strlen(text) + 1);
  }
  iter8_json_writer_free(&w);
  return copy;
}
