/*
 * hpclaunch: topology-aware placement and Slurm job submission.
 * Umbrella header: includes every public header.
 */
#ifndef HPCLAUNCH_H
#define HPCLAUNCH_H

#include <hpclaunch/version.h>
#include <hpclaunch/common.h>
#include <hpclaunch/ctx.h>
#include <hpclaunch/job.h>
#include <hpclaunch/probe.h>
#include <hpclaunch/data.h>
#include <hpclaunch/topo.h>
#include <hpclaunch/plan.h>
#include <hpclaunch/pin.h>

#endif
