/* hookdir.h: the hooks_dir/PHASE/ scan: which files become hooks, which are skipped and why. */
#ifndef HOOKRUN_HOOKDIR_H
#define HOOKRUN_HOOKDIR_H

#include "config.h"

/* 1 when a file of this name is skipped without a warning (".x", "x~", "x.dpkg-old", ...). */
int	 hookdir_silent_skip(const char *name);

/*
 * Appends the executable regular files of cfg->hooks_dir/PHASE/ (byte order,
 * symlinks followed) to each phase as hooks with the phase's defaults;
 * records and warns about the other files. A missing directory is not an
 * error. Returns the number of errors (an unreadable directory).
 */
int	 hookdir_scan(struct config *cfg);

#endif
