/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Named inhibitors in tdxctl: inhibit --hold, --release and --list (tdxctl-vmm(7)). */
#include "verbs.h"

/* inhibit --hold/--release/--list (verb-inhibit.c hands over when one is given). */
int verb_inhibit_named(const struct tdxctl_options *o, int argc, char **argv);
