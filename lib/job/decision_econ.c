/*
 * The decision's figures of expected finish, cost and carbon (made by
 * lib/submit/econ.c) in its two renderings: JSON keys "intents" (the
 * decision) and "economics" (each site), null when the job has no
 * intents; a line per site under --explain.
 */
#include "config.h"

#include <stdio.h>

#include "core/jansson_load.h"
#include "job/decision.h"

/* A figure, or null when not known (< 0). */
static json_t *fig(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

json_t *hpcl__econ_site_json(const struct hpcl__est_econ *x)
{
    json_t *o;

    if (!x->have || (o = json_object()) == NULL)
        return json_null();
    json_object_set_new(o, "stage_bytes", json_real(x->stage_bytes));
    json_object_set_new(o, "stage_in_seconds", fig(x->stage_in_s));
    json_object_set_new(o, "start_seconds", fig(x->start_s));
    json_object_set_new(o, "run_seconds", fig(x->run_s));
    json_object_set_new(o, "stage_out_seconds", fig(x->stage_out_s));
    json_object_set_new(o, "finish_seconds", fig(x->finish_s));
    json_object_set_new(o, "cost", fig(x->cost));
    json_object_set_new(o, "energy_kwh", fig(x->energy_kwh));
    json_object_set_new(o, "carbon_grams", fig(x->carbon_g));
    json_object_set_new(o, "excluded", x->excluded ? json_string(x->excluded)
                                                   : json_null());
    return o;
}

json_t *hpcl__econ_intents_json(const struct hpcl__decision *d)
{
    json_t *o;

    if (!d->econ || (o = json_object()) == NULL)
        return json_null();
    json_object_set_new(o, "prefer", json_string(d->prefer));
    json_object_set_new(o, "deadline", d->deadline ? json_integer(d->deadline)
                                                   : json_null());
    json_object_set_new(o, "budget", d->budget >= 0 ? json_real(d->budget)
                                                    : json_null());
    json_object_set_new(o, "currency", d->currency[0]
                                           ? json_string(d->currency)
                                           : json_null());
    json_object_set_new(o, "input_bytes", json_real(d->input_bytes));
    json_object_set_new(o, "input_files",
                        json_integer((json_int_t)d->input_files));
    return o;
}

void hpcl__econ_text_head(FILE *f, const struct hpcl__decision *d)
{
    if (!d->econ)
        return;
    fprintf(f, "  objective %s", d->prefer);
    if (d->deadline != 0)
        fprintf(f, ", deadline in %ld s", (long)(d->deadline - d->at));
    if (d->budget >= 0)
        fprintf(f, ", budget %.4g%s%s", d->budget, d->currency[0] ? " " : "",
                d->currency);
    fprintf(f, "; inputs %zu file%s, %.1f MB\n", d->input_files,
            d->input_files == 1 ? "" : "s", d->input_bytes / 1e6);
}

void hpcl__econ_text_site(FILE *f, const struct hpcl__decision *d,
                          const struct hpcl__est_econ *x)
{
    if (!x->have)
        return;
    fprintf(f, "    stage-in %.1f s (%.1f MB to copy), start in %.0f s",
            x->stage_in_s, x->stage_bytes / 1e6, x->start_s);
    if (x->run_s >= 0)
        fprintf(f, ", run %.0f s, finish in %.0f s; cost %.4g%s%s, energy "
                "%.3g kWh", x->run_s, x->finish_s, x->cost,
                d->currency[0] ? " " : "", d->currency, x->energy_kwh);
    else
        fputs(", run time unknown (no -t)", f);
    if (x->carbon_g >= 0)
        fprintf(f, ", carbon %.3g g CO2", x->carbon_g);
    else if (x->run_s >= 0)
        fputs(", carbon unknown (no carbon_intensity)", f);
    if (x->excluded != NULL)
        fprintf(f, "; out: %s", x->excluded);
    fputc('\n', f);
}
