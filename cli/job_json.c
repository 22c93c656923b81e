/* A job's state as the JSON document's job object (hpclaunch-json(7)):
 * status, wait and submit --wait print the same one. */
#include "cli.h"
#include "json_doc.h"

/* "" from a getter means not known (no nodes yet, no reason): null. */
static void kstr_or_null(struct hpcl__jw *w, const char *key, const char *s)
{
    hpcl__jw_kstr(w, key, s != NULL && s[0] != '\0' ? s : NULL);
}

/* How it ended, as Slurm reports it (sacct's ExitCode CODE:SIGNAL):
 * exit_code is the first number (0 for a job killed by a signal, whose
 * shell-style code is 128 + the signal), signal the second; null while
 * not ended, signal null also when only the shell's code is known. */
static void end_json(struct hpcl__jw *w, int ended, int code, int sig)
{
    const char *name = ended && sig > 0 ? cli_signal_name(sig) : NULL;

    hpcl__jw_key(w, "exit_code");
    if (ended && code >= 0)
        hpcl__jw_int(w, sig > 0 ? 0 : code);
    else
        hpcl__jw_null(w);
    hpcl__jw_key(w, "signal");
    if (ended && sig >= 0)
        hpcl__jw_int(w, sig);
    else
        hpcl__jw_null(w);
    hpcl__jw_kstr(w, "signal_name", name);
}

/* An array job's tasks, each as its own small job object. */
static void tasks_json(struct hpcl__jw *w, const hpcl_job *job)
{
    hpcl__jw_key(w, "tasks");
    if (hpcl_job_task_count(job) == 0) {
        hpcl__jw_null(w);
        return;
    }
    hpcl__jw_open(w, '[');
    for (size_t i = 0; i < hpcl_job_task_count(job); i++) {
        hpcl_state st = hpcl_job_task_state(job, i);

        hpcl__jw_open(w, '{');
        hpcl__jw_kstr(w, "ref", hpcl_job_task_ref(job, i));
        hpcl__jw_kstr(w, "state", hpcl_state_name(st));
        kstr_or_null(w, "reason", hpcl_job_task_reason(job, i));
        kstr_or_null(w, "nodes", hpcl_job_task_nodelist(job, i));
        end_json(w, hpcl_state_is_terminal(st),
                 hpcl_job_task_exit_code(job, i),
                 hpcl_job_task_signal(job, i));
        hpcl__jw_close(w, '}');
    }
    hpcl__jw_close(w, ']');
}

void cli_job_json(struct hpcl__jw *w, hpcl_job *job)
{
    hpcl_state st = hpcl_job_state(job);
    int ended = hpcl_state_is_terminal(st);

    hpcl__jw_open(w, '{');
    hpcl__jw_kstr(w, "ref", hpcl_job_ref(job));
    hpcl__jw_kstr(w, "state", hpcl_state_name(st));
    kstr_or_null(w, "reason", hpcl_job_reason(job));
    kstr_or_null(w, "nodes", hpcl_job_nodelist(job));
    /* Known once the job has ended; a running job has none yet. */
    end_json(w, ended, hpcl_job_exit_code(job), hpcl_job_signal(job));
    kstr_or_null(w, "output_path", hpcl_job_output_path(job));
    kstr_or_null(w, "error_path", hpcl_job_error_path(job));
    tasks_json(w, job);
    hpcl__jw_close(w, '}');
}
