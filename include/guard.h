/* guard.h: the guard, a second hookrun between hookrun and a locked hook. */
#ifndef HOOKRUN_GUARD_H
#define HOOKRUN_GUARD_H

/* argv[1] of hookrun run as a guard: hookrun --hookrun-guard PATH ARGV... */
#define GUARD_FLAG	"--hookrun-guard"
/* The guard's parent-death signal: hookrun is gone. */
#define GUARD_SIGNAL	SIGUSR2

/*
 * Runs PATH with ARGV (argv[0], argv[1]...) in the guard's process group,
 * waits for it and exits as it did. Should hookrun die, the whole group,
 * grandchildren included, is killed: a parent-death signal alone reaches
 * only the hook's own process.
 */
int	 guard_main(char **argv);

#endif
