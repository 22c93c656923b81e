/* A computed plan's results: its notes, and freeing them all when an
 * input changes.  Shared by plan.c, plan_place.c and plan_output.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/plan-internal.h"

void hpcl__plan_clear(hpcl_plan *plan)
{
    for (unsigned i = 0; plan->tasks != NULL && i < plan->ntasks; i++)
        free(plan->tasks[i].desc);
    for (unsigned i = 0; i < plan->nnotes; i++)
        free(plan->notes[i]);
    free(plan->notes);
    free(plan->tasks);
    free(plan->task_cores);
    free(plan->task_pus);
    free(plan->task_gpus);
    plan->notes = NULL;
    plan->nnotes = 0;
    plan->tasks = NULL;
    plan->task_cores = plan->task_pus = plan->task_gpus = NULL;
    plan->computed = 0;
}

hpcl_rc hpcl__plan_note(hpcl_plan *plan, const char *fmt, ...)
{
    char buf[HPCL_ERRMSG_MAX];
    char **grown;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    grown = realloc(plan->notes, (plan->nnotes + 2) * sizeof *grown);
    if (grown == NULL)
        return HPCL_E_NOMEM;
    plan->notes = grown;
    if ((grown[plan->nnotes] = strdup(buf)) == NULL)
        return HPCL_E_NOMEM;
    grown[++plan->nnotes] = NULL;
    return HPCL_OK;
}
