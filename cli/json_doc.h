/*
 * The one JSON document a command prints under --json (hpclaunch-json(7),
 * doc/hpclaunch-json.schema.json):
 *
 *     {"version":2,"command":"status",<the command's members>,"errors":[]}
 *
 * Every member the schema gives the command is printed, null when the
 * command did not set it (an error before its data), and every error the
 * command reports (cli_lib_error, cli_usage_error) is also an entry of
 * "errors", so that a caller reading stdout never gets nothing.  main()
 * opens the document before the command runs and prints it after.
 */
#ifndef HPCL_CLI_JSON_DOC_H
#define HPCL_CLI_JSON_DOC_H

#include <stdarg.h>

#include <hpclaunch.h>

#include "../lib/core/json_write.h"

/* The version of the document: bumped on any change a reader must know. */
#define CLI_JSON_VERSION 2

/* main(): the command about to run (NULL: none was recognised) and its
 * words; "--json" among them (before "--") turns the document on, so that
 * even a usage error in the options is JSON. */
void cli_doc_begin(const char *cmd, int argc, char **argv);

/* The command's own reading of its options: --json given or not. */
void cli_doc_set_json(int on);
int cli_doc_json(void);

/* The writer of member name's value (one value, compact); NULL when
 * --json is off or name is not a member of the command. */
struct hpcl__jw *cli_doc_member(const char *name);

/* The thing the next error is about: object "job", "site", "file",
 * "option", "argument" or "command", and its name; NULLs to clear. */
void cli_doc_subject(const char *object, const char *name);

/* Record an error (code: "usage" or an hpcl_rc name such as
 * "HPCL_E_NOJOB") about the current subject. */
void cli_doc_error(const char *code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The errors cli_lib_error(), cli_usage_error() (where: cli_where) and
 * cli_usage_hint() (getopt's refusal of the word it last read) report,
 * as entries; the subject, when none is set, is guessed from them. */
void cli_doc_lib_error(hpcl_rc rc, const char *detail);
void cli_doc_usage_error(const char *where, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void cli_doc_bad_option(void);

/* The name of rc, as hpclaunch-errors(7) lists it. */
const char *cli_rc_name(hpcl_rc rc);

/* A job's object (status, wait, submit --wait): cli/job_json.c. */
void cli_job_json(struct hpcl__jw *w, hpcl_job *job);

/* A site's probe (NULL: it failed, error says why) as a site object:
 * cli/probe_json.c. */
void cli_site_json(struct hpcl__jw *w, hpcl_ctx *ctx, const char *site,
                   const hpcl_probe *probe, const char *error);

/* main(): print the document (when --json is on) and free it. */
void cli_doc_end(void);

#endif
