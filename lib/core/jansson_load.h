/*
 * jansson, loaded with dlopen() the first time JSON is parsed or built
 * beyond placement: the slurmrestd driver, a submission's decision, the
 * journal's job list, the requests file, and the tool's sites and jobs
 * commands.  Placement and topology JSON are written without it
 * (json_write.h), so that a program that only pins loads hwloc alone
 * (dl_load.h).
 *
 * Include this instead of <jansson.h>.  jansson's types and macros stay;
 * every function used is routed through hpcl__jansson, which
 * hpcl__jansson_load() fills: call it, and stop on failure, before any
 * json_* call.  json_decref() and json_object_set() are inline in
 * jansson.h, calling json_delete() and json_object_set_new(): they are
 * replaced here; json_object_foreach() and json_array_foreach() expand to
 * calls that are routed.  A function missing from HPCL__JANSSON_FUNCS
 * leaves an undefined json_* symbol, which tests/check-pin-deps.sh
 * catches: add it to the list.  Needs nothing else of the library, so
 * the tool may compile it in.
 */
#ifndef HPCL_CORE_JANSSON_LOAD_H
#define HPCL_CORE_JANSSON_LOAD_H

#include <stdio.h>

#include <jansson.h>

/* X(return type, name, parameters) for each function used. */
#define HPCL__JANSSON_FUNCS(X)                                               \
    X(json_t *, json_object, (void))                                         \
    X(json_t *, json_array, (void))                                          \
    X(json_t *, json_string, (const char *value))                            \
    X(json_t *, json_integer, (json_int_t value))                            \
    X(json_t *, json_real, (double value))                                   \
    X(json_t *, json_true, (void))                                           \
    X(json_t *, json_false, (void))                                          \
    X(json_t *, json_null, (void))                                           \
    X(void, json_delete, (json_t *json))                                    \
    X(json_t *, json_object_get, (const json_t *object, const char *key))    \
    X(int, json_object_set_new,                                              \
      (json_t *object, const char *key, json_t *value))                     \
    X(void *, json_object_iter, (json_t *object))                           \
    X(void *, json_object_iter_next, (json_t *object, void *iter))          \
    X(const char *, json_object_iter_key, (void *iter))                      \
    X(json_t *, json_object_iter_value, (void *iter))                        \
    X(void *, json_object_key_to_iter, (const char *key))                    \
    X(size_t, json_array_size, (const json_t *array))                        \
    X(json_t *, json_array_get, (const json_t *array, size_t index))         \
    X(int, json_array_append_new, (json_t *array, json_t *value))           \
    X(const char *, json_string_value, (const json_t *string))               \
    X(json_int_t, json_integer_value, (const json_t *integer))               \
    X(double, json_real_value, (const json_t *real))                         \
    X(json_t *, json_pack, (const char *fmt, ...))                           \
    X(json_t *, json_loads,                                                  \
      (const char *input, size_t flags, json_error_t *error))                \
    X(json_t *, json_loadb, (const char *buffer, size_t buflen,              \
                             size_t flags, json_error_t *error))             \
    X(char *, json_dumps, (const json_t *json, size_t flags))                \
    X(int, json_dumpf, (const json_t *json, FILE *output, size_t flags))

/* The table: p_json_object for json_object, and so on.  The names are
 * pasted (##), so the routing macros below never expand inside them. */
#define HPCL__JANSSON_PTR(ret, name, params) ret(*p_##name) params;
struct hpcl__jansson_api {
    HPCL__JANSSON_FUNCS(HPCL__JANSSON_PTR)
};
#undef HPCL__JANSSON_PTR

/* Filled by hpcl__jansson_load(); read only after it returned 0 in this
 * thread (or in one that handed over). */
extern struct hpcl__jansson_api hpcl__jansson;

/* jansson loaded once per process: 0, or -1 with a static sentence in
 * *why (the soname, dlerror(), the package to install). */
int hpcl__jansson_load(const char **why);

#ifndef HPCL__JANSSON_NO_ROUTING
#define json_object (hpcl__jansson.p_json_object)
#define json_array (hpcl__jansson.p_json_array)
#define json_string (hpcl__jansson.p_json_string)
#define json_integer (hpcl__jansson.p_json_integer)
#define json_real (hpcl__jansson.p_json_real)
#define json_true (hpcl__jansson.p_json_true)
#define json_false (hpcl__jansson.p_json_false)
#define json_null (hpcl__jansson.p_json_null)
#define json_object_get (hpcl__jansson.p_json_object_get)
#define json_object_set_new (hpcl__jansson.p_json_object_set_new)
#define json_object_iter (hpcl__jansson.p_json_object_iter)
#define json_object_iter_next (hpcl__jansson.p_json_object_iter_next)
#define json_object_iter_key (hpcl__jansson.p_json_object_iter_key)
#define json_object_iter_value (hpcl__jansson.p_json_object_iter_value)
#define json_object_key_to_iter (hpcl__jansson.p_json_object_key_to_iter)
#define json_array_size (hpcl__jansson.p_json_array_size)
#define json_array_get (hpcl__jansson.p_json_array_get)
#define json_array_append_new (hpcl__jansson.p_json_array_append_new)
#define json_string_value (hpcl__jansson.p_json_string_value)
#define json_integer_value (hpcl__jansson.p_json_integer_value)
#define json_real_value (hpcl__jansson.p_json_real_value)
#define json_pack (hpcl__jansson.p_json_pack)
#define json_loads (hpcl__jansson.p_json_loads)
#define json_loadb (hpcl__jansson.p_json_loadb)
#define json_dumps (hpcl__jansson.p_json_dumps)
#define json_dumpf (hpcl__jansson.p_json_dumpf)

/* jansson.h's inline functions, on the table. */
static inline void hpcl__json_decref(json_t *json)
{
    if (json && json->refcount != (size_t)-1 &&
        JSON_INTERNAL_DECREF(json) == 0)
        hpcl__jansson.p_json_delete(json);
}

static inline int hpcl__json_object_set(json_t *object, const char *key,
                                        json_t *value)
{
    return hpcl__jansson.p_json_object_set_new(object, key,
                                               json_incref(value));
}

#define json_decref hpcl__json_decref
#define json_object_set hpcl__json_object_set
#endif

#endif
